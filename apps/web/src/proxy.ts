import { NextResponse, type NextRequest } from 'next/server';

/**
 * Routes of this app that answer data to scripts, not pages: without a session they answer 401 (JSON, the API's error
 * shape) instead of a redirect to the sign-in page's HTML, so the query that asked sends the user to sign in
 * (lib/query-client.ts) rather than failing to parse HTML.
 */
const DATA_ROUTES = new Set(['/suite-catalog']);

/**
 * better-auth's session cookie; `__Secure-` prefixed when its base URL is https (AUTH_BASE_URL), as the API reads it
 * (apps/api src/modules/auth/auth.service.ts).
 */
const SESSION_COOKIE = /^(?:__Secure-)?better-auth\.session_token$/;

/**
 * Next's request proxy (formerly middleware): a visit without a session cookie goes to the sign-in page, which
 * returns to the page asked for. The API checks the session itself on every call; a cookie whose session has ended
 * gets 401s there, and the dashboard sends the user here too (lib/query-client.ts).
 *
 * This checks only that a session cookie is present, not that it is valid: everything behind it that holds data
 * calls the API, which validates the session. The one exception is `GET /suite-catalog` (a Route Handler that reads
 * the built-in suites shipped with @inferbench/evals, no API call): it is gated here like every page and serves only
 * what is public in the repository anyway (the CLI's `inferbench eval --suite mini` reads the same files), so a
 * forged cookie name gains nothing. Any route handler that serves more than that must ask the API.
 */
export function proxy(req: NextRequest): NextResponse {
  const signedIn = req.cookies.getAll().some((c) => SESSION_COOKIE.test(c.name));
  if (signedIn) return NextResponse.next();
  if (DATA_ROUTES.has(req.nextUrl.pathname))
    return NextResponse.json(
      { error: { code: 'UNAUTHORIZED', message: 'sign in to the dashboard first' } },
      { status: 401 },
    );
  const url = req.nextUrl.clone();
  url.pathname = '/sign-in';
  url.search = `?next=${encodeURIComponent(req.nextUrl.pathname + req.nextUrl.search)}`;
  return NextResponse.redirect(url);
}

export const config = {
  // everything but the sign-in page, the API proxy, Next's assets and the icon
  matcher: ['/((?!sign-in|api/|_next/|icon.svg|favicon.ico).*)'],
};

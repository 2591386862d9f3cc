import { NextResponse, type NextRequest } from 'next/server';

/**
 * Next's request proxy (formerly middleware): a visit without a session cookie goes to the sign-in page, which
 * returns to the page asked for. The API checks the session itself on every call; a cookie whose session has ended
 * gets 401s there, and the dashboard sends the user here too (lib/auth-redirect.ts).
 */
export function proxy(req: NextRequest): NextResponse {
  const signedIn = req.cookies.getAll().some((c) => /(^|\.)better-auth\.session_token$/.test(c.name));
  if (signedIn) return NextResponse.next();
  const url = req.nextUrl.clone();
  url.pathname = '/sign-in';
  url.search = `?next=${encodeURIComponent(req.nextUrl.pathname + req.nextUrl.search)}`;
  return NextResponse.redirect(url);
}

export const config = {
  // everything but the sign-in page, the API proxy, Next's assets and the icon
  matcher: ['/((?!sign-in|api/|_next/|icon.svg|favicon.ico).*)'],
};

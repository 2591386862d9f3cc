/**
 * Sign-in and sign-out through better-auth's endpoints on the API, reached via the dashboard's proxy
 * (`/api/auth/*` → API `/auth/*`), so the session cookie belongs to the dashboard's origin.
 */
export const AUTH_BASE = '/api/auth';

/** null on success, else a message to show. */
export async function signInWithPassword(email: string, password: string): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch(`${AUTH_BASE}/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, rememberMe: true }),
      credentials: 'same-origin',
    });
  } catch {
    return 'The dashboard cannot reach the API.';
  }
  if (res.ok) return null;
  if (res.status === 401 || res.status === 400) return 'Wrong e-mail or password.';
  if (res.status === 403)
    return 'This account cannot sign in (disabled, or the request came from another site).';
  if (res.status === 429) return 'Too many attempts; wait a minute and try again.';
  return `Sign-in failed (${res.status}).`;
}

/** Start an OIDC sign-in (generic OAuth provider): the browser goes to the provider and comes back signed in. */
export async function signInWithOidc(providerId: string, callbackURL: string): Promise<string | null> {
  const res = await fetch(`${AUTH_BASE}/sign-in/oauth2`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ providerId, callbackURL }),
    credentials: 'same-origin',
  });
  const body = (await res.json().catch(() => null)) as { url?: string } | null;
  if (!res.ok || !body?.url) return `Single sign-on is not available (${res.status}).`;
  window.location.assign(body.url);
  return null;
}

export async function signOut(): Promise<void> {
  await fetch(`${AUTH_BASE}/sign-out`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    credentials: 'same-origin',
  }).catch(() => undefined);
}

/** Only paths of this dashboard are followed after sign-in (no open redirect). */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in')
    ? next
    : '/experiments';
}

import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { config, proxy } from './proxy';

const ORIGIN = 'http://127.0.0.1:3000';
const request = (path: string, cookie?: string) =>
  new NextRequest(`${ORIGIN}${path}`, cookie ? { headers: { cookie } } : {});
/** Next's matcher, as the proxy's config names it (one pattern, anchored). */
const matched = (path: string) => new RegExp(`^${config.matcher[0]}$`).test(path);

describe('the sign-in proxy', () => {
  it('sends a page visit without a session to the sign-in page, remembering the page', () => {
    const res = proxy(request('/experiments?q=x'));
    expect(res.status).toBe(307);
    const to = new URL(res.headers.get('location')!);
    expect(to.pathname + to.search).toBe(`/sign-in?next=${encodeURIComponent('/experiments?q=x')}`);
  });

  it('answers the suite catalog 401 JSON without a session (not the sign-in page), and passes it with one', async () => {
    expect(matched('/suite-catalog')).toBe(true);
    const res = proxy(request('/suite-catalog'));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    const signedIn = proxy(request('/suite-catalog', 'better-auth.session_token=abc'));
    expect(signedIn.headers.get('x-middleware-next')).toBe('1');
    // the secure-prefixed cookie name counts too
    expect(
      proxy(request('/suites', '__Secure-better-auth.session_token=abc')).headers.get('x-middleware-next'),
    ).toBe('1');
  });

  it('leaves the sign-in page, the API proxy and assets alone', () => {
    for (const open of [
      '/sign-in',
      '/api/health',
      '/api/auth/sign-in/email',
      '/_next/static/x.js',
      '/icon.svg',
    ])
      expect(matched(open), open).toBe(false);
    for (const gated of ['/', '/suites', '/experiments/abc', '/runs/r1'])
      expect(matched(gated), gated).toBe(true);
  });
});

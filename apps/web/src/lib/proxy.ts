/**
 * Same-origin proxy to the inferbench API: `/api/<path>?<query>` → `${apiUrl}/<path>?<query>`.
 * The browser never calls the API cross-origin. Bodies are forwarded as-is and responses are streamed
 * back unbuffered, so `GET /runs/:id/events` (SSE) works through it; when the browser goes away the
 * upstream request is aborted with it.
 */

// Hop-by-hop headers (RFC 9110 §7.6.1) and ones fetch recomputes must not be copied across.
const DROP_REQUEST_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'accept-encoding',
]);
const DROP_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-encoding',
  'content-length',
]);

/** The path prefix the proxy is mounted on. */
export const PROXY_PREFIX = '/api';

/**
 * Sent to the API on every proxied request: the dashboard's own origin. The proxy refuses writes whose `Origin` is
 * another site (CSRF: the session cookie is the dashboard's), and the API's sign-in endpoints trust the origin named
 * here (a browser cannot send this header to the API cross-origin). Must match the API's WEB_ORIGIN_HEADER.
 */
export const WEB_ORIGIN_HEADER = 'x-inferbench-web-origin';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The origin the browser used to reach the dashboard (the Host header, since behind `next start` req.url may be internal). */
function ownOrigin(req: Request, url: URL): string {
  const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host') ?? url.host;
  const proto = req.headers.get('x-forwarded-proto') ?? url.protocol.replace(/:$/, '');
  return `${proto}://${host}`;
}

/**
 * Build the proxy handler. `getApiUrl` is called per request (so config errors surface as a 502 body, not a
 * crash at import time) and must return the API base URL without a trailing slash.
 */
export function createApiProxy(getApiUrl: () => string): (req: Request) => Promise<Response> {
  return async function proxy(req: Request): Promise<Response> {
    const apiUrl = getApiUrl();
    const url = new URL(req.url);
    const upstreamPath = url.pathname.startsWith(PROXY_PREFIX)
      ? url.pathname.slice(PROXY_PREFIX.length) || '/'
      : url.pathname;
    const target = `${apiUrl}${upstreamPath}${url.search}`;

    const origin = ownOrigin(req, url);
    const sentOrigin = req.headers.get('origin');
    if (!SAFE_METHODS.has(req.method) && sentOrigin !== null && sentOrigin !== origin) {
      return Response.json(
        { error: { code: 'FORBIDDEN', message: `cross-site request refused (origin ${sentOrigin})` } },
        { status: 403 },
      );
    }
    const headers = new Headers();
    req.headers.forEach((value, key) => {
      if (!DROP_REQUEST_HEADERS.has(key.toLowerCase())) headers.set(key, value);
    });
    headers.set(WEB_ORIGIN_HEADER, origin);
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const body = hasBody ? await req.arrayBuffer() : undefined;

    let upstream: Response;
    try {
      upstream = await fetch(target, {
        method: req.method,
        headers,
        body: body && body.byteLength > 0 ? body : undefined,
        signal: req.signal,
        redirect: 'manual',
        cache: 'no-store',
      });
    } catch (err) {
      if (req.signal.aborted) return new Response(null, { status: 499 });
      // Same envelope as the API so ApiClient reports a readable message.
      return Response.json(
        {
          error: {
            code: 'INTERNAL',
            message: `The dashboard cannot reach the API at ${apiUrl}: ${(err as Error).message}`,
          },
        },
        { status: 502 },
      );
    }

    const resHeaders = new Headers();
    upstream.headers.forEach((value, key) => {
      if (DROP_RESPONSE_HEADERS.has(key.toLowerCase()) || key.toLowerCase() === 'set-cookie') return;
      resHeaders.set(key, value);
    });
    // every cookie separately (sign-in sets more than one; `set` would keep only the last)
    for (const cookie of upstream.headers.getSetCookie()) resHeaders.append('set-cookie', cookie);
    if (upstream.headers.get('content-type')?.includes('text/event-stream')) {
      // no-transform keeps compressing middleware away; X-Accel-Buffering stops nginx-style buffering.
      resHeaders.set('cache-control', 'no-cache, no-transform');
      resHeaders.set('x-accel-buffering', 'no');
    }
    return new Response(upstream.body, {
      status: upstream.status,
      statusText: upstream.statusText,
      headers: resHeaders,
    });
  };
}

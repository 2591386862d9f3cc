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

    const headers = new Headers();
    req.headers.forEach((value, key) => {
      if (!DROP_REQUEST_HEADERS.has(key.toLowerCase())) headers.set(key, value);
    });
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
      if (!DROP_RESPONSE_HEADERS.has(key.toLowerCase())) resHeaders.set(key, value);
    });
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

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiProxy } from './proxy';

/**
 * The proxy against a real node:http upstream: query and body forwarding, status and error envelopes
 * passed through, and SSE streamed event by event (not buffered until the upstream ends).
 */
describe('createApiProxy', () => {
  let upstream: http.Server;
  let upstreamUrl: string;
  const seen: { method: string; url: string; body: string; auth?: string }[] = [];
  let releaseSse: (() => void) | undefined;

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body, auth: req.headers.authorization });
        if (req.url?.startsWith('/runs/r1/events')) {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          res.write(
            `data: ${JSON.stringify({ type: 'run.status', runId: 'r1', status: 'running', error: null })}\n\n`,
          );
          // The second event and the end wait until the test has seen the first one.
          releaseSse = () => {
            res.write(
              `data: ${JSON.stringify({ type: 'run.status', runId: 'r1', status: 'completed', error: null })}\n\n`,
            );
            res.end();
          };
          return;
        }
        if (req.url?.startsWith('/auth/sign-in')) {
          res.setHeader('set-cookie', ['a=1; Path=/; HttpOnly', 'b=2; Path=/; HttpOnly']);
          res.writeHead(200, {
            'content-type': 'application/json',
            'x-origin-seen': String(req.headers['x-inferbench-web-origin']),
          });
          res.end('{}');
          return;
        }
        if (req.url?.startsWith('/missing')) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such run' } }));
          return;
        }
        res.writeHead(req.method === 'POST' ? 201 : 200, {
          'content-type': 'application/json',
          'x-request-id': 'abc',
        });
        res.end(JSON.stringify({ ok: true, echo: body }));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  it('forwards method, path, query, headers and body, and passes status and headers back', async () => {
    const proxy = createApiProxy(() => upstreamUrl);
    const res = await proxy(
      new Request('http://web.local/api/experiments?q=llama&tag=a%20b', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
        body: JSON.stringify({ name: 'x' }),
      }),
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('abc');
    expect(await res.json()).toEqual({ ok: true, echo: '{"name":"x"}' });
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      url: '/experiments?q=llama&tag=a%20b',
      body: '{"name":"x"}',
      auth: 'Bearer t',
    });
  });

  it('passes API error envelopes through unchanged', async () => {
    const res = await createApiProxy(() => upstreamUrl)(new Request('http://web.local/api/missing'));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such run' } });
  });

  it('streams SSE events as they come, with no-transform caching headers', async () => {
    const res = await createApiProxy(() => upstreamUrl)(new Request('http://web.local/api/runs/r1/events'));
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('cache-control')).toContain('no-transform');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    // The upstream has not ended yet: reading the first event proves the proxy does not buffer.
    const first = await reader.read();
    expect(decoder.decode(first.value)).toContain('"status":"running"');
    releaseSse!();
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value);
    }
    expect(rest).toContain('"status":"completed"');
  });

  it('answers 502 with an error envelope when the API is unreachable', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const res = await createApiProxy(() => deadUrl)(new Request('http://web.local/api/targets'));
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('INTERNAL');
    expect(body.error.message).toContain('cannot reach the API');
  });

  it('forwards every set-cookie, names its own origin to the API, and refuses cross-site writes (issue 12)', async () => {
    const proxy = createApiProxy(() => upstreamUrl);
    const res = await proxy(
      new Request('http://web.local/api/auth/sign-in/email', {
        method: 'POST',
        headers: { origin: 'http://web.local', host: 'web.local', 'content-type': 'application/json' },
        body: '{}',
      }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/; HttpOnly', 'b=2; Path=/; HttpOnly']);
    expect(res.headers.get('x-origin-seen')).toBe('http://web.local');
    const before = seen.length;
    const evil = await proxy(
      new Request('http://web.local/api/auth/sign-in/email', {
        method: 'POST',
        headers: { origin: 'http://evil.test', host: 'web.local', 'content-type': 'application/json' },
        body: '{}',
      }),
    );
    expect(evil.status).toBe(403);
    expect(seen.length).toBe(before);
  });
});

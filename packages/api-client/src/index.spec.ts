import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from './index.js';

// A real HTTP server answering like the API: an error envelope, a target, and a never-ending SSE stream.
let server: http.Server;
let baseUrl: string;
const r2Headers: (string | string[] | undefined)[] = [];
let r3Connections = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/targets/missing') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'target missing not found' } }));
    } else if (req.url === '/targets') {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            code: 'VALIDATION_FAILED',
            message: 'invalid body',
            details: { issues: [{ path: 'model', message: 'Required' }] },
          },
        }),
      );
    } else if (req.url === '/runs/r1/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': keep-alive\r\n\r\n');
      res.write('id: 1\r\ndata: {"type":"run.status","runId":"r1","status":"running","error":null}\r\n\r\n');
      res.write('data: not json\n\n');
      // split one event over two writes
      res.write('data: {"type":"loadpoint.status","runId":"r1",');
      setTimeout(() => res.write('"loadPointId":"p1","status":"completed"}\n\n'), 20);
      // and never end: the client must stop when its signal aborts
    } else if (req.url === '/runs/r2/events') {
      // drops the connection after two events; answers a resume from 2-0 with the rest
      r2Headers.push(req.headers['last-event-id']);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (req.headers['last-event-id'] === '2-0') {
        res.end('id: 3-0\ndata: {"type":"run.status","runId":"r2","status":"completed","error":null}\n\n');
      } else {
        res.write('id: 1-0\ndata: {"type":"run.status","runId":"r2","status":"running","error":null}\n\n');
        res.write(
          'id: 2-0\ndata: {"type":"loadpoint.status","runId":"r2","loadPointId":"p1","status":"running"}\n\n',
        );
        setTimeout(() => res.socket?.destroy(), 20);
      }
    } else if (req.url === '/runs/r3/events') {
      // one event on the first connection, then every reconnect is cut at once
      if (r3Connections++ > 0) return void req.socket.destroy();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('id: 1-0\ndata: {"type":"run.status","runId":"r3","status":"running","error":null}\n\n');
      setTimeout(() => res.socket?.destroy(), 20);
    } else if (req.url === '/runs/gone/events') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'run gone not found' } }));
    } else {
      res.writeHead(500);
      res.end('oops');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('ApiClient', () => {
  it('turns the error envelope into ApiError with field errors', async () => {
    const api = new ApiClient({ baseUrl });
    const notFound = await api.getTarget('missing').catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(ApiError);
    expect((notFound as ApiError).status).toBe(404);
    expect((notFound as ApiError).code).toBe('NOT_FOUND');
    const invalid = (await api
      .createTarget({ name: 'x', baseUrl: 'http://a', model: '' })
      .catch((e: unknown) => e)) as ApiError;
    expect(invalid.code).toBe('VALIDATION_FAILED');
    expect(invalid.fieldErrors()).toEqual({ model: 'Required' });
  });

  it('reports a non-envelope failure and an unreachable API clearly', async () => {
    const bad = (await new ApiClient({ baseUrl }).getRun('x').catch((e: unknown) => e)) as ApiError;
    expect(bad.code).toBe('BAD_RESPONSE');
    const down = (await new ApiClient({ baseUrl: 'http://127.0.0.1:1' })
      .health()
      .catch((e: unknown) => e)) as ApiError;
    expect(down.code).toBe('NETWORK');
    expect(down.message).toContain('http://127.0.0.1:1');
  });

  it('follows SSE events across CRLF, comments and split writes, and stops promptly when aborted inside onEvent', async () => {
    const api = new ApiClient({ baseUrl });
    const ac = new AbortController();
    const seen: string[] = [];
    const t0 = Date.now();
    await api.followRun(
      'r1',
      (e) => {
        seen.push(e.type);
        if (e.type === 'loadpoint.status') ac.abort();
      },
      ac.signal,
    );
    expect(seen).toEqual(['run.status', 'loadpoint.status']);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('reconnects a dropped stream with Last-Event-ID and resolves at the terminal status', async () => {
    const seen: string[] = [];
    const ids: string[] = [];
    await new ApiClient({ baseUrl }).followRun(
      'r2',
      (e) => seen.push(`${e.type}:${'status' in e ? e.status : ''}`),
      undefined,
      {
        retryDelayMs: 10,
        onEventId: (id) => ids.push(id),
      },
    );
    expect(r2Headers).toEqual([undefined, '2-0']);
    expect(seen).toEqual(['run.status:running', 'loadpoint.status:running', 'run.status:completed']);
    expect(ids).toEqual(['1-0', '2-0', '3-0']);
  });

  it('gives up after maxRetries consecutive failed reconnects, and does not retry a first connection or a 4xx', async () => {
    const err = (await new ApiClient({ baseUrl })
      .followRun('r3', () => undefined, undefined, { maxRetries: 2, retryDelayMs: 5 })
      .catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('NETWORK');
    expect(err.message).toContain('gave up after 2 reconnects');
    expect(r3Connections).toBe(3);
    const gone = (await new ApiClient({ baseUrl })
      .followRun('gone', () => undefined, undefined, { retryDelayMs: 5 })
      .catch((e: unknown) => e)) as ApiError;
    expect(gone.status).toBe(404);
    // nothing listens: the first connection fails at once (the CLI falls back to polling)
    const t0 = Date.now();
    const down = (await new ApiClient({ baseUrl: 'http://127.0.0.1:1' })
      .followRun('r1', () => undefined)
      .catch((e: unknown) => e)) as Error;
    expect(down).toBeInstanceOf(Error);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

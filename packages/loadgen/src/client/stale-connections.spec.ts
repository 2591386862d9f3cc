import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LimitsSchema, type LoadLevel, type RequestSample, type TargetConn } from '@inferbench/contracts';
import { LoadPointAccumulator } from '@inferbench/metrics';
import { SystemClock } from '../clock/system-clock.js';
import { runLoadPoint, type RunLoadPointResult } from '../engine/run-load-point.js';
import { WhitespaceTokenizer } from '../engine/testing/whitespace-tokenizer.js';
import type { LlmRequest } from '../ports.js';
import { OpenAiCompatibleClient } from './openai-client.js';
import { startQuirkServer, type QuirkServer, type QuirkServerOptions } from './testing/quirk-server.js';

/**
 * Servers that close kept-alive connections without saying so (llama.cpp's llama-server closes after every
 * streamed response although it answers `Keep-Alive: timeout=5, max=100`): a request written on such a
 * connection before its FIN arrived is re-sent once on a fresh connection, never reported as an error.
 */
const clock = new SystemClock();
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function quirk(opts: QuirkServerOptions): Promise<QuirkServer> {
  const s = await startQuirkServer(opts);
  cleanups.push(() => s.close());
  return s;
}

function newClient(
  maxConnections: number,
  extra: Partial<ConstructorParameters<typeof OpenAiCompatibleClient>[0]> = {},
): OpenAiCompatibleClient {
  const c = new OpenAiCompatibleClient({ clock, maxConnections, ...extra });
  cleanups.push(() => c.close());
  return c;
}

function target(url: string, more: Partial<TargetConn> = {}): TargetConn {
  return { baseUrl: url, apiKind: 'chat', model: 'm', headers: {}, ...more };
}

function request(t: TargetConn, o: { stream?: boolean; headers?: Record<string, string> } = {}): LlmRequest {
  return {
    target: { ...t, headers: { ...t.headers, ...o.headers } },
    params: { maxTokens: 8 },
    prompt: { kind: 'chat', messages: [{ role: 'user', content: 'hello there' }] },
    promptTokens: 2,
    ...(o.stream === undefined ? {} : { stream: o.stream }),
    signal: new AbortController().signal,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runPoint(
  client: OpenAiCompatibleClient,
  t: TargetConn,
  load: LoadLevel,
  requests: number,
): Promise<{ result: RunLoadPointResult; samples: RequestSample[]; acc: LoadPointAccumulator }> {
  const samples: RequestSample[] = [];
  const acc = new LoadPointAccumulator();
  const result = await runLoadPoint(
    {
      target: t,
      params: {},
      workload: {
        kind: 'synthetic',
        inputTokens: { kind: 'fixed', value: 8 },
        outputTokens: { kind: 'fixed', value: 8 },
      },
      load,
      requests,
      limits: LimitsSchema.parse({ maxDurationSec: 60 }),
      seed: 7,
    },
    {
      client,
      clock,
      tokenizer: new WhitespaceTokenizer(),
      signal: new AbortController().signal,
      onSample: (s) => {
        samples.push(s);
        acc.add(s);
      },
    },
  );
  return { result, samples, acc };
}

describe('quirk server connection behaviours', () => {
  it('close-after-stream: advertises keep-alive, closes after each streamed response, keeps non-streamed ones', async () => {
    const server = await quirk({ connectionQuirk: 'close-after-stream' });
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-quirk': 'non-stream' },
      body: '{"messages":[]}',
    });
    await res.text();
    expect(res.headers.get('keep-alive')).toBe('timeout=5, max=100');
    expect(res.headers.get('connection')).toBe('keep-alive');

    const client = newClient(1, { staleConnectionRetry: false });
    const t = target(server.url);
    const nonStream = { stream: false, headers: { 'x-quirk': 'non-stream' } };
    for (let i = 0; i < 3; i++) expect((await client.send(request(t, nonStream))).errorClass).toBeUndefined();
    const nonStreamPorts = server.requests.slice(1).map((r) => r.remotePort);
    expect(new Set(nonStreamPorts).size).toBe(1); // non-streamed: one kept-alive connection
    expect(server.connections.silentCloses).toBe(0);
    expect((await client.send(request(t))).errorClass).toBeUndefined();
    await expect.poll(() => server.connections.silentCloses).toBe(1); // streamed: closed after the response
  });

  it('random-close: closes kept-alive connections after 1 to 5 responses', async () => {
    const server = await quirk({ connectionQuirk: 'random-close', seed: 3, closeDelayMs: 0 });
    const client = newClient(1, { staleConnectionRetry: false });
    const t = target(server.url);
    for (let i = 0; i < 40; i++) {
      await client.send(request(t, { stream: false }));
      await sleep(2); // let a close land before the next request
    }
    const perConn = new Map<number, number>();
    for (const r of server.requests) perConn.set(r.remotePort, (perConn.get(r.remotePort) ?? 0) + 1);
    const counts = [...perConn.values()].slice(0, -1); // the last connection may still be open
    expect(counts.length).toBeGreaterThan(5);
    for (const n of counts) expect(n >= 1 && n <= 5).toBe(true);
    expect(new Set(counts).size).toBeGreaterThan(1);
  });
});

describe('OpenAiCompatibleClient: stale kept-alive connections', () => {
  it('a request written on a connection the server is closing is re-sent once; timing starts at the re-send', async () => {
    // the close comes 60 ms after the streamed response: a request sent 10 ms after it lands on the doomed socket
    const server = await quirk({ connectionQuirk: 'close-after-stream', closeDelayMs: 60 });
    const client = newClient(1);
    const t = target(server.url);
    const first = await client.send(request(t));
    expect(first.errorClass).toBeUndefined();
    expect(first.connectionRetries).toBeUndefined();
    await sleep(10);
    const before = clock.nowUs();
    const second = await client.send(request(t));
    expect(second.errorMessage).toBeUndefined();
    expect(second.connectionRetries).toBe(1);
    expect(server.connections.dropped).toBe(1);
    // sentAt is the re-send: after the dropped attempt, right before the server received the re-sent request
    const served = server.requests[server.requests.length - 1]!;
    expect(served.remotePort).not.toBe(server.requests[0]!.remotePort);
    expect(second.sentUs).toBeGreaterThan(before);
    expect(second.sentUs).toBeLessThanOrEqual(served.receivedUs);
    expect(served.receivedUs - second.sentUs).toBeLessThan(50_000);
    expect(second.chunkTimesUs[0]! - second.sentUs).toBeLessThan(50_000);
    // the origin was switched to one connection per request, and the point is told
    expect(client.connectionRetries()).toBe(1);
    expect(client.connectionWarnings()).toHaveLength(1);
    expect(client.connectionWarnings()[0]).toContain('switched to one connection per request');
    const third = await client.send(request(t));
    expect(third.errorClass).toBeUndefined();
    expect(third.connectionRetries).toBeUndefined();
    expect(server.requests[server.requests.length - 1]!.headers.connection).toBe('close');
  });

  it('a silent close of an idle connection switches the origin before any request fails', async () => {
    const server = await quirk({ connectionQuirk: 'close-after-stream', closeDelayMs: 1 });
    const client = newClient(2);
    const t = target(server.url);
    expect((await client.send(request(t))).errorClass).toBeUndefined();
    await expect.poll(() => client.connectionWarnings().length).toBe(1);
    expect(client.connectionWarnings()[0]).toContain('closed an idle connection');
    for (let i = 0; i < 5; i++) expect((await client.send(request(t))).errorClass).toBeUndefined();
    expect(client.connectionRetries()).toBe(0);
    expect(server.requests.slice(1).every((r) => r.headers.connection === 'close')).toBe(true);
  });

  it('a server that closes idle connections at its advertised keep-alive timeout is not switched', async () => {
    const srv: Server = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ message: { content: 'hi' }, finish_reason: 'stop' }] }));
      });
    });
    srv.keepAliveTimeout = 1000; // advertises Keep-Alive: timeout=1 and closes after 1 s idle
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => srv.close(r)));
    srv.on('connection', (s: Socket) => cleanups.push(async () => s.destroy()));
    const client = newClient(1);
    const t = target(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`);
    expect((await client.send(request(t, { stream: false }))).errorClass).toBeUndefined();
    await sleep(1300);
    expect(client.connectionWarnings()).toEqual([]);
    expect((await client.send(request(t, { stream: false }))).errorClass).toBeUndefined();
  });

  it('retries only once: a re-send that fails again is a connect error', async () => {
    // raw HTTP: answers the first request of the first connection with keep-alive, then destroys every socket
    // that sends a request (the reused one, and the fresh one of the re-send)
    let served = 0;
    let seen = 0;
    const srv = createServer((sock) => {
      let buf = '';
      sock.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        const head = buf.indexOf('\r\n\r\n');
        if (head < 0) return;
        const len = Number(/content-length:\s*(\d+)/i.exec(buf.slice(0, head))?.[1] ?? 0);
        if (buf.length < head + 4 + len) return;
        buf = buf.slice(head + 4 + len);
        seen++;
        if (served > 0) {
          sock.destroy();
          return;
        }
        served++;
        const body = JSON.stringify({ choices: [{ message: { content: 'hi' }, finish_reason: 'stop' }] });
        sock.write(
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: keep-alive\r\nkeep-alive: timeout=5\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
        );
      });
      sock.on('error', () => undefined);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => srv.close(r)));
    const client = newClient(1);
    const t = target(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`);
    expect((await client.send(request(t, { stream: false }))).errorClass).toBeUndefined();
    const o = await client.send(request(t, { stream: false }));
    expect(o.errorClass).toBe('connect');
    expect(o.connectionRetries).toBe(1);
    expect(seen).toBe(3); // first, the stale attempt, one re-send: never a third attempt
  });

  it('a fresh connection closed before any response byte stays a connect error (no re-send)', async () => {
    let seen = 0;
    const srv = createServer((sock) => {
      sock.on('data', () => {
        seen++;
        sock.destroy();
      });
      sock.on('error', () => undefined);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => srv.close(r)));
    const client = newClient(1);
    const o = await client.send(request(target(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`)));
    expect(o.errorClass).toBe('connect');
    expect(o.connectionRetries).toBeUndefined();
    expect(seen).toBe(1);
  });

  it('a refused connection stays a connect error', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise((r) => srv.close(r));
    const client = newClient(1);
    const o = await client.send(request(target(`http://127.0.0.1:${port}`)));
    expect(o.errorClass).toBe('connect');
    expect(o.errorMessage).toContain('ECONNREFUSED');
    expect(o.connectionRetries).toBeUndefined();
  });

  it('a reset after response bytes on a reused connection stays an error (truncated), never re-sent', async () => {
    const server = await quirk({});
    const client = newClient(1);
    const t = target(server.url);
    expect((await client.send(request(t, { stream: false }))).errorClass).toBeUndefined();
    const o = await client.send(request(t, { headers: { 'x-quirk': 'destroy-mid' } }));
    expect(server.requests[1]!.remotePort).toBe(server.requests[0]!.remotePort); // it was a reused connection
    expect(o.errorClass).toBe('truncated');
    expect(o.connectionRetries).toBeUndefined();
    expect(server.requests).toHaveLength(2);
  });

  it("connection: 'close' (target option or Connection header) opens one connection per request", async () => {
    const server = await quirk({});
    const client = newClient(2);
    for (let i = 0; i < 4; i++)
      expect(
        (await client.send(request(target(server.url, { connection: 'close' })))).errorClass,
      ).toBeUndefined();
    for (let i = 0; i < 2; i++)
      expect(
        (await client.send(request(target(server.url), { headers: { Connection: 'close' } }))).errorClass,
      ).toBeUndefined();
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBe(6);
    expect(server.requests.every((r) => r.headers.connection === 'close')).toBe(true);
    expect(client.connectionWarnings()).toEqual([]);
  });
});

describe('runLoadPoint against servers that close kept-alive connections silently', () => {
  for (const connectionQuirk of ['close-after-stream', 'random-close'] as const) {
    for (const c of [1, 4, 256]) {
      it(`${connectionQuirk}, concurrency ${c}: no false errors, retries counted, the switch in the warnings`, async () => {
        const server = await quirk({ connectionQuirk, seed: c });
        const n = Math.max(120, 2 * c);
        const { result, samples, acc } = await runPoint(
          newClient(c),
          target(server.url),
          { kind: 'concurrency', concurrency: c },
          n,
        );
        expect(result.status).toBe('completed');
        expect(samples.filter((s) => s.errorClass !== undefined)).toEqual([]);
        const summary = acc.summary();
        expect(summary.requests.succeeded).toBe(n);
        expect(summary.connectionRetries).toBe(
          samples.reduce((sum, s) => sum + (s.connectionRetries ?? 0), 0),
        );
        expect(result.warnings.some((w) => w.includes('switched to one connection per request'))).toBe(true);
      });
    }
  }

  it('without the re-send (the old client) the same server gives false connect errors', async () => {
    const server = await quirk({ connectionQuirk: 'close-after-stream' });
    const { samples } = await runPoint(
      newClient(1, { staleConnectionRetry: false }),
      target(server.url),
      { kind: 'concurrency', concurrency: 1 },
      40,
    );
    const errors = samples.filter((s) => s.errorClass !== undefined);
    expect(errors.length).toBeGreaterThan(5);
    expect(errors.every((s) => s.errorClass === 'connect')).toBe(true);
  });

  it('open loop: a re-sent request keeps its planned time; its sentAt is the re-send', async () => {
    const server = await quirk({ connectionQuirk: 'close-after-stream', closeDelayMs: 20 });
    const rate = 100;
    const { samples } = await runPoint(
      newClient(8),
      target(server.url),
      { kind: 'rate', rate, arrival: 'constant', maxConcurrency: 8 },
      60,
    );
    expect(samples.filter((s) => s.errorClass !== undefined)).toEqual([]);
    const retried = samples.filter((s) => s.connectionRetries);
    expect(retried.length).toBeGreaterThan(0);
    const gapUs = 1e6 / rate;
    for (const s of samples) {
      // the plan's grid, whatever happened to the connection
      expect(Math.abs(s.scheduledUs! - Math.round(s.idx * gapUs))).toBeLessThanOrEqual(1);
      expect(s.sentUs).toBeGreaterThanOrEqual(s.scheduledUs!);
    }
    const okDelays = samples.filter((s) => !s.connectionRetries).map((s) => s.sentUs - s.scheduledUs!);
    for (const s of retried) {
      // re-sent after the failed attempt: its schedule delay includes that attempt
      expect(s.sentUs - s.scheduledUs!).toBeGreaterThanOrEqual(Math.min(...okDelays));
    }
  });
});

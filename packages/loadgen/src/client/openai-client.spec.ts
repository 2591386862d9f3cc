import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RequestParams } from '@inferbench/contracts';
import { SystemClock } from '../clock/system-clock.js';
import type { ClientTimeouts, LlmOutcome, LlmRequest } from '../ports.js';
import { OpenAiCompatibleClient } from './openai-client.js';
import {
  QUIRK_REASONING,
  QUIRK_TOOL_ARGS,
  quirkText,
  startQuirkServer,
  type QuirkScenario,
  type QuirkServer,
} from './testing/quirk-server.js';

const clock = new SystemClock();

interface ReqOpts {
  scenario?: QuirkScenario;
  apiKind?: 'chat' | 'completions';
  headers?: Record<string, string>;
  stream?: boolean;
  signal?: AbortSignal;
  params?: RequestParams;
  prompt?: string;
  baseUrl?: string;
}

function makeReq(server: QuirkServer | null, o: ReqOpts = {}): LlmRequest {
  const apiKind = o.apiKind ?? 'chat';
  const text = o.prompt ?? 'say hello to the world';
  return {
    target: {
      baseUrl: o.baseUrl ?? server!.url,
      apiKind,
      model: 'quirk-model',
      headers: { ...(o.scenario ? { 'x-quirk': o.scenario } : {}), ...o.headers },
      apiKey: 'sk-test',
    },
    params: o.params ?? { maxTokens: 64 },
    prompt:
      apiKind === 'chat'
        ? { kind: 'chat', messages: [{ role: 'user', content: text }] }
        : { kind: 'text', text },
    promptTokens: 5,
    stream: o.stream,
    signal: o.signal ?? new AbortController().signal,
  };
}

function expectSuccess(o: LlmOutcome): void {
  expect(o.errorMessage).toBeUndefined();
  expect(o.errorClass).toBeUndefined();
  expect(o.httpStatus).toBe(200);
}

function expectOrderedTimes(o: LlmOutcome): void {
  let prev = o.sentUs;
  for (const t of o.chunkTimesUs) {
    expect(t).toBeGreaterThanOrEqual(prev);
    prev = t;
  }
  expect(o.endUs).toBeGreaterThanOrEqual(prev);
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('OpenAiCompatibleClient against a real quirky server', () => {
  let server: QuirkServer;
  let client: OpenAiCompatibleClient;

  beforeAll(async () => {
    server = await startQuirkServer({ tokens: 8 });
    client = new OpenAiCompatibleClient({
      clock,
      maxConnections: 64,
      timeouts: { idleMs: 5_000, firstTokenMs: 5_000 },
    });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  const lastRecord = () => server.requests[server.requests.length - 1]!;

  it('normal vLLM chat stream: text, chunk count, usage, body and headers sent', async () => {
    const o = await client.send(
      makeReq(server, {
        headers: { 'x-custom': 'yes' },
        params: {
          maxTokens: 16,
          temperature: 0.5,
          topP: 0.9,
          ignoreEos: true,
          minTokens: 16,
          extra: { top_k: 5 },
        },
      }),
    );
    expectSuccess(o);
    expect(o.text).toBe(quirkText(8));
    expect(o.chunkTimesUs).toHaveLength(8); // the role chunk with "" content is not output
    expect(o.firstContentUs).toBe(o.chunkTimesUs[0]);
    expect(o.usage).toEqual({ promptTokens: 5, completionTokens: 8, reasoningTokens: undefined });
    expectOrderedTimes(o);
    const rec = lastRecord();
    expect(rec.path).toBe('/v1/chat/completions');
    expect(rec.body).toEqual({
      model: 'quirk-model',
      messages: [{ role: 'user', content: 'say hello to the world' }],
      max_tokens: 16,
      temperature: 0.5,
      top_p: 0.9,
      ignore_eos: true,
      min_tokens: 16,
      stream: true,
      stream_options: { include_usage: true },
      top_k: 5,
    });
    expect(rec.headers.authorization).toBe('Bearer sk-test');
    expect(rec.headers['x-custom']).toBe('yes');
  });

  it('completions endpoint: prompt in, choices[0].text out; baseUrl ending in /v1 works', async () => {
    const o = await client.send(makeReq(server, { apiKind: 'completions', baseUrl: `${server.url}/v1/` }));
    expectSuccess(o);
    expect(o.text).toBe(quirkText(8));
    expect(o.chunkTimesUs).toHaveLength(8);
    expect(lastRecord().path).toBe('/v1/completions');
    expect(lastRecord().body.prompt).toBe('say hello to the world');
  });

  it.each<QuirkScenario>(['usage-in-last', 'no-role', 'empty-content', 'keepalive', 'crlf'])(
    '%s: same text, 8 output chunks, usage kept',
    async (scenario) => {
      const o = await client.send(makeReq(server, { scenario }));
      expectSuccess(o);
      expect(o.text).toBe(quirkText(8));
      expect(o.chunkTimesUs).toHaveLength(8);
      expect(o.usage?.completionTokens).toBe(8);
      expectOrderedTimes(o);
    },
  );

  it('finish_reason then close without [DONE] counts as complete', async () => {
    const o = await client.send(makeReq(server, { scenario: 'no-done' }));
    expectSuccess(o);
    expect(o.chunkTimesUs).toHaveLength(8);
    expect(o.usage).toBeUndefined();
  });

  it.each<QuirkScenario>(['reasoning', 'reasoning-field'])(
    '%s: reasoning deltas then content',
    async (scenario) => {
      const o = await client.send(makeReq(server, { scenario }));
      expectSuccess(o);
      expect(o.reasoningText).toBe(QUIRK_REASONING.join(''));
      expect(o.text).toBe(quirkText(8));
      expect(o.chunkTimesUs).toHaveLength(QUIRK_REASONING.length + 8);
      // TTFT-content is the first CONTENT chunk, after the reasoning ones
      expect(o.firstContentUs).toBe(o.chunkTimesUs[QUIRK_REASONING.length]);
      expect(o.usage?.reasoningTokens).toBe(3);
    },
  );

  it('tool-call deltas: argument text collected, each delta is an output chunk', async () => {
    const o = await client.send(makeReq(server, { scenario: 'tool-calls' }));
    expectSuccess(o);
    expect(o.toolCallText).toBe(QUIRK_TOOL_ARGS.join(''));
    expect(o.text).toBe('');
    expect(o.chunkTimesUs).toHaveLength(1 + QUIRK_TOOL_ARGS.length);
    expect(o.firstContentUs).toBeUndefined();
  });

  it('one TCP write holding many HTTP chunks: every chunk gets the one socket-read timestamp', async () => {
    const o = await client.send(makeReq(server, { scenario: 'one-write' }));
    expectSuccess(o);
    expect(o.text).toBe(quirkText(8));
    expect(o.chunkTimesUs).toHaveLength(8);
    expect(new Set(o.chunkTimesUs).size).toBe(1);
    expect(o.endUs).toBe(o.chunkTimesUs[0]);
  });

  it('one byte per write: multibyte UTF-8 and framing survive', async () => {
    const o = await client.send(makeReq(server, { scenario: 'byte-per-write' }));
    expectSuccess(o);
    expect(o.text).toBe(quirkText(8));
    expect(o.chunkTimesUs).toHaveLength(8);
    expect(o.usage?.completionTokens).toBe(8);
    expectOrderedTimes(o);
  });

  it('non-streamed JSON response is one chunk at body arrival', async () => {
    const o = await client.send(makeReq(server, { scenario: 'non-stream', stream: false }));
    expectSuccess(o);
    expect(o.text).toBe(quirkText(8));
    expect(o.chunkTimesUs).toHaveLength(1);
    expect(o.firstContentUs).toBe(o.chunkTimesUs[0]);
    expect(o.endUs).toBe(o.chunkTimesUs[0]);
    expect(o.usage?.completionTokens).toBe(8);
    expect(lastRecord().body.stream).toBe(false);
    expect(lastRecord().body.stream_options).toBeUndefined();
  });

  it('HTTP 500 and 429 → http with status and a body excerpt', async () => {
    const o500 = await client.send(makeReq(server, { scenario: 'http-500' }));
    expect(o500.errorClass).toBe('http');
    expect(o500.httpStatus).toBe(500);
    expect(o500.errorMessage).toContain('HTTP 500');
    expect(o500.errorMessage).toContain('CUDA out of memory');
    const o429 = await client.send(makeReq(server, { scenario: 'http-429' }));
    expect(o429.errorClass).toBe('http');
    expect(o429.httpStatus).toBe(429);
    expect(o429.errorMessage).toContain('Rate limit exceeded');
  });

  it('invalid JSON data line → malformed_stream', async () => {
    const o = await client.send(makeReq(server, { scenario: 'invalid-json' }));
    expect(o.errorClass).toBe('malformed_stream');
    expect(o.errorMessage).toContain('invalid JSON');
    expect(o.chunkTimesUs).toHaveLength(1);
  });

  it('an error object in the stream (no choices) → malformed_stream with the server message', async () => {
    const o = await client.send(makeReq(server, { scenario: 'error-in-stream' }));
    expect(o.errorClass).toBe('malformed_stream');
    expect(o.errorMessage).toContain('engine died');
  });

  it('socket destroyed mid-stream → truncated, chunks so far kept', async () => {
    const o = await client.send(makeReq(server, { scenario: 'destroy-mid' }));
    expect(o.errorClass).toBe('truncated');
    expect(o.httpStatus).toBe(200);
    expect(o.chunkTimesUs).toHaveLength(2);
  });

  it('keep-alive: sequential requests reuse one connection', async () => {
    const before = server.requests.length;
    for (let i = 0; i < 3; i++) {
      expectSuccess(await client.send(makeReq(server)));
      // undici (pipelining 1) frees a socket for reuse one event-loop turn after the response completed
      await new Promise((r) => setImmediate(r));
    }
    const ports = server.requests.slice(before).map((r) => r.remotePort);
    expect(new Set(ports).size).toBe(1);
  });

  it('abort mid-stream → cancelled promptly, server sees the client leave', async () => {
    const ac = new AbortController();
    const recordIndex = server.requests.length;
    const p = client.send(
      makeReq(server, { signal: ac.signal, headers: { 'x-quirk-itl-ms': '50', 'x-quirk-tokens': '100' } }),
    );
    // abort mid-stream: once the server has written a couple of tokens
    await vi.waitFor(
      () => expect(server.requests[recordIndex]?.outputWriteUs.length ?? 0).toBeGreaterThanOrEqual(2),
      { timeout: 5_000, interval: 5 },
    );
    const abortedAtUs = clock.nowUs();
    ac.abort(new Error('user cancel'));
    const o = await p;
    expect(o.errorClass).toBe('cancelled');
    expect(o.errorMessage).toContain('user cancel');
    expect(o.endUs - abortedAtUs).toBeLessThan(20_000);
    expect(o.chunkTimesUs.length).toBeGreaterThan(0);
    expect(o.chunkTimesUs.length).toBeLessThan(100);
    await vi.waitFor(() => expect(lastRecordClosed(server)).toBe(true), { timeout: 2_000, interval: 10 });
  });

  it('already-aborted signal → cancelled without sending', async () => {
    const ac = new AbortController();
    ac.abort();
    const before = server.requests.length;
    const o = await client.send(makeReq(server, { signal: ac.signal }));
    expect(o.errorClass).toBe('cancelled');
    expect(server.requests.length).toBe(before);
  });
});

function lastRecordClosed(server: QuirkServer): boolean {
  const r = server.requests[server.requests.length - 1];
  return r !== undefined && !r.completed;
}

describe('OpenAiCompatibleClient timeouts and connection errors', () => {
  let server: QuirkServer;
  beforeAll(async () => {
    server = await startQuirkServer({ tokens: 8 });
  });
  afterAll(async () => {
    await server.close();
  });

  async function sendWith(
    timeouts: Partial<ClientTimeouts>,
    o: ReqOpts,
  ): Promise<{ out: LlmOutcome; ms: number }> {
    const c = new OpenAiCompatibleClient({ clock, maxConnections: 4, timeouts });
    const t0 = performance.now();
    const out = await c.send(makeReq(server, o));
    const ms = performance.now() - t0;
    await c.close();
    return { out, ms };
  }

  it('refused port → connect', async () => {
    const port = await freePort();
    const c = new OpenAiCompatibleClient({ clock, maxConnections: 1 });
    const o = await c.send(makeReq(null, { baseUrl: `http://127.0.0.1:${port}` }));
    await c.close();
    expect(o.errorClass).toBe('connect');
    expect(o.errorMessage).toContain('ECONNREFUSED');
    expect(o.httpStatus).toBe(0);
  });

  it('stall after the first chunk → timeout (idle)', async () => {
    const { out, ms } = await sendWith({ idleMs: 200 }, { scenario: 'stall' });
    expect(out.errorClass).toBe('timeout');
    expect(out.errorMessage).toContain('idle');
    expect(out.chunkTimesUs).toHaveLength(1);
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(1_500);
  });

  it('slow first token → timeout (first-token)', async () => {
    const { out, ms } = await sendWith(
      { firstTokenMs: 200 },
      { scenario: 'slow-first', headers: { 'x-quirk-ttft-ms': '3000' } },
    );
    expect(out.errorClass).toBe('timeout');
    expect(out.errorMessage).toContain('first-token');
    expect(out.chunkTimesUs).toHaveLength(0);
    expect(ms).toBeLessThan(1_500);
  });

  it('long stream → timeout (total)', async () => {
    const { out } = await sendWith(
      { totalMs: 300, idleMs: 5_000 },
      { headers: { 'x-quirk-itl-ms': '20', 'x-quirk-tokens': '1000' } },
    );
    expect(out.errorClass).toBe('timeout');
    expect(out.errorMessage).toContain('total');
    expect(out.chunkTimesUs.length).toBeGreaterThan(3);
  });

  it('pool sized to the load: N concurrent streams all reach the server at once', async () => {
    const n = 24;
    const c = new OpenAiCompatibleClient({ clock, maxConnections: n });
    const before = server.requests.length;
    const outs = await Promise.all(
      Array.from({ length: n }, () => c.send(makeReq(server, { headers: { 'x-quirk-ttft-ms': '150' } }))),
    );
    await c.close();
    outs.forEach(expectSuccess);
    const rec = server.requests.slice(before).map((r) => r.receivedUs);
    expect(Math.max(...rec) - Math.min(...rec)).toBeLessThan(100_000);
  });

  it('a too-small pool queues inside the client, and sentUs is the socket write (not the enqueue)', async () => {
    const c = new OpenAiCompatibleClient({ clock, maxConnections: 1 });
    const a = c.send(makeReq(server, { headers: { 'x-quirk-ttft-ms': '100' } }));
    const b = c.send(makeReq(server, { headers: { 'x-quirk-ttft-ms': '100' } }));
    const [oa, ob] = await Promise.all([a, b]);
    await c.close();
    expectSuccess(oa);
    expectSuccess(ob);
    // b waited for a's connection: it was handed to the socket only after a ended
    expect(ob.sentUs).toBeGreaterThanOrEqual(oa.endUs);
    // so b's TTFT is the server's ~100 ms, not 200 ms
    expect(ob.chunkTimesUs[0]! - ob.sentUs).toBeLessThan(180_000);
  });
});

describe('fidelity: client times vs server write times (same process, same clock)', () => {
  // timing on a shared machine: retried before it is called a failure
  it(
    '4 concurrent streams × 3 measured rounds, 30 chunks at 5 ms: overhead within a few ms',
    { retry: 2 },
    async () => {
      const server = await startQuirkServer({ tokens: 30, ttftMs: 20, itlMs: 5 });
      const c = new OpenAiCompatibleClient({ clock, maxConnections: 4 });
      const ttftOverheadUs: number[] = [];
      const arrivalLagUs: number[] = [];
      const itlDiffUs: number[] = [];
      for (let round = 0; round < 4; round++) {
        const tag = `round ${round} request`;
        const outs = await Promise.all(
          Array.from({ length: 4 }, (_, i) => c.send(makeReq(server, { prompt: `${tag} ${i}` }))),
        );
        for (const [i, o] of outs.entries()) {
          expectSuccess(o);
          const rec = server.requests.find((r) => JSON.stringify(r.body).includes(`${tag} ${i}"`))!;
          expect(o.chunkTimesUs).toHaveLength(rec.outputWriteUs.length);
          // same clock: the request reaches the server after sentUs, a chunk arrives after its write
          expect(o.sentUs).toBeLessThanOrEqual(rec.receivedUs);
          o.chunkTimesUs.forEach((t, k) => expect(t).toBeGreaterThanOrEqual(rec.outputWriteUs[k]!));
          if (round === 0) continue; // warm-up: JIT and first connections
          ttftOverheadUs.push(o.chunkTimesUs[0]! - o.sentUs - (rec.outputWriteUs[0]! - rec.receivedUs));
          o.chunkTimesUs.forEach((t, k) => arrivalLagUs.push(t - rec.outputWriteUs[k]!));
          for (let k = 1; k < o.chunkTimesUs.length; k++) {
            const clientGap = o.chunkTimesUs[k]! - o.chunkTimesUs[k - 1]!;
            const serverGap = rec.outputWriteUs[k]! - rec.outputWriteUs[k - 1]!;
            itlDiffUs.push(Math.abs(clientGap - serverGap));
          }
        }
      }
      await c.close();
      await server.close();
      for (const a of [ttftOverheadUs, arrivalLagUs, itlDiffUs]) a.sort((x, y) => x - y);
      expect(ttftOverheadUs[0]).toBeGreaterThanOrEqual(0);
      // The machine is shared (2 cores, other test suites running): a descheduled process shows up in the
      // tail, not in the middle. So the middle is held tight (a client that timestamps late, e.g. after an
      // extra event-loop hop, moves p50) and the tail loosely. Measured alone: p50 ≈ 0.15 ms, p99 ≈ 0.4-1 ms.
      for (const a of [ttftOverheadUs, arrivalLagUs, itlDiffUs]) {
        expect(pct(a, 50)).toBeLessThan(1_000);
        // p90 bound 5 ms: a fresh-clone CI run on 2 cores measured 3.9-4.4 ms here once (p50 stayed under 1 ms)
        expect(pct(a, 90)).toBeLessThan(5_000);
        expect(pct(a, 99)).toBeLessThan(15_000);
      }
    },
  );
});

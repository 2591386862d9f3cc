import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LimitsSchema,
  type LoadLevel,
  RequestSampleSchema,
  type RequestSample,
  type Warmup,
} from '@inferbench/contracts';
import { LoadPointAccumulator } from '@inferbench/metrics';
import { OpenAiCompatibleClient } from '../../client/openai-client.js';
import { SystemClock } from '../../clock/system-clock.js';
import { type SseServer, startSseServer } from '../testing/sse-server.js';
import { WhitespaceTokenizer } from '../testing/whitespace-tokenizer.js';
import type { RunLoadPointInput, RunLoadPointResult } from '../point-types.js';
import { runLoadPointParallel } from './run-load-point-parallel.js';

/** 1 vs N worker threads with the real HTTP client against a real local SSE server with fixed timings. */
interface Run {
  result: RunLoadPointResult;
  samples: RequestSample[];
  prompts: string[];
}

let server: SseServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(
  workers: number,
  over: {
    load: LoadLevel;
    requests?: number;
    durationSec?: number;
    warmup?: Warmup;
    limits?: Record<string, unknown>;
    baseUrl?: string;
    signal?: AbortSignal;
    accumulate?: boolean;
  },
): Promise<Run> {
  const clock = new SystemClock();
  const client = new OpenAiCompatibleClient({ clock, maxConnections: 64 });
  const samples: RequestSample[] = [];
  const before = server?.bodies.length ?? 0;
  const input: RunLoadPointInput = {
    target: { baseUrl: over.baseUrl ?? server!.url, apiKind: 'completions', model: 'test', headers: {} },
    params: { ignoreEos: true },
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'uniform', min: 8, max: 64 },
      outputTokens: { kind: 'fixed', value: 6 },
    },
    load: over.load,
    ...(over.requests !== undefined ? { requests: over.requests } : {}),
    ...(over.durationSec !== undefined ? { durationSec: over.durationSec } : {}),
    ...(over.warmup ? { warmup: over.warmup } : {}),
    limits: LimitsSchema.parse({ maxDurationSec: 30, ...over.limits }),
    seed: 11,
  };
  try {
    const result = await runLoadPointParallel(
      input,
      {
        client,
        clock,
        tokenizer: new WhitespaceTokenizer(),
        signal: over.signal ?? new AbortController().signal,
        onSample: (s) => samples.push(s),
        ...(over.accumulate ? { accumulator: { slo: { ttftMs: 30, percentile: 99 } } } : {}),
      },
      { workers, client: { maxConnections: () => 64 } },
    );
    for (const s of samples) RequestSampleSchema.parse(s);
    expect(result.sent).toBe(samples.length);
    expect(result.completed + result.cancelledTail).toBe(result.sent);
    const prompts = (server?.bodies.slice(before) ?? []).map((b) => String(b.prompt));
    return { result, samples, prompts };
  } finally {
    await client.close();
  }
}

const p50 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ttfts = (r: Run): number[] =>
  r.samples.filter((s) => !s.warmup && s.firstChunkUs !== undefined).map((s) => s.firstChunkUs! - s.sentUs);
const tpots = (r: Run): number[] =>
  r.samples.filter((s) => !s.warmup).map((s) => (s.endUs - s.firstChunkUs!) / (s.outputTokens - 1));
const byIdx = (r: Run): RequestSample[] => [...r.samples].sort((a, b) => a.idx - b.idx);

describe('runLoadPointParallel (worker threads)', () => {
  it('closed loop, 1 vs 4 workers: same prompts, same counts and indexes, TTFT/TPOT p50 within a few %', async () => {
    // sim-fixed's timings: TTFT 50 ms, 10 ms per token
    server = await startSseServer({ ttftMs: 50, gapMs: 10 });
    const spec = {
      load: { kind: 'concurrency', concurrency: 8 } as LoadLevel,
      requests: 160,
      warmup: { requests: 8 },
    };
    const one = await run(1, spec);
    const four = await run(4, spec);
    expect(one.result.workers).toBeUndefined();
    expect(four.result.workers).toMatchObject({ count: 4, deal: 'slot' });
    expect(four.result.workers!.parts.map((p) => p.sent)).toEqual([42, 42, 42, 42]);
    for (const r of [one, four]) {
      expect(r.result.status).toBe('completed');
      expect(r.result.sent).toBe(168);
      expect(r.result.warmup).toBe(8);
      expect(r.samples.filter((s) => s.errorClass !== undefined)).toEqual([]);
    }
    // the union of the workers' prompts is the one-thread prompt set, and the same request index carries the same prompt
    expect([...four.prompts].sort()).toEqual([...one.prompts].sort());
    expect(byIdx(four).map((s) => [s.idx, s.warmup, s.inputTokens])).toEqual(
      byIdx(one).map((s) => [s.idx, s.warmup, s.inputTokens]),
    );
    // one time origin: every worker's samples start near the common start (bounds allow for a loaded 2-core CI
    // machine, where a worker's event loop can be late by tens of ms; a wrong origin would be off by seconds)
    expect(Math.min(...four.samples.map((s) => s.sentUs))).toBeLessThan(250_000);
    expect(Math.min(...four.samples.map((s) => s.sentUs))).toBeGreaterThanOrEqual(0);
    expect(four.result.workers!.startSkewUs).toBeLessThan(250_000);
    const ratio = (a: number, b: number): number => Math.abs(a - b) / b;
    expect(ratio(p50(ttfts(four)), p50(ttfts(one)))).toBeLessThan(0.1);
    expect(ratio(p50(tpots(four)), p50(tpots(one)))).toBeLessThan(0.1);
  }, 60_000);

  it('open loop, 1 vs 3 workers: the same seeded schedule and prompts, arrival i sent by worker i mod 3', async () => {
    server = await startSseServer({ ttftMs: 5, gapMs: 1 });
    const spec = { load: { kind: 'rate', rate: 150, arrival: 'poisson' } as LoadLevel, requests: 150 };
    const one = await run(1, spec);
    const three = await run(3, spec);
    expect(three.result.workers).toMatchObject({ count: 3, deal: 'arrival-mod-n' });
    expect(three.result.workers!.parts.map((p) => p.sent)).toEqual([50, 50, 50]);
    expect(three.result.sent).toBe(one.result.sent);
    expect(byIdx(three).map((s) => [s.idx, s.scheduledUs, s.inputTokens])).toEqual(
      byIdx(one).map((s) => [s.idx, s.scheduledUs, s.inputTokens]),
    );
    expect([...three.prompts].sort()).toEqual([...one.prompts].sort());
    expect(three.result.selfCheck.scheduleDelayP50Ms).toBeLessThan(5);
  }, 60_000);

  it('limits.maxRequests is one budget over 4 workers: exactly that many sent, aborted', async () => {
    server = await startSseServer({ ttftMs: 5, gapMs: 1 });
    const r = await run(4, {
      load: { kind: 'concurrency', concurrency: 8 },
      requests: 500,
      limits: { maxRequests: 50 },
    });
    expect(r.result.sent).toBe(50);
    expect(r.result.status).toBe('aborted');
    expect(r.result.reason).toBe('limits.maxRequests (50) reached');
    expect(new Set(r.samples.map((s) => s.idx))).toEqual(new Set(Array.from({ length: 50 }, (_, i) => i)));
    expect(r.samples.filter((s) => s.errorClass !== undefined)).toEqual([]);
  }, 60_000);

  it('a cancel stops every worker at once and cuts off their in-flight requests', async () => {
    server = await startSseServer({ ttftMs: 10, gapMs: 50, chunks: 100 });
    const ctl = new AbortController();
    // cancel once all 8 streams are running (worker start-up time varies with the machine's load)
    const poll = setInterval(() => {
      if ((server?.bodies.length ?? 0) >= 8) {
        clearInterval(poll);
        setTimeout(() => ctl.abort(), 200);
      }
    }, 20);
    const t0 = performance.now();
    const r = await run(4, {
      load: { kind: 'concurrency', concurrency: 8 },
      durationSec: 20,
      signal: ctl.signal,
    });
    clearInterval(poll);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(r.result.status).toBe('cancelled');
    expect(r.result.cancelledTail).toBeGreaterThanOrEqual(8);
    expect(r.samples.filter((s) => s.errorClass === 'cancelled').length).toBe(r.result.cancelledTail);
  }, 30_000);

  it('limits.maxErrorRate is judged over all workers together', async () => {
    const failing = createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"boom"}');
    });
    await new Promise<void>((r) => failing.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/v1`;
      const r = await run(4, {
        load: { kind: 'concurrency', concurrency: 4 },
        requests: 5000,
        limits: { maxErrorRate: 0.1 },
        baseUrl: url,
      });
      expect(r.result.status).toBe('aborted');
      expect(r.result.reason).toMatch(
        /^error rate 100\.0 % \(\d+ of \d+ requests\) exceeded limits\.maxErrorRate/,
      );
      expect(r.result.sent).toBeLessThan(200);
    } finally {
      failing.closeAllConnections();
      await new Promise((r) => failing.close(r));
    }
  }, 30_000);

  it('duration window and warm-up: every worker stops at the same window end; accumulators merge exactly', async () => {
    server = await startSseServer({ ttftMs: 5, gapMs: 2 });
    const spec = {
      load: { kind: 'rate', rate: 120, arrival: 'constant' } as LoadLevel,
      durationSec: 1.5,
      warmup: { durationSec: 0.5 },
      accumulate: true,
    };
    const one = await run(1, spec);
    const r = await run(2, spec);
    expect(r.result.status).toBe('completed');
    expect(r.result.workers?.count).toBe(2);
    // constant 120/s over 2 s of schedule: the same ~240 arrivals, the same ones warm-up. The arrival due exactly at
    // the window's end may fall on either side of it in either run (timer granularity), so counts may differ by one
    expect(Math.abs(r.result.sent - one.result.sent)).toBeLessThanOrEqual(1);
    expect(Math.abs(r.result.sent - 240)).toBeLessThanOrEqual(1);
    const common = Math.min(r.result.sent, one.result.sent);
    expect(
      byIdx(r)
        .filter((s) => s.idx < common)
        .map((s) => [s.idx, s.scheduledUs, s.warmup]),
    ).toEqual(
      byIdx(one)
        .filter((s) => s.idx < common)
        .map((s) => [s.idx, s.scheduledUs, s.warmup]),
    );
    expect(r.samples.every((s) => s.scheduledUs! <= 2e6)).toBe(true); // the arrival due exactly at the end may be sent
    expect(r.samples.filter((s) => s.warmup && s.scheduledUs! > 0.5e6)).toEqual([]);
    const fromSamples = new LoadPointAccumulator({ slo: { ttftMs: 30, percentile: 99 } }).addAll(r.samples);
    expect(
      LoadPointAccumulator.decode(r.result.accumulator!).summary({ includeTimeSeries: true }),
    ).toStrictEqual(fromSamples.summary({ includeTimeSeries: true }));
  }, 30_000);
});

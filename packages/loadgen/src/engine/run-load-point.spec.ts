import { describe, expect, it } from 'vitest';
import {
  LimitsSchema,
  type LoadLevel,
  RequestSampleSchema,
  type RequestSample,
  type TargetConn,
  type WorkloadSpec,
} from '@inferbench/contracts';
import { FakeClock } from '../clock/fake-clock.js';
import { runWithFakeClock } from './testing/drive.js';
import { type ScriptedReply, ScriptedClient } from './testing/scripted-client.js';
import { WhitespaceTokenizer } from './testing/whitespace-tokenizer.js';
import { type LoadTick, type RunLoadPointInput, runLoadPoint } from './run-load-point.js';
import type { LlmRequest } from '../ports.js';

const target: TargetConn = {
  baseUrl: 'http://127.0.0.1:1/v1',
  apiKind: 'completions',
  model: 'm',
  headers: {},
};
const synthetic: WorkloadSpec = {
  kind: 'synthetic',
  inputTokens: { kind: 'fixed', value: 8 },
  outputTokens: { kind: 'fixed', value: 4 },
};

interface Harness {
  clock: FakeClock;
  client: ScriptedClient;
  samples: RequestSample[];
  ticks: LoadTick[];
}

async function run(
  load: LoadLevel,
  extra: Omit<Partial<RunLoadPointInput>, 'limits'> & { limits?: Partial<RunLoadPointInput['limits']> },
  script: (req: LlmRequest, i: number) => ScriptedReply = () => ({}),
  opts: { signal?: AbortSignal; onSample?: (s: RequestSample) => void } = {},
) {
  const clock = new FakeClock(5_000_000); // a non-zero origin: samples must still start near 0
  const client = new ScriptedClient(clock, script);
  const samples: RequestSample[] = [];
  const ticks: LoadTick[] = [];
  const { limits, ...rest } = extra;
  const result = await runWithFakeClock(
    clock,
    runLoadPoint(
      {
        target,
        params: {},
        workload: synthetic,
        load,
        seed: 7,
        ...rest,
        limits: LimitsSchema.parse(limits ?? {}),
      },
      {
        client,
        clock,
        tokenizer: new WhitespaceTokenizer(),
        signal: opts.signal ?? new AbortController().signal,
        onSample: (s) => {
          samples.push(s);
          opts.onSample?.(s);
        },
        onTick: (t) => ticks.push(t),
      },
    ),
  );
  for (const s of samples) RequestSampleSchema.parse(s);
  expect(result.sent).toBe(samples.length);
  expect(result.completed + result.cancelledTail).toBe(result.sent);
  return { result, samples, h: { clock, client, samples, ticks } satisfies Harness };
}

describe('runLoadPoint: closed loop', () => {
  it('keeps exactly `concurrency` requests in flight and stops at the request count', async () => {
    const { result, samples, h } = await run(
      { kind: 'concurrency', concurrency: 4 },
      { requests: 40 },
      (_, i) => ({
        ttftUs: 5_000 + (i % 7) * 3_000,
      }),
    );
    expect(result.status).toBe('completed');
    expect(result.sent).toBe(40);
    expect(h.client.maxInFlight).toBe(4);
    expect(samples.map((s) => s.idx).sort((a, b) => a - b)).toEqual([...Array(40).keys()]);
    expect(samples.every((s) => s.scheduledUs === undefined && s.errorClass === undefined)).toBe(true);
    // times are relative to the start, not the clock's origin
    expect(Math.min(...samples.map((s) => s.sentUs))).toBe(0);
    // reconstruct in-flight counts from the samples themselves
    const events = samples
      .flatMap((s) => [
        [s.sentUs, 1],
        [s.endUs, -1],
      ])
      .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    let cur = 0;
    let max = 0;
    for (const [, d] of events) max = Math.max(max, (cur += d!));
    expect(max).toBe(4);
  });

  it('ramps up: slot i starts at i·rampUpSec/c', async () => {
    const { h } = await run({ kind: 'concurrency', concurrency: 4, rampUpSec: 2 }, { requests: 4 }, () => ({
      ttftUs: 10e6,
    }));
    expect(h.client.calls.map((c) => c.sentUs - 5_000_000)).toEqual([0, 500_000, 1_000_000, 1_500_000]);
  });

  it('staged concurrency follows the ramp and never exceeds the target', async () => {
    const { result, samples, h } = await run(
      {
        kind: 'stages',
        mode: 'concurrency',
        arrival: 'poisson',
        startTarget: 1,
        stages: [
          { durationSec: 4, target: 5 },
          { durationSec: 2, target: 5 },
        ],
      },
      {},
      () => ({ ttftUs: 100_000, chunks: 1 }),
    );
    expect(result.status).toBe('completed');
    expect(h.client.maxInFlight).toBe(5);
    // target(t) = 1 + t: in flight at t must stay ≤ floor(1 + t)
    for (const c of h.client.calls) {
      const t = (c.sentUs - 5_000_000) / 1e6;
      const concurrent = h.client.calls.filter(
        (o) => o.sentUs <= c.sentUs && (o.endUs ?? Infinity) > c.sentUs,
      ).length;
      expect(concurrent).toBeLessThanOrEqual(Math.floor(1 + Math.min(t, 4) + 1e-9));
    }
    expect(Math.max(...samples.map((s) => s.endUs))).toBeLessThanOrEqual(6e6);
  });
});

describe('runLoadPoint: open loop', () => {
  it('sends at the scheduled times and records scheduledUs (schedule delay 0 on a fake clock)', async () => {
    const { result, samples } = await run({ kind: 'rate', rate: 10, arrival: 'constant' }, { requests: 5 });
    expect(result.status).toBe('completed');
    expect(samples.map((s) => s.scheduledUs).sort((a, b) => a! - b!)).toEqual([
      0, 100_000, 200_000, 300_000, 400_000,
    ]);
    expect(samples.every((s) => s.sentUs === s.scheduledUs)).toBe(true);
    expect(result.selfCheck.scheduleDelayP99Ms).toBe(0);
  });

  it('identical seeds give identical samples; another seed differs', async () => {
    const load: LoadLevel = { kind: 'rate', rate: 50, arrival: 'poisson' };
    const a = await run(load, { requests: 30 });
    const b = await run(load, { requests: 30 });
    const c = await run(load, { requests: 30, seed: 8 });
    expect(b.samples).toEqual(a.samples);
    expect(c.samples.map((s) => s.scheduledUs)).not.toEqual(a.samples.map((s) => s.scheduledUs));
  });

  it('maxConcurrency: arrivals wait for a slot and record clientQueueUs', async () => {
    const { samples, h, result } = await run(
      { kind: 'rate', rate: 100, arrival: 'constant', maxConcurrency: 2 },
      { requests: 6 },
      () => ({ ttftUs: 50_000, chunks: 1 }),
    );
    expect(h.client.maxInFlight).toBe(2);
    const byIdx = [...samples].sort((a, b) => a.idx - b.idx);
    // arrivals every 10 ms, each request takes 50 ms, 2 slots
    expect(byIdx.map((s) => s.scheduledUs)).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000]);
    expect(byIdx.map((s) => s.sentUs)).toEqual([0, 10_000, 50_000, 60_000, 100_000, 110_000]);
    expect(byIdx.map((s) => s.clientQueueUs)).toEqual([0, 0, 30_000, 30_000, 60_000, 60_000]);
    expect(result.warnings.some((w) => /waited for a concurrency slot/.test(w))).toBe(true);
    // schedule delay excluding queue time stays 0: the client did not fall behind
    expect(result.selfCheck.scheduleDelayP99Ms).toBe(0);
  });

  it('staged rate: more arrivals in the second half of a 0 → 40/s ramp, none after the end', async () => {
    const { result, samples } = await run(
      { kind: 'stages', mode: 'rate', arrival: 'poisson', stages: [{ durationSec: 10, target: 40 }] },
      {},
      () => ({ ttftUs: 1_000, chunks: 1 }),
    );
    expect(result.status).toBe('completed');
    const first = samples.filter((s) => s.scheduledUs! < 5e6).length;
    const second = samples.filter((s) => s.scheduledUs! >= 5e6).length;
    expect(first + second).toBeGreaterThan(160); // expected 200
    expect(second).toBeGreaterThan(2 * first);
    expect(Math.max(...samples.map((s) => s.scheduledUs!))).toBeLessThan(10e6);
  });

  it('replays a trace at its timestamps with its lengths', async () => {
    const { samples, h } = await run(
      {
        kind: 'trace',
        speedup: 2,
        entries: [
          { tMs: 1000, inputTokens: 5, outputTokens: 9 },
          { tMs: 1200, inputTokens: 20, outputTokens: 2 },
          { tMs: 3000, inputTokens: 1, outputTokens: 1 },
        ],
      },
      {},
    );
    expect(samples.map((s) => s.scheduledUs).sort((a, b) => a! - b!)).toEqual([0, 100_000, 1_000_000]);
    expect(h.client.calls.map((c) => [c.req.promptTokens, c.req.maxTokens])).toEqual([
      [5, 9],
      [20, 2],
      [1, 1],
    ]);
    const sorted = [...samples].sort((a, b) => a.idx - b.idx);
    expect(sorted.map((s) => s.inputTokens)).toEqual([5, 20, 1]);
  });
});

describe('runLoadPoint: duration, warm-up and limits', () => {
  it('ends at durationSec, cancelling the in-flight tail into counted `cancelled` samples', async () => {
    const { result, samples } = await run(
      { kind: 'concurrency', concurrency: 3 },
      { durationSec: 1 },
      () => ({
        ttftUs: 300_000,
        chunks: 2,
        gapUs: 100_000,
      }),
    );
    expect(result.status).toBe('completed');
    // each request takes 400 ms: 2 rounds of 3 finish (0.4 s, 0.8 s), the third round is cut at 1 s
    expect(result.completed).toBe(6);
    expect(result.cancelledTail).toBe(3);
    const cancelled = samples.filter((s) => s.errorClass === 'cancelled');
    expect(cancelled).toHaveLength(3);
    expect(cancelled.every((s) => s.endUs === 1_000_000)).toBe(true);
  });

  it('flags warm-up by count; the measured count comes after it', async () => {
    const { result, samples } = await run(
      { kind: 'concurrency', concurrency: 2 },
      { requests: 10, warmup: { requests: 3 } },
    );
    expect(result.sent).toBe(13);
    expect(result.warmup).toBe(3);
    expect(
      samples
        .filter((s) => s.warmup)
        .map((s) => s.idx)
        .sort(),
    ).toEqual([0, 1, 2]);
  });

  it('flags warm-up by duration and extends the window by it', async () => {
    const { result, samples } = await run(
      { kind: 'rate', rate: 10, arrival: 'constant' },
      { durationSec: 1, warmup: { durationSec: 0.5 } },
      () => ({ ttftUs: 1_000, chunks: 1 }),
    );
    expect(result.status).toBe('completed');
    const warm = samples.filter((s) => s.warmup);
    expect(warm.map((s) => s.scheduledUs)).toEqual([0, 100_000, 200_000, 300_000, 400_000]);
    expect(samples.filter((s) => !s.warmup)).toHaveLength(10);
    expect(result.warmup).toBe(5);
  });

  it('a request-count warm-up starts the measured duration when the first measured request goes out', async () => {
    const { samples } = await run(
      { kind: 'concurrency', concurrency: 1 },
      { durationSec: 1, warmup: { requests: 2 } },
      () => ({
        ttftUs: 300_000,
        chunks: 1,
      }),
    );
    // warm-up ends at 0.6 s; the window then lasts 1 s → measured requests at 0.6, 0.9, 1.2 (cut at 1.6 s)
    const measured = samples.filter((s) => !s.warmup);
    expect(measured.map((s) => [s.sentUs, s.errorClass ?? 'ok'])).toEqual([
      [600_000, 'ok'],
      [900_000, 'ok'],
      [1_200_000, 'ok'],
      [1_500_000, 'cancelled'],
    ]);
  });

  it('aborts on maxErrorRate with a clear reason', async () => {
    const { result } = await run(
      { kind: 'concurrency', concurrency: 2 },
      { requests: 200, limits: { maxErrorRate: 0.2 } },
      (_, i) => (i % 2 === 0 ? { errorClass: 'http', httpStatus: 503 } : {}),
    );
    expect(result.status).toBe('aborted');
    expect(result.reason).toMatch(/error rate 5\d\.\d % .* exceeded limits\.maxErrorRate 20\.0 %/);
    expect(result.sent).toBeLessThan(30);
  });

  it('aborts at limits.maxRequests and at limits.maxDurationSec', async () => {
    const a = await run(
      { kind: 'concurrency', concurrency: 2 },
      { durationSec: 60, limits: { maxRequests: 7 } },
    );
    expect(a.result.status).toBe('aborted');
    expect(a.result.reason).toBe('limits.maxRequests (7) reached');
    expect(a.result.sent).toBe(7);
    expect(a.result.cancelledTail).toBe(0);
    const b = await run(
      { kind: 'concurrency', concurrency: 2 },
      { requests: 1000, limits: { maxDurationSec: 1 } },
      () => ({
        ttftUs: 150_000,
        chunks: 1,
      }),
    );
    expect(b.result.status).toBe('aborted');
    expect(b.result.reason).toMatch(
      /limits\.maxDurationSec \(1 s\) reached after 14 of 1000 measured requests; 2 requests in flight were cancelled/,
    );
    expect(b.result.cancelledTail).toBe(2);
  });

  it('a caller cancel stops sending and records in-flight requests as cancelled', async () => {
    const ac = new AbortController();
    let n = 0;
    const { result, samples } = await run(
      { kind: 'concurrency', concurrency: 4 },
      { requests: 100 },
      () => ({ ttftUs: 20_000 }),
      { signal: ac.signal, onSample: () => (++n === 10 ? ac.abort() : undefined) },
    );
    expect(result.status).toBe('cancelled');
    expect(result.reason).toBe('cancelled by the caller');
    expect(result.completed).toBe(10);
    expect(result.cancelledTail).toBe(3);
    expect(samples.filter((s) => s.errorClass === 'cancelled')).toHaveLength(3);
  });

  it('records requests of a client that ignores the abort after a grace period, and queued ones too', async () => {
    const { result, samples } = await run(
      { kind: 'rate', rate: 100, arrival: 'constant', maxConcurrency: 1 },
      { durationSec: 0.05 },
      () => ({ hang: true }),
    );
    expect(result.completed).toBe(0);
    expect(result.cancelledTail).toBe(5);
    const byIdx = [...samples].sort((a, b) => a.idx - b.idx);
    expect(byIdx[0]!.errorMessage).toMatch(/did not return/);
    expect(byIdx[0]!.endUs).toBe(2_050_000);
    expect(
      byIdx.slice(1).every((s) => /concurrency slot/.test(s.errorMessage ?? '') && s.clientQueueUs! > 0),
    ).toBe(true);
  });

  it('a throwing sample consumer neither stalls nor kills the point', async () => {
    const { result } = await run({ kind: 'concurrency', concurrency: 2 }, { requests: 10 }, () => ({}), {
      onSample: () => {
        throw new Error('consumer down');
      },
    });
    expect(result.status).toBe('completed');
    expect(result.sent).toBe(10);
    expect(result.warnings.some((w) => /consumer threw \(consumer down\)/.test(w))).toBe(true);
  });

  it('reports ticks once per second', async () => {
    const { h } = await run({ kind: 'concurrency', concurrency: 1 }, { durationSec: 3.5 }, () => ({
      ttftUs: 110_000,
      chunks: 1,
    }));
    expect(h.ticks.map((t) => t.tSec)).toEqual([1, 2, 3]);
    expect(h.ticks[0]).toMatchObject({ done: 9, errors: 0, inFlight: 1, outputTokens: 9 });
    expect(h.ticks[2]).toMatchObject({ done: 27 });
  });
});

describe('runLoadPoint: samples', () => {
  it('converts outcomes: gaps, token sources, disagreement count, errors', async () => {
    const { samples } = await run({ kind: 'concurrency', concurrency: 1 }, { requests: 3 }, (_, i) =>
      i === 0
        ? { ttftUs: 20_000, text: 'a b c d', gapUs: 5_000, usage: { promptTokens: 9, completionTokens: 5 } }
        : i === 1
          ? { ttftUs: 20_000, text: 'x y', gapUs: 7_000 }
          : { ttftUs: 1_000, errorClass: 'http', httpStatus: 429 },
    );
    const [s0, s1, s2] = [...samples].sort((a, b) => a.idx - b.idx);
    expect(s0).toMatchObject({
      sentUs: 0,
      firstChunkUs: 20_000,
      chunkGapsUs: [5_000, 5_000, 5_000],
      endUs: 35_000,
      inputTokens: 9,
      outputTokens: 5,
      tokenSource: 'server',
      clientOutputTokens: 4,
      httpStatus: 200,
    });
    expect(s1).toMatchObject({
      chunkGapsUs: [7_000],
      inputTokens: 8,
      outputTokens: 2,
      tokenSource: 'client',
    });
    expect(s1!.clientOutputTokens).toBeUndefined();
    expect(s2).toMatchObject({
      errorClass: 'http',
      httpStatus: 429,
      outputTokens: 0,
      tokenSource: 'none',
      chunkGapsUs: [],
    });
  });

  it('multi-turn sessions: each turn is sent after the previous one ended, with the history', async () => {
    const { h } = await run(
      { kind: 'concurrency', concurrency: 3 },
      {
        requests: 30,
        target: { ...target, apiKind: 'chat' },
        workload: { ...synthetic, multiTurn: { turns: { kind: 'fixed', value: 3 } } },
      },
      (req, i) => ({ ttftUs: 10_000 + (i % 5) * 7_000, text: `reply${i} ok` }),
    );
    const bySession = new Map<string, { turn: number; sentUs: number; endUs: number; msgs: number }[]>();
    for (const c of h.client.calls) {
      const msgs = c.req.prompt.kind === 'chat' ? c.req.prompt.messages : [];
      const key = msgs[0]!.content;
      const list = bySession.get(key) ?? [];
      list.push({ turn: (msgs.length - 1) / 2, sentUs: c.sentUs, endUs: c.endUs!, msgs: msgs.length });
      bySession.set(key, list);
    }
    // 3 workers start 3 sessions; a session's next turn is not ready while its turn runs, so a few more start
    expect(bySession.size).toBeGreaterThanOrEqual(10);
    expect(bySession.size).toBeLessThanOrEqual(13);
    expect([...bySession.values()].filter((t) => t.length === 3).length).toBeGreaterThanOrEqual(7);
    for (const turns of bySession.values()) {
      expect(turns.map((t) => t.turn)).toEqual([0, 1, 2].slice(0, turns.length));
      for (let i = 1; i < turns.length; i++)
        expect(turns[i]!.sentUs).toBeGreaterThanOrEqual(turns[i - 1]!.endUs);
    }
    // history carries the server's actual replies
    const third = h.client.calls.find(
      (c) => c.req.prompt.kind === 'chat' && c.req.prompt.messages.length === 5,
    )!;
    const msgs = third.req.prompt.kind === 'chat' ? third.req.prompt.messages : [];
    expect(msgs[1]!.role).toBe('assistant');
    expect(msgs[1]!.content).toMatch(/^reply\d+ ok$/);
  });
});

describe('runLoadPoint: sharding', () => {
  it('divides a rate and the request count; shards use different seeds', async () => {
    const load: LoadLevel = { kind: 'rate', rate: 30, arrival: 'constant' };
    const s0 = await run(load, { requests: 10, shard: { index: 0, count: 3 } });
    const s2 = await run(load, { requests: 10, shard: { index: 2, count: 3 } });
    expect(s0.result.sent).toBe(4);
    expect(s2.result.sent).toBe(3);
    // 10 req/s per shard
    expect(s0.samples.map((s) => s.scheduledUs).sort((a, b) => a! - b!)).toEqual([
      0, 100_000, 200_000, 300_000,
    ]);
    const p0 = await run(
      { kind: 'rate', rate: 30, arrival: 'poisson' },
      { requests: 10, shard: { index: 0, count: 3 } },
    );
    const p1 = await run(
      { kind: 'rate', rate: 30, arrival: 'poisson' },
      { requests: 10, shard: { index: 1, count: 3 } },
    );
    expect(p0.samples.map((s) => s.scheduledUs)).not.toEqual(p1.samples.map((s) => s.scheduledUs));
  });

  it('splits concurrency with the remainder to low indexes; an empty shard says so', async () => {
    const a = await run(
      { kind: 'concurrency', concurrency: 5 },
      { requests: 20, shard: { index: 0, count: 2 } },
    );
    expect(a.h.client.maxInFlight).toBe(3);
    const b = await run(
      { kind: 'concurrency', concurrency: 1 },
      { requests: 20, shard: { index: 1, count: 2 } },
    );
    expect(b.result.sent).toBe(0);
    expect(b.result.warnings[0]).toMatch(/no load/);
  });
});

describe('prompts across load points', () => {
  const prompts = (r: { h: { client: ScriptedClient } }) =>
    r.h.client.calls.map((c) => JSON.stringify(c.req.prompt));

  it('gives every level of a sweep its own prompts, and the same level the same prompts', async () => {
    const c1 = await run({ kind: 'concurrency', concurrency: 1 }, { requests: 6 });
    const c2 = await run({ kind: 'concurrency', concurrency: 2 }, { requests: 6 });
    const c1Again = await run({ kind: 'concurrency', concurrency: 1 }, { requests: 6 });
    // a server with prefix caching would answer repeated prompts from cache and flatter the later point
    expect(prompts(c1).filter((p) => prompts(c2).includes(p))).toEqual([]);
    expect(prompts(c1Again)).toEqual(prompts(c1));
  });
});

/**
 * Two-agent equivalence, every part real (simulator, API and two agent processes over PostgreSQL and Redis): the same
 * closed-loop load against `sim-fixed`, once split over two agents (`shards: 2`, each agent runs half the concurrency
 * and half the requests from a common start) and once on one agent (`shards: 1`), must give the same merged figures.
 *
 * Why they should agree, and the tolerances: `sim-fixed` answers with TTFT 50 ms and one token per 10 ms whatever
 * the load, so per-request latency is the same by construction and a closed loop of concurrency c finishes
 * c / E2E requests per second in both layouts. What differs is only the client side: two processes each carrying 4
 * streams instead of one carrying 8, on a shared 2-core machine (event-loop delay moves TTFT by a few ms), plus the
 * start skew of the shards (it stretches the merged window by startSkewMs out of ~6 s) and each shard's ragged
 * tail. Hence: request throughput within 10 %, TTFT p50 within 8 ms, TPOT p50 within 1 ms, start skew < 100 ms.
 */
import { ApiClient } from '@inferbench/api-client';
import { isTerminalRunStatus, type Run } from '@inferbench/contracts';
import { startStack, type Stack } from '@inferbench/testing/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CONCURRENCY = 8;
const REQUESTS = 120;
const OUTPUT_TOKENS = 30;
const THROUGHPUT_REL_TOLERANCE = 0.1;
const TTFT_P50_TOLERANCE_MS = 8;
const TPOT_P50_TOLERANCE_MS = 1;
const MAX_START_SKEW_MS = 100;

describe('fleet: two agents vs one', () => {
  let stack: Stack;
  let api: ApiClient;
  let targetId: string;

  beforeAll(async () => {
    stack = await startStack({ agents: 2 });
    api = new ApiClient({ baseUrl: stack.apiUrl, token: stack.token });
    targetId = (
      await api.createTarget({
        name: 'sim fixed',
        baseUrl: `${stack.simUrl}/v1`,
        apiKind: 'chat',
        model: 'sim-fixed',
      })
    ).id;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function runPoint(shards: number): Promise<Run['loadPoints'][number]> {
    const exp = await api.createExperiment({
      name: `equivalence shards=${shards}`,
      workload: {
        kind: 'synthetic',
        inputTokens: { kind: 'fixed', value: 32 },
        outputTokens: { kind: 'fixed', value: OUTPUT_TOKENS },
      },
      loadPlan: {
        kind: 'concurrency',
        levels: [CONCURRENCY],
        requests: REQUESTS,
        warmup: { requests: CONCURRENCY },
        seed: 7,
        shards,
      },
      variants: [{ targetId, label: 'fixed', params: { maxTokens: OUTPUT_TOKENS, ignoreEos: true } }],
    });
    let run = await api.startRun(exp.id);
    const end = Date.now() + 90_000;
    while (!isTerminalRunStatus(run.status) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 250));
      run = await api.getRun(run.id);
    }
    if (run.status !== 'completed')
      throw new Error(`shards=${shards}: run ${run.status}: ${run.error}\n${stack.dumpLogs().slice(-6000)}`);
    const point = run.loadPoints[0]!;
    expect(point.shards).toBe(shards);
    expect(point.summary!.requests.succeeded).toBe(REQUESTS);
    expect(point.summary!.requests.failed).toBe(0);
    return point;
  }

  it('merged throughput, TTFT p50 and TPOT p50 of shards: 2 over two agents match shards: 1 on one agent', async () => {
    const two = await runPoint(2);
    const one = await runPoint(1);

    // two shards really ran on two agents, from a common start
    expect(two.shardHealth.map((h) => h.status)).toEqual(['completed', 'completed']);
    expect(new Set(two.shardHealth.map((h) => h.agentId)).size).toBe(2);
    expect(two.startSkewMs).not.toBeNull();
    expect(two.startSkewMs!).toBeGreaterThanOrEqual(0);
    expect(two.startSkewMs!).toBeLessThan(MAX_START_SKEW_MS);

    const s2 = two.summary!;
    const s1 = one.summary!;
    const figures = {
      throughput: { one: s1.requestThroughput, two: s2.requestThroughput },
      ttftP50Ms: { one: s1.latency.ttftMs!.p50, two: s2.latency.ttftMs!.p50 },
      tpotP50Ms: { one: s1.latency.tpotMs!.p50, two: s2.latency.tpotMs!.p50 },
      startSkewMs: two.startSkewMs,
    };
    // the expected closed-loop rate: c / (TTFT + (n − 1) × TPOT) = 8 / 0.34 s ≈ 23.5 req/s; both must be near it
    const expectedRps = CONCURRENCY / ((50 + (OUTPUT_TOKENS - 1) * 10) / 1000);
    for (const rps of [s1.requestThroughput, s2.requestThroughput]) {
      expect(rps, JSON.stringify(figures)).toBeGreaterThan(expectedRps * 0.8);
      expect(rps, JSON.stringify(figures)).toBeLessThan(expectedRps * 1.05);
    }
    expect(
      Math.abs(s2.requestThroughput - s1.requestThroughput) / s1.requestThroughput,
      JSON.stringify(figures),
    ).toBeLessThan(THROUGHPUT_REL_TOLERANCE);
    expect(Math.abs(figures.ttftP50Ms.two - figures.ttftP50Ms.one), JSON.stringify(figures)).toBeLessThan(
      TTFT_P50_TOLERANCE_MS,
    );
    expect(Math.abs(figures.tpotP50Ms.two - figures.tpotP50Ms.one), JSON.stringify(figures)).toBeLessThan(
      TPOT_P50_TOLERANCE_MS,
    );
  });
});

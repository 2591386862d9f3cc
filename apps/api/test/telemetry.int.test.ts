import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RunListSchema,
  type AgentEvent,
  type LoadPointJob,
  type LoadPointTelemetry,
  type ServerTelemetry,
} from '@inferbench/contracts';
import {
  agentEvents,
  announceAgent,
  experimentBody,
  makeSamples,
  sendEvents,
  startFakeAgent,
  startTestApi,
  targetBody,
  waitFor,
  type TestApi,
} from './helpers.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

/** Server telemetry as the agent's scraper reports it; `queueSharePct` high + requests waiting = queue-bound. */
function serverTelemetry(concurrency: number, scrapes: number): ServerTelemetry {
  const queued = concurrency >= 4;
  return {
    available: true,
    engine: 'vllm',
    url: 'http://127.0.0.1:9/metrics',
    scrapes,
    scrapeErrors: 0,
    counterResets: 0,
    windowSec: scrapes - 1,
    series: [
      { tSec: 0, running: concurrency, waiting: queued ? 3 : 0, kvUsagePct: 10 },
      { tSec: 1, running: concurrency, waiting: queued ? 5 : 0, kvUsagePct: 12 },
    ],
    gaugeStats: {
      runningMean: concurrency,
      runningMax: concurrency,
      waitingMean: queued ? 4 : 0,
      waitingMax: queued ? 5 : 0,
      kvUsagePctMean: 11,
      kvUsagePctMax: 12,
    },
    deltas: { promptTokens: 320, generationTokens: 96, preemptions: 0, requestsSucceeded: 12 },
    histograms: {},
    ttftSplit: queued
      ? {
          queueMsMean: 60,
          prefillMsMean: 15,
          serverTtftMsMean: 80,
          queueSharePct: 75,
          prefillSharePct: 18.75,
          otherSharePct: 6.25,
          shareBasis: 'server-ttft',
        }
      : {
          queueMsMean: 1,
          prefillMsMean: 15,
          serverTtftMsMean: 18,
          queueSharePct: 5.6,
          prefillSharePct: 83.3,
          otherSharePct: 11.1,
          shareBasis: 'server-ttft',
        },
  };
}

const GPU_UNAVAILABLE: LoadPointTelemetry['gpu'] = {
  available: false,
  reason: 'nvidia-smi not found',
  samples: 0,
  sampleErrors: 0,
  gpus: [],
  energyJ: 0,
  energyMethod: 'none',
};

describe('telemetry stored with a run', () => {
  it('keeps each point telemetry from the finished events, returns it, and computes hints when the run ends', async () => {
    await announceAgent(t, 'fake-agent');
    const target = await t.client.createTarget(
      targetBody('telemetry-sim', { metricsUrl: 'http://127.0.0.1:9/metrics' }),
    );
    const plain = await t.client.createTarget(targetBody('telemetry-none'));
    const exp = await t.client.createExperiment(experimentBody([target.id, plain.id], { name: 'telemetry' }));
    const agent = startFakeAgent(t, {
      concurrency: 2,
      onJob: async (job: LoadPointJob) => {
        const c = job.load.kind === 'concurrency' ? job.load.concurrency : 1;
        const withMetrics = job.target.metricsUrl !== undefined;
        const finished = agentEvents.finished(job, 1) as Extract<AgentEvent, { type: 'loadpoint.finished' }>;
        const events: AgentEvent[] = [
          agentEvents.started(job),
          agentEvents.batch(job, 0, makeSamples(12)),
          withMetrics
            ? { ...finished, telemetry: { server: serverTelemetry(c, 5), gpu: GPU_UNAVAILABLE } }
            : finished,
        ];
        await sendEvents(t, events);
      },
    });
    try {
      const run = await t.client.startRun(exp.id);
      expect(run.hints).toEqual([]);
      expect(run.loadPoints.every((p) => p.telemetry === null)).toBe(true);
      const done = await waitFor('run to complete', async () => {
        const r = await t.client.getRun(run.id);
        return r.status === 'completed' ? r : null;
      });
      // the job carried the target's metricsUrl (the agent scrapes it); the other target has none
      const jobsWithMetrics = agent.jobs.filter((j) => j.target.metricsUrl === 'http://127.0.0.1:9/metrics');
      expect(jobsWithMetrics).toHaveLength(2);
      expect(agent.jobs.filter((j) => j.target.metricsUrl === undefined)).toHaveLength(2);

      const v0 = done.loadPoints.filter((p) => p.variantLabel === 'v0');
      const v1 = done.loadPoints.filter((p) => p.variantLabel === 'v1');
      for (const p of v0) {
        const c = p.level.kind === 'concurrency' ? p.level.concurrency : 0;
        expect(p.telemetry?.server).toMatchObject({ available: true, engine: 'vllm', scrapes: 5 });
        expect(p.telemetry?.server?.ttftSplit?.queueSharePct).toBe(c >= 4 ? 75 : 5.6);
        expect(p.telemetry?.server?.series).toHaveLength(2);
        expect(p.telemetry?.gpu).toEqual(GPU_UNAVAILABLE);
      }
      for (const p of v1) expect(p.telemetry).toBeNull();

      // hints: v0 is queue-bound from c=4 (75 % of server TTFT queueing, 4 waiting); v1 has no server data
      // and its flat fake samples show no knee
      expect(done.hints).toEqual([
        expect.objectContaining({
          kind: 'queue-bound',
          variant: 'v0',
          level: 4,
          evidence: expect.objectContaining({ level: 4, queueSharePct: 75, queueMsMean: 60, waitingMean: 4 }),
        }),
      ]);
      // stored, not recomputed per request: the row holds the same JSON
      const row = await t.prisma.run.findUniqueOrThrow({ where: { id: run.id }, select: { hints: true } });
      expect(row.hints).toEqual(JSON.parse(JSON.stringify(done.hints)));
      // the list carries the hints too
      const list = await t.client.request('GET', `/runs?experimentId=${exp.id}`, RunListSchema);
      expect(list.items[0]?.hints).toEqual(done.hints);
    } finally {
      await agent.close();
    }
  });

  it('stores a measured GPU view with its energy per output token (merging several shards: run-telemetry.spec.ts)', async () => {
    await announceAgent(t, 'fake-agent');
    const target = await t.client.createTarget(
      targetBody('telemetry-shards', { metricsUrl: 'http://127.0.0.1:9/metrics' }),
    );
    const exp = await t.client.createExperiment(
      experimentBody([target.id], {
        name: 'telemetry shards',
        loadPlan: { kind: 'concurrency', levels: [2], requests: 10, seed: 1 },
      }),
    );
    const run = await t.client.startRun(exp.id);
    const point = run.loadPoints[0]!;
    // the agent's events sent by hand for the point's single shard
    const job = { runId: run.id, loadPointId: point.id, shard: { index: 0, count: 1 } } as LoadPointJob;
    const finished = agentEvents.finished(job, 1) as Extract<AgentEvent, { type: 'loadpoint.finished' }>;
    const gpu: LoadPointTelemetry['gpu'] = {
      available: true,
      source: 'nvidia-smi',
      samples: 3,
      sampleErrors: 0,
      gpus: [
        {
          index: 0,
          name: 'NVIDIA H100',
          series: [
            { tSec: 0, utilPct: 90, powerW: 600 },
            { tSec: 1, utilPct: 95, powerW: 640 },
          ],
          energyJ: 620,
        },
      ],
      energyJ: 620,
      energyMethod: 'trapezoid',
      energyPerOutputTokenJ: 620 / 80,
    };
    await sendEvents(t, [
      agentEvents.started(job),
      agentEvents.batch(job, 0, makeSamples(10)),
      { ...finished, telemetry: { server: serverTelemetry(2, 7), gpu } },
    ]);
    const done = await waitFor('run to complete', async () => {
      const r = await t.client.getRun(run.id);
      return r.status === 'completed' ? r : null;
    });
    expect(done.loadPoints[0]?.telemetry?.server?.scrapes).toBe(7);
    // a single shard keeps the agent's own energy per output token
    expect(done.loadPoints[0]?.telemetry?.gpu).toMatchObject({
      available: true,
      energyJ: 620,
      energyPerOutputTokenJ: 7.75,
    });
    // single level, 5.6 % queueing, 83 % prefill at the slowest point: prefill-bound (share rule)
    expect(done.hints.map((h) => h.kind)).toEqual(['prefill-bound']);
  });
});

/**
 * Server and GPU telemetry end to end: the agent in-process against real Redis (infra/services.sh) and
 * the real simulator, whose `/metrics` uses vLLM names. The finished event is read from the `ingest`
 * queue by this test's own BullMQ worker (standing in for the API) and parsed with the contract.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  agentEventOfWire,
  AgentWireEventSchema,
  INGEST_QUEUE,
  loadPointJobId,
  loadQueueName,
  type AgentEvent,
  type LoadPointJob,
  type RequestSample,
} from '@inferbench/contracts';
import { startSim, type SimServer } from '@inferbench/sim';
import { createGpuSampler } from '@inferbench/telemetry';
import { createTestRedis, type TestRedis } from '@inferbench/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type AgentConfig } from './config.js';
import { startAgent, type RunningAgent } from './main.js';

const MODEL = 'sim-fp16';
let tr: TestRedis;
let sim: SimServer;
let config: AgentConfig;
let redis: Redis;
let ingestRedis: Redis;
let ingestWorker: Worker;
const agents: RunningAgent[] = [];
const queues: Queue[] = [];
const events: AgentEvent[] = [];
const invalidEvents: unknown[] = [];

const pool = `t${randomBytes(3).toString('hex')}`;
/** a second agent whose GPU sampler reads a fake nvidia-smi, for the energy-per-token path */
const gpuPool = `${pool}-gpu`;

/** Whether this host has nvidia-smi on PATH (then the GPU part is expected to be available). */
const hasNvidiaSmi = (process.env.PATH ?? '')
  .split(path.delimiter)
  .some((d) => d && existsSync(path.join(d, 'nvidia-smi')));

function job(
  over: Partial<LoadPointJob> & Pick<LoadPointJob, 'runId' | 'loadPointId'>,
  metricsUrl?: string,
): LoadPointJob {
  return {
    v: 1,
    shard: { index: 0, count: 1 },
    target: {
      baseUrl: sim.url,
      apiKind: 'chat',
      model: MODEL,
      headers: {},
      ...(metricsUrl ? { metricsUrl } : {}),
    },
    // ignoreEos: the simulator generates exactly max_tokens, so the token totals are known in advance
    params: { ignoreEos: true },
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 64 },
      outputTokens: { kind: 'fixed', value: 32 },
    },
    load: { kind: 'concurrency', concurrency: 4 },
    limits: { maxDurationSec: 60 },
    seed: 11,
    batchSize: 50,
    ...over,
  };
}

async function runPoint(
  queuePool: string,
  j: LoadPointJob,
): Promise<{ finished: Extract<AgentEvent, { type: 'loadpoint.finished' }>; samples: RequestSample[] }> {
  const queue = queues.find((q) => q.name === loadQueueName(queuePool))!;
  await queue.add('loadpoint.execute', j, { jobId: loadPointJobId(j.loadPointId, 0) });
  let found: AgentEvent | undefined;
  await expect
    .poll(
      () => (found = events.find((e) => e.type === 'loadpoint.finished' && e.loadPointId === j.loadPointId)),
      {
        timeout: 25_000,
        interval: 50,
      },
    )
    .toBeDefined();
  const samples = events
    .filter((e) => 'loadPointId' in e && e.loadPointId === j.loadPointId)
    .flatMap((e) => (e.type === 'sample.batch' ? e.samples : []));
  return { finished: found as Extract<AgentEvent, { type: 'loadpoint.finished' }>, samples };
}

const sum = (xs: number[]): number => xs.reduce((a, x) => a + x, 0);

beforeAll(async () => {
  tr = createTestRedis();
  sim = await startSim({ port: 0, seed: 5 });
  config = loadConfig({
    REDIS_URL: tr.url,
    QUEUE_PREFIX: tr.prefix,
    AGENT_POOL: pool,
    AGENT_ID: `telemetry-agent-${tr.prefix}`,
    AGENT_TOKENIZER: 'whitespace',
    AGENT_TELEMETRY_INTERVAL_MS: '200',
    AGENT_METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
  });
  redis = new Redis(tr.url, { maxRetriesPerRequest: null });
  ingestRedis = new Redis(tr.url, { maxRetriesPerRequest: null });
  for (const p of [pool, gpuPool])
    queues.push(new Queue(loadQueueName(p), { connection: redis, prefix: tr.prefix }));
  ingestWorker = new Worker(
    INGEST_QUEUE,
    async (j: Job) => {
      const parsed = AgentWireEventSchema.safeParse(j.data);
      if (parsed.success) events.push(agentEventOfWire(parsed.data));
      else invalidEvents.push(j.data);
    },
    { connection: ingestRedis, prefix: tr.prefix, concurrency: 1 },
  );
  agents.push(await startAgent(config, { listGpus: async () => [] }));
  // one GPU at a constant 300 W: the energy is 300 W × the sampled window
  const fakeSmi = async () => ({
    stdout: '0, GPU-0000, NVIDIA H100 80GB HBM3, 90, 70000, 81559, 300.00, 1980, 70\n',
  });
  agents.push(
    await startAgent(
      { ...config, agent: { ...config.agent, id: `gpu-agent-${tr.prefix}`, pool: gpuPool } },
      {
        listGpus: async () => [],
        telemetry: { createGpuSampler: (o) => createGpuSampler({ ...o, exec: fakeSmi }) },
      },
    ),
  );
});

afterAll(async () => {
  for (const a of agents) await a.stop();
  await ingestWorker?.close();
  for (const q of queues) await q.close();
  redis?.disconnect();
  ingestRedis?.disconnect();
  await sim?.close();
  await tr?.cleanup();
});

describe('agent telemetry', () => {
  it('puts the simulator’s server telemetry and the GPU result into loadpoint.finished', async () => {
    const before = sim.stats().models[MODEL]!;
    const { finished, samples } = await runPoint(
      pool,
      job({ runId: 'run-tel', loadPointId: 'lp-tel', requests: 16 }, `${sim.url}/metrics`),
    );
    const after = sim.stats().models[MODEL]!;
    expect(invalidEvents).toEqual([]);
    expect(finished.status).toBe('completed');
    expect(samples).toHaveLength(16);
    const outputTokens = sum(samples.map((s) => s.outputTokens));
    expect(outputTokens).toBe(16 * 32);

    const server = finished.telemetry?.server;
    expect(server).toBeDefined();
    expect(server).toMatchObject({
      available: true,
      engine: 'vllm',
      url: `${sim.url}/metrics`,
      scrapeErrors: 0,
      counterResets: 0,
    });
    // the scrape window covers the whole point, so the server counted exactly the tokens the client saw
    expect(server!.deltas.generationTokens).toBe(outputTokens);
    expect(server!.deltas.generationTokens).toBe(after.generationTokens - before.generationTokens);
    expect(server!.deltas.promptTokens).toBe(sum(samples.map((s) => s.inputTokens)));
    expect(server!.deltas.requestsSucceeded).toBe(16);
    expect(server!.histograms.ttft?.count).toBe(16);

    const split = server!.ttftSplit!;
    expect(split.shareBasis).toBe('server-ttft');
    expect(split.queueMsMean).toBeGreaterThanOrEqual(0);
    expect(split.prefillMsMean).toBeGreaterThan(0);
    expect(split.serverTtftMsMean).toBeGreaterThan(0);
    expect(split.queueSharePct! + split.prefillSharePct! + split.otherSharePct!).toBeCloseTo(100, 0);

    // baseline + periodic (200 ms) + final scrapes; gauges were busy while the load ran
    expect(server!.scrapes).toBeGreaterThanOrEqual(3);
    expect(server!.series.length).toBe(server!.scrapes);
    for (const p of server!.series) {
      expect(p.running).toBeGreaterThanOrEqual(0);
      expect(p.waiting).toBeGreaterThanOrEqual(0);
      expect(p.kvUsagePct).toBeGreaterThanOrEqual(0);
    }
    expect(server!.gaugeStats.runningMax).toBeGreaterThan(0);
    expect(server!.gaugeStats.runningMax).toBeLessThanOrEqual(4);

    const gpu = finished.telemetry?.gpu;
    expect(gpu).toBeDefined();
    if (hasNvidiaSmi) {
      expect(gpu!.available).toBe(true);
    } else {
      expect(gpu).toMatchObject({
        available: false,
        reason: 'nvidia-smi not found',
        energyMethod: 'none',
        gpus: [],
      });
      expect(gpu!.energyPerOutputTokenJ).toBeUndefined();
    }
  });

  it('completes the point when the metrics endpoint refuses connections; server telemetry says why', async () => {
    // a port that was just free: nothing listens there any more
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));

    const t0 = Date.now();
    const { finished, samples } = await runPoint(
      pool,
      job(
        { runId: 'run-refused', loadPointId: 'lp-refused', requests: 8 },
        `http://127.0.0.1:${port}/metrics`,
      ),
    );
    expect(finished.status).toBe('completed');
    expect(samples).toHaveLength(8);
    for (const s of samples) expect(s.errorClass).toBeUndefined();
    const server = finished.telemetry?.server;
    expect(server).toMatchObject({ available: false, engine: 'unknown', scrapes: 0, series: [] });
    expect(server!.reason).toEqual(expect.any(String));
    expect(server!.scrapeErrors).toBeGreaterThanOrEqual(2);
    expect(server!.lastError).toMatch(/ECONNREFUSED/);
    // failing scrapes did not hold the point up
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('omits server telemetry for a target without metricsUrl and skips GPUs when the job says so', async () => {
    const { finished } = await runPoint(
      pool,
      job({ runId: 'run-none', loadPointId: 'lp-none', requests: 2, telemetry: { gpu: false } }),
    );
    expect(finished.status).toBe('completed');
    expect(finished.telemetry).toEqual({});
  });

  it('computes GPU energy per output token over the point’s measured output tokens', async () => {
    const { finished, samples } = await runPoint(
      gpuPool,
      job({ runId: 'run-gpu', loadPointId: 'lp-gpu', requests: 8, warmup: { requests: 2 } }),
    );
    expect(finished.status).toBe('completed');
    const measured = samples.filter((s) => !s.warmup && s.errorClass === undefined);
    expect(measured).toHaveLength(8);
    expect(samples.length).toBeGreaterThan(measured.length);
    const gpu = finished.telemetry!.gpu!;
    expect(gpu).toMatchObject({
      available: true,
      source: 'nvidia-smi',
      energyMethod: 'trapezoid',
      sampleErrors: 0,
    });
    expect(gpu.gpus[0]!.powerWMean).toBe(300);
    expect(gpu.samples).toBeGreaterThanOrEqual(3);
    expect(gpu.energyJ).toBeGreaterThan(0);
    // warm-up tokens are not in the denominator
    expect(gpu.energyPerOutputTokenJ).toBeCloseTo(gpu.energyJ / sum(measured.map((s) => s.outputTokens)), 9);
    expect(finished.telemetry!.server).toBeUndefined();
  });
});

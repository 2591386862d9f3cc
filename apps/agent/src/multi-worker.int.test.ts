/**
 * AGENT_WORKERS: the same load point on an agent with 1 worker (in-process) and one with 4 worker threads, against
 * the simulator's fixed-timing profile (`sim-fixed`: TTFT 50 ms, TPOT 10 ms). Same requests, same prompts (token
 * counts by request index), figures within sampling error; the 4-worker agent's samples go out through its own
 * ingest path and its finished event carries the workers' merged accumulator.
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  agentEventOfWire,
  AgentWireEventSchema,
  INGEST_QUEUE,
  loadQueueName,
  type AgentEvent,
  type LoadPointJob,
  type RequestSample,
} from '@inferbench/contracts';
import { LoadPointAccumulator } from '@inferbench/metrics';
import { startSim, type SimServer } from '@inferbench/sim';
import { createTestRedis, type TestRedis } from '@inferbench/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './common/logger.js';
import { loadConfig } from './config.js';
import { startAgent, type RunningAgent } from './main.js';

let tr: TestRedis;
let sim: SimServer;
const agents: RunningAgent[] = [];
const queues: Queue[] = [];
let ingestWorker: Worker;
let redis: Redis;
const events: AgentEvent[] = [];
/** what the 4-worker agent logged about its worker threads */
const workerLogs: Record<string, unknown>[] = [];
const tag = randomBytes(3).toString('hex');
const pools = { one: `w1${tag}`, four: `w4${tag}` };

const eventsOf = (lp: string): AgentEvent[] =>
  events.filter((e) => 'loadPointId' in e && e.loadPointId === lp);
const samplesOf = (lp: string): RequestSample[] =>
  eventsOf(lp).flatMap((e) => (e.type === 'sample.batch' ? e.samples : []));

beforeAll(async () => {
  tr = createTestRedis();
  sim = await startSim({ port: 0 });
  redis = new Redis(tr.url, { maxRetriesPerRequest: null });
  ingestWorker = new Worker(
    INGEST_QUEUE,
    async (j: Job) => {
      const parsed = AgentWireEventSchema.safeParse(j.data);
      if (parsed.success) events.push(agentEventOfWire(parsed.data));
    },
    { connection: new Redis(tr.url, { maxRetriesPerRequest: null }), prefix: tr.prefix, concurrency: 1 },
  );
  for (const [workers, pool] of [
    ['1', pools.one],
    ['4', pools.four],
  ] as const) {
    const config = loadConfig({
      REDIS_URL: tr.url,
      QUEUE_PREFIX: tr.prefix,
      AGENT_POOL: pool,
      AGENT_ID: `mw-${pool}`,
      AGENT_TOKENIZER: 'whitespace',
      AGENT_METRICS_PORT: '0',
      AGENT_GPU_TELEMETRY: 'false',
      AGENT_WORKERS: workers,
      LOG_LEVEL: 'silent',
    });
    expect(config.agent.workers).toBe(Number(workers));
    const logger = createLogger('info', {}, (line: string) => {
      const rec = JSON.parse(line) as Record<string, unknown>;
      if (rec.msg === 'worker threads') workerLogs.push(rec);
    });
    agents.push(await startAgent(config, { listGpus: async () => [], logger }));
    queues.push(new Queue(loadQueueName(pool), { connection: redis, prefix: tr.prefix }));
  }
});

afterAll(async () => {
  for (const a of agents) await a.stop();
  await ingestWorker?.close();
  for (const q of queues) await q.close();
  redis?.disconnect();
  await sim?.close();
  await tr?.cleanup();
});

const job = (loadPointId: string): LoadPointJob => ({
  v: 1,
  runId: `run-${tag}`,
  loadPointId,
  shard: { index: 0, count: 1 },
  target: { baseUrl: sim.url, apiKind: 'chat', model: 'sim-fixed', headers: {} },
  params: { ignoreEos: true },
  workload: {
    kind: 'synthetic',
    inputTokens: { kind: 'uniform', min: 16, max: 96 },
    outputTokens: { kind: 'fixed', value: 8 },
  },
  load: { kind: 'concurrency', concurrency: 8 },
  requests: 120,
  warmup: { requests: 8 },
  limits: { maxDurationSec: 60 },
  seed: 5,
  batchSize: 50,
  slo: { ttftMs: 200, percentile: 99 },
});

async function finished(lp: string): Promise<Extract<AgentEvent, { type: 'loadpoint.finished' }>> {
  let found: AgentEvent | undefined;
  await expect
    .poll(() => (found = eventsOf(lp).find((e) => e.type === 'loadpoint.finished')), {
      timeout: 45_000,
      interval: 50,
    })
    .toBeDefined();
  return found as Extract<AgentEvent, { type: 'loadpoint.finished' }>;
}

const p50 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('agent with worker threads (AGENT_WORKERS)', () => {
  it('1 vs 4 workers on sim-fixed: same requests and prompts, TTFT/TPOT p50 within a few %, merged accumulator', async () => {
    await queues[0]!.add('loadpoint.execute', job('mw-one'), { jobId: 'mw-one' });
    const f1 = await finished('mw-one');
    await queues[1]!.add('loadpoint.execute', job('mw-four'), { jobId: 'mw-four' });
    const f4 = await finished('mw-four');
    for (const f of [f1, f4]) expect(f.status).toBe('completed');
    const [one, four] = [samplesOf('mw-one'), samplesOf('mw-four')];
    expect(four).toHaveLength(128);
    expect(one).toHaveLength(128);
    const key = (s: RequestSample[]) =>
      [...s]
        .sort((a, b) => a.idx - b.idx)
        .map((x) => [x.idx, x.warmup, x.inputTokens, x.outputTokens, x.errorClass]);
    expect(key(four)).toEqual(key(one));
    const ttft = (s: RequestSample[]) =>
      p50(s.filter((x) => !x.warmup).map((x) => x.firstChunkUs! - x.sentUs));
    const tpot = (s: RequestSample[]) =>
      p50(s.filter((x) => !x.warmup).map((x) => (x.endUs - x.firstChunkUs!) / (x.outputTokens - 1)));
    expect(Math.abs(ttft(four) - ttft(one)) / ttft(one)).toBeLessThan(0.1);
    expect(Math.abs(tpot(four) - tpot(one)) / tpot(one)).toBeLessThan(0.1);
    // the finished event's accumulator is the exact merge of the workers' ones: it equals one built from the samples
    const merged = LoadPointAccumulator.decode(f4.accumulator!);
    const rebuilt = new LoadPointAccumulator({ slo: { ttftMs: 200, percentile: 99 } }).addAll(four);
    expect(merged.summary({ includeTimeSeries: true })).toStrictEqual(
      rebuilt.summary({ includeTimeSeries: true }),
    );
    expect(f4.shardHealth?.errors).toBe(0);
    // only the 4-worker agent ran worker threads: 8 slots → 2 per worker, 128 requests → 32 each
    expect(workerLogs).toHaveLength(1);
    expect(workerLogs[0]).toMatchObject({
      loadPointId: 'mw-four',
      workers: 4,
      deal: 'slot',
      sent: [32, 32, 32, 32],
    });
  }, 90_000);
});

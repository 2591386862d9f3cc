/**
 * The agent as a real process (`tsx src/main.ts`, configured by env only): SIGTERM mid-point stops taking
 * jobs, aborts the point, reports it, removes the agent key and exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  agentEventOfWire,
  AgentWireEventSchema,
  agentKey,
  INGEST_QUEUE,
  loadPointJobId,
  loadQueueName,
  type AgentEvent,
  type LoadPointJob,
} from '@inferbench/contracts';
import { startSim, type SimServer } from '@inferbench/sim';
import { createTestRedis, type TestRedis } from '@inferbench/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let tr: TestRedis;
let sim: SimServer;
let redis: Redis;
let loadQueue: Queue;
let ingestWorker: Worker;
let child: ChildProcess | undefined;
const events: AgentEvent[] = [];
let stderr = '';

beforeAll(async () => {
  tr = createTestRedis();
  sim = await startSim({ port: 0 });
  redis = new Redis(tr.url, { maxRetriesPerRequest: null });
  loadQueue = new Queue(loadQueueName('proc'), { connection: redis, prefix: tr.prefix });
  ingestWorker = new Worker(
    INGEST_QUEUE,
    async (j: Job) => void events.push(agentEventOfWire(AgentWireEventSchema.parse(j.data))),
    {
      connection: new Redis(tr.url, { maxRetriesPerRequest: null }),
      prefix: tr.prefix,
    },
  );
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await ingestWorker?.close();
  await loadQueue?.close();
  redis?.disconnect();
  await sim?.close();
  await tr?.cleanup();
});

it('SIGTERM during a point: reports it failed (agent shut down), removes its key, exits 0', async () => {
  const id = `proc-${tr.prefix}`;
  child = spawn(process.execPath, [path.join(APP_DIR, 'node_modules/tsx/dist/cli.mjs'), 'src/main.ts'], {
    cwd: APP_DIR,
    env: {
      PATH: process.env.PATH,
      REDIS_URL: tr.url,
      QUEUE_PREFIX: tr.prefix,
      AGENT_POOL: 'proc',
      AGENT_ID: id,
      AGENT_TOKENIZER: 'whitespace',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));

  await expect.poll(() => redis.exists(agentKey(tr.prefix, id)), { timeout: 20_000, interval: 100 }).toBe(1);
  const lp = 'lp-sigterm';
  const job: LoadPointJob = {
    v: 1,
    runId: 'run-sigterm',
    loadPointId: lp,
    shard: { index: 0, count: 1 },
    target: { baseUrl: sim.url, apiKind: 'chat', model: 'sim-fp16', headers: {} },
    params: { ignoreEos: true },
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 16 },
      outputTokens: { kind: 'fixed', value: 2000 },
    },
    load: { kind: 'concurrency', concurrency: 2 },
    durationSec: 60,
    limits: { maxDurationSec: 120 },
    seed: 1,
    batchSize: 100,
  };
  await loadQueue.add('loadpoint.execute', job, { jobId: loadPointJobId(lp, 0) });
  await expect.poll(() => events.some((e) => e.type === 'loadpoint.started'), { timeout: 15_000 }).toBe(true);

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  const finished = events.find((e) => e.type === 'loadpoint.finished');
  expect(finished).toMatchObject({ status: 'failed', reason: 'the agent shut down during the load point' });
  const batches = events.filter((e) => e.type === 'sample.batch');
  expect(finished!.type === 'loadpoint.finished' && finished!.batchCount).toBe(batches.length);
  expect(batches.flatMap((b) => b.samples).some((s) => s.errorClass === 'cancelled')).toBe(true);
  expect(await redis.exists(agentKey(tr.prefix, id))).toBe(0);
  expect(stderr).toContain('"msg":"agent stopped"');
});

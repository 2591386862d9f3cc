/**
 * The agent (default tokenizer setting `auto`) in-process against real Redis and two real simulators: one with the
 * vLLM-shaped tokenize endpoint, one without. The tokenizer is the job target's own, resolved per target, used for
 * the prompts (server input = requested content tokens + the template) and reported with the shard's results.
 */
import { randomBytes } from 'node:crypto';
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
} from '@inferbench/contracts';
import { startSim, type SimServer } from '@inferbench/sim';
import { createTestRedis, type TestRedis } from '@inferbench/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { startAgent, type RunningAgent } from './main.js';

let tr: TestRedis;
let sim: SimServer;
let bare: SimServer;
let agent: RunningAgent;
let redis: Redis;
let loadQueue: Queue;
let ingestWorker: Worker;
const events: AgentEvent[] = [];
const pool = `t${randomBytes(3).toString('hex')}`;
const profiles = {
  llama: {
    kind: 'fixed' as const,
    ttftMs: 5,
    tpotMs: 1,
    chatTemplate: { perRequestTokens: 5, perMessageTokens: 5 },
  },
};

function job(baseUrl: string, loadPointId: string): LoadPointJob {
  return {
    v: 1,
    runId: `run-${loadPointId}`,
    loadPointId,
    shard: { index: 0, count: 1 },
    target: { baseUrl: `${baseUrl}/v1`, apiKind: 'chat', model: 'llama', headers: {} },
    params: { ignoreEos: true },
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 128 },
      outputTokens: { kind: 'fixed', value: 8 },
    },
    load: { kind: 'concurrency', concurrency: 4 },
    requests: 10,
    limits: { maxDurationSec: 60 },
    seed: 11,
    batchSize: 5,
  };
}

async function run(j: LoadPointJob): Promise<Extract<AgentEvent, { type: 'loadpoint.finished' }>> {
  await loadQueue.add('loadpoint.execute', j, { jobId: loadPointJobId(j.loadPointId, 0) });
  let found: AgentEvent | undefined;
  await expect
    .poll(
      () => (found = events.find((e) => e.type === 'loadpoint.finished' && e.loadPointId === j.loadPointId)),
      { timeout: 30_000, interval: 50 },
    )
    .toBeDefined();
  return found as Extract<AgentEvent, { type: 'loadpoint.finished' }>;
}

beforeAll(async () => {
  tr = createTestRedis();
  sim = await startSim({ port: 0, profiles, models: ['llama'] });
  bare = await startSim({ port: 0, profiles, models: ['llama'], tokenizeEndpoints: false });
  const config = loadConfig({
    REDIS_URL: tr.url,
    QUEUE_PREFIX: tr.prefix,
    AGENT_POOL: pool,
    AGENT_ID: `tok-agent-${tr.prefix}`,
    AGENT_METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
  });
  expect(config.tokenizer).toBe('auto');
  redis = new Redis(tr.url, { maxRetriesPerRequest: null });
  loadQueue = new Queue(loadQueueName(pool), { connection: redis, prefix: tr.prefix });
  ingestWorker = new Worker(
    INGEST_QUEUE,
    async (j: Job) => {
      const parsed = AgentWireEventSchema.safeParse(j.data);
      if (parsed.success) events.push(agentEventOfWire(parsed.data));
    },
    { connection: new Redis(tr.url, { maxRetriesPerRequest: null }), prefix: tr.prefix, concurrency: 1 },
  );
  agent = await startAgent(config, { listGpus: async () => [] });
});

afterAll(async () => {
  await agent?.stop();
  await ingestWorker?.close();
  await loadQueue?.close();
  redis?.disconnect();
  await sim?.close();
  await bare?.close();
  await tr?.cleanup();
});

describe('agent tokenizer per target', () => {
  it("uses the target's tokenize endpoint: every prompt is 128 content tokens per the server", async () => {
    const fin = await run(job(sim.url, 'lp-tok-auto'));
    expect(fin.status).toBe('completed');
    expect(fin.tokenizer).toMatchObject({
      setting: 'auto',
      source: 'server',
      engine: 'vllm',
      approximate: false,
      templateOverheadTokens: 10,
    });
    const samples = events.flatMap((e) =>
      e.type === 'sample.batch' && e.loadPointId === 'lp-tok-auto' ? e.samples : [],
    );
    expect(samples).toHaveLength(10);
    for (const s of samples) expect(s.inputTokens).toBe(138);
    expect(fin.warnings.some((w) => /approximate/.test(w))).toBe(false);
  });

  it('a target without the endpoint: o200k_base, with the warning on the shard', async () => {
    const fin = await run(job(bare.url, 'lp-tok-bare'));
    expect(fin.status).toBe('completed');
    expect(fin.tokenizer).toMatchObject({ source: 'builtin', name: 'o200k_base', approximate: true });
    expect(fin.warnings.some((w) => /o200k_base, not llama's own.*approximate/.test(w))).toBe(true);
  });
});

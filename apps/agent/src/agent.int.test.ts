/**
 * The agent in-process against real Redis (infra/services.sh) and a real simulator: it consumes jobs we
 * enqueue on `load.<pool>`, streams from the simulator and reports on the `ingest` queue, which this test
 * drains with its own BullMQ Worker (standing in for the API's ingest consumer).
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  AGENT_TTL_SEC,
  agentEventOfWire,
  AgentWireEventSchema,
  AgentInfoSchema,
  agentKey,
  cancelChannel,
  cancelKey,
  chunkTimesUs,
  INGEST_QUEUE,
  loadPointJobId,
  loadQueueName,
  type AgentEvent,
  type LoadPointJob,
  type RequestSample,
} from '@inferbench/contracts';
import { startSim, type SimServer } from '@inferbench/sim';
import { createTestRedis, type TestRedis } from '@inferbench/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type AgentConfig } from './config.js';
import { startAgent, type RunningAgent } from './main.js';

let tr: TestRedis;
let sim: SimServer;
let agent: RunningAgent;
let config: AgentConfig;
let redis: Redis;
let loadQueue: Queue;
let ingestWorker: Worker;
/** events received on the ingest queue, in processing order */
const events: AgentEvent[] = [];
const invalidEvents: unknown[] = [];

const pool = `p${randomBytes(3).toString('hex')}`;

function job(over: Partial<LoadPointJob> & Pick<LoadPointJob, 'runId' | 'loadPointId'>): LoadPointJob {
  return {
    v: 1,
    shard: { index: 0, count: 1 },
    target: { baseUrl: sim.url, apiKind: 'chat', model: 'sim-fp16', headers: {} },
    params: {},
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 32 },
      outputTokens: { kind: 'fixed', value: 16 },
    },
    load: { kind: 'concurrency', concurrency: 4 },
    limits: { maxDurationSec: 60 },
    seed: 7,
    batchSize: 5,
    ...over,
  };
}

function eventsOf(loadPointId: string): AgentEvent[] {
  return events.filter((e) => 'loadPointId' in e && e.loadPointId === loadPointId);
}

async function waitForFinished(
  loadPointId: string,
  timeoutMs = 25_000,
): Promise<Extract<AgentEvent, { type: 'loadpoint.finished' }>> {
  let found: AgentEvent | undefined;
  await expect
    .poll(() => (found = eventsOf(loadPointId).find((e) => e.type === 'loadpoint.finished')), {
      timeout: timeoutMs,
      interval: 50,
    })
    .toBeDefined();
  return found as Extract<AgentEvent, { type: 'loadpoint.finished' }>;
}

function samplesOf(loadPointId: string): RequestSample[] {
  return eventsOf(loadPointId).flatMap((e) => (e.type === 'sample.batch' ? e.samples : []));
}

beforeAll(async () => {
  tr = createTestRedis();
  sim = await startSim({ port: 0 });
  config = loadConfig({
    REDIS_URL: tr.url,
    QUEUE_PREFIX: tr.prefix,
    AGENT_POOL: pool,
    AGENT_ID: `test-agent-${tr.prefix}`,
    AGENT_LABELS: 'zone=local,kind=test',
    // whitespace: no BPE vocabulary to build, which keeps the test fast; token counts come from the server
    AGENT_TOKENIZER: 'whitespace',
    AGENT_METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
  });
  redis = new Redis(tr.url, { maxRetriesPerRequest: null });
  loadQueue = new Queue(loadQueueName(pool), { connection: redis, prefix: tr.prefix });
  ingestWorker = new Worker(
    INGEST_QUEUE,
    async (j: Job) => {
      // agents send sample batches compact (columnar-v2): decoded back to the batch the agent built
      const parsed = AgentWireEventSchema.safeParse(j.data);
      if (parsed.success) events.push(agentEventOfWire(parsed.data));
      else invalidEvents.push(j.data);
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
  await tr?.cleanup();
});

describe('agent', () => {
  it('publishes a heartbeat with its pool, labels and host facts', async () => {
    const raw = await redis.get(agentKey(tr.prefix, agent.id));
    expect(raw).not.toBeNull();
    const info = AgentInfoSchema.parse(JSON.parse(raw!));
    expect(info).toMatchObject({ id: agent.id, pool, state: 'idle', currentJob: null });
    expect(info.capabilities.labels).toEqual({ zone: 'local', kind: 'test' });
    expect(info.capabilities.cpus).toBeGreaterThan(0);
    const ttl = await redis.ttl(agentKey(tr.prefix, agent.id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(AGENT_TTL_SEC);
  });

  it('runs a load point: started, batches holding every planned request, then finished with the batch count', async () => {
    const lp = 'lp-complete';
    // ignoreEos: the simulator then generates exactly max_tokens, so every sample must report 16 tokens
    await loadQueue.add(
      'loadpoint.execute',
      job({ runId: 'run-complete', loadPointId: lp, requests: 12, params: { ignoreEos: true } }),
      {
        jobId: loadPointJobId(lp, 0),
      },
    );
    const finished = await waitForFinished(lp);
    expect(finished).toMatchObject({
      status: 'completed',
      runId: 'run-complete',
      shardIndex: 0,
      agentId: agent.id,
    });

    const mine = eventsOf(lp);
    expect(mine[0]!.type).toBe('loadpoint.started');
    expect(mine[mine.length - 1]).toBe(finished);
    const batches = mine.filter((e) => e.type === 'sample.batch');
    expect(batches.map((b) => b.batchSeq)).toEqual(batches.map((_, i) => i));
    expect(finished.batchCount).toBe(batches.length);
    for (const b of batches) expect(b.samples.length).toBeLessThanOrEqual(5);

    const samples = samplesOf(lp);
    expect(samples).toHaveLength(12);
    expect(new Set(samples.map((s) => s.idx)).size).toBe(12);
    for (const s of samples) {
      expect(s.httpStatus).toBe(200);
      expect(s.errorClass).toBeUndefined();
      expect(s.outputTokens).toBe(16);
      // TTFT: positive and well under the test's patience; sim-fp16 decodes in ~10-30 ms steps
      const ttftUs = s.firstChunkUs! - s.sentUs;
      expect(ttftUs).toBeGreaterThan(0);
      expect(ttftUs).toBeLessThan(5_000_000);
      const chunks = chunkTimesUs(s);
      expect(chunks.length).toBeGreaterThan(1);
      expect(s.endUs).toBeGreaterThanOrEqual(chunks[chunks.length - 1]!);
      const meanGapMs = s.chunkGapsUs.reduce((a, g) => a + g, 0) / s.chunkGapsUs.length / 1000;
      expect(meanGapMs).toBeGreaterThan(1);
      expect(meanGapMs).toBeLessThan(500);
    }
    expect(invalidEvents).toEqual([]);

    const state = await loadQueue.getJobState(loadPointJobId(lp, 0));
    expect(['completed', 'unknown']).toContain(state);
  });

  it('cancels a running point within 2 s of the cancel message, with cancelled-tail samples', async () => {
    const lp = 'lp-cancel';
    const runId = 'run-cancel';
    await loadQueue.add(
      'loadpoint.execute',
      // long outputs keep requests in flight when the cancel lands
      job({
        runId,
        loadPointId: lp,
        durationSec: 30,
        workload: {
          kind: 'synthetic',
          inputTokens: { kind: 'fixed', value: 32 },
          outputTokens: { kind: 'fixed', value: 2000 },
        },
        params: { ignoreEos: true },
      }),
      { jobId: loadPointJobId(lp, 0) },
    );
    await expect
      .poll(() => eventsOf(lp).some((e) => e.type === 'loadpoint.started'), { timeout: 10_000 })
      .toBe(true);
    // let requests get under way
    await expect
      .poll(
        async () =>
          AgentInfoSchema.parse(JSON.parse((await redis.get(agentKey(tr.prefix, agent.id)))!)).state,
        { timeout: 5_000 },
      )
      .toBe('busy');
    await new Promise((r) => setTimeout(r, 500));

    // only the pub/sub message: the cancel key is set afterwards, so the agent's once-a-second key poll
    // cannot be what stopped the point
    const t0 = Date.now();
    await redis.publish(cancelChannel(tr.prefix), JSON.stringify({ runId }));
    const finished = await waitForFinished(lp, 10_000);
    await redis.set(cancelKey(tr.prefix, runId), '1', 'EX', 60);
    const finishedAt = finished.ts;
    expect(finishedAt - t0).toBeLessThan(2_000);
    expect(finished.status).toBe('cancelled');

    const samples = samplesOf(lp);
    const tail = samples.filter((s) => s.errorClass === 'cancelled');
    expect(tail.length).toBeGreaterThan(0);
    expect(finished.batchCount).toBe(eventsOf(lp).filter((e) => e.type === 'sample.batch').length);
  });

  it('skips a job whose run is already cancelled', async () => {
    const lp = 'lp-precancelled';
    const runId = 'run-precancelled';
    await redis.set(cancelKey(tr.prefix, runId), '1', 'EX', 60);
    await loadQueue.add('loadpoint.execute', job({ runId, loadPointId: lp, requests: 5 }), {
      jobId: loadPointJobId(lp, 0),
    });
    const finished = await waitForFinished(lp);
    expect(finished).toMatchObject({ status: 'cancelled', batchCount: 0 });
    expect(eventsOf(lp).map((e) => e.type)).toEqual(['loadpoint.finished']);
  });

  it('fails a malformed payload once (no retry) and reports why', async () => {
    const lp = 'lp-malformed';
    const bad = {
      ...job({ runId: 'run-bad', loadPointId: lp, requests: 3 }),
      load: { kind: 'concurrency', concurrency: -1 },
    };
    await loadQueue.add('loadpoint.execute', bad, {
      jobId: loadPointJobId(lp, 0),
      attempts: 3,
      backoff: { type: 'fixed', delay: 10 },
    });
    const finished = await waitForFinished(lp);
    expect(finished.status).toBe('failed');
    expect(finished.reason).toMatch(/malformed load point job: load\.concurrency/);
    await expect.poll(() => loadQueue.getJobState(loadPointJobId(lp, 0))).toBe('failed');
    const j = await loadQueue.getJob(loadPointJobId(lp, 0));
    expect(j!.attemptsMade).toBe(1);
    expect(j!.failedReason).toMatch(/malformed/);
  });

  it('fails a point whose engine input is unusable with the engine reason', async () => {
    const lp = 'lp-baddataset';
    await loadQueue.add(
      'loadpoint.execute',
      job({
        runId: 'run-bd',
        loadPointId: lp,
        requests: 3,
        workload: { kind: 'dataset', source: '/nonexistent/file.jsonl', format: 'prompts' },
      }),
      { jobId: loadPointJobId(lp, 0) },
    );
    const finished = await waitForFinished(lp);
    expect(finished.status).toBe('failed');
    expect(finished.reason).toMatch(/load engine error/);
    expect(finished.batchCount).toBe(0);
  });
});

describe('agent shutdown', () => {
  it('stops taking jobs, removes its key, and a second agent with the same pool still works', async () => {
    const second = await startAgent(
      { ...config, agent: { ...config.agent, id: `second-${tr.prefix}` } },
      { listGpus: async () => [] },
    );
    expect(await redis.exists(agentKey(tr.prefix, second.id))).toBe(1);
    await second.stop();
    expect(await redis.exists(agentKey(tr.prefix, second.id))).toBe(0);
  });
});

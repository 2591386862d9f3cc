/**
 * The agent's own metrics listener while it runs a real load point against the simulator (real Redis): active streams
 * and the running-point gauge are above zero during the load and back to zero after, the chunk and request counters
 * grow, schedule delay and event-loop lag are exported, and the ingest backlog drains. A second agent whose metrics
 * port is taken still starts and registers (a warning, no listener).
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { agentKey, loadQueueName, type LoadPointJob } from '@inferbench/contracts';
import { startSim, type SimServer } from '@inferbench/sim';
import { parsePrometheusText, type PromSample } from '@inferbench/telemetry';
import { createTestRedis, freePort, type TestRedis } from '@inferbench/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, type AgentConfig } from './config.js';
import { startAgent, type RunningAgent } from './main.js';

let tr: TestRedis;
let sim: SimServer;
let agent: RunningAgent;
let redis: Redis;
let loadQueue: Queue;
let config: AgentConfig;
const pool = `m${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  tr = createTestRedis();
  sim = await startSim({ port: 0 });
  config = loadConfig({
    REDIS_URL: tr.url,
    QUEUE_PREFIX: tr.prefix,
    AGENT_POOL: pool,
    AGENT_ID: `metrics-agent-${tr.prefix}`,
    AGENT_TOKENIZER: 'whitespace',
    AGENT_METRICS_PORT: String(await freePort()),
    LOG_LEVEL: 'silent',
  });
  redis = new Redis(tr.url, { maxRetriesPerRequest: null });
  loadQueue = new Queue(loadQueueName(pool), { connection: redis, prefix: tr.prefix });
  agent = await startAgent(config, { listGpus: async () => [] });
});

afterAll(async () => {
  await agent?.stop();
  await loadQueue?.close();
  redis?.disconnect();
  await sim?.close();
  await tr?.cleanup();
});

async function scrape(): Promise<PromSample[]> {
  const res = await fetch(agent.metricsUrl!);
  expect(res.status).toBe(200);
  const parsed = parsePrometheusText(await res.text());
  expect(parsed.errors).toEqual([]);
  return [...parsed.families.values()].flatMap((f) => f.samples);
}

function value(samples: PromSample[], name: string, labels: Record<string, string> = {}): number {
  const hit = samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (!hit) throw new Error(`no sample ${name} ${JSON.stringify(labels)}`);
  return hit.value;
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const v = await check();
      if (v === undefined) throw new Error(`not yet: ${what}`);
      return v;
    },
    { timeout: timeoutMs, interval: 100 },
  );
}

describe('agent metrics', () => {
  it('reports streams, chunks and the ingest backlog while a load point runs against the simulator', async () => {
    expect(agent.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const idle = await scrape();
    expect(value(idle, 'inferbench_agent_active_streams')).toBe(0);
    expect(value(idle, 'inferbench_agent_chunks_total')).toBe(0);
    expect(value(idle, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    // every series carries the agent and its pool
    expect(idle.find((s) => s.name === 'inferbench_agent_chunks_total')?.labels).toMatchObject({
      agent_id: agent.id,
      pool,
    });

    const job: LoadPointJob = {
      v: 1,
      runId: 'run-metrics',
      loadPointId: 'lp-metrics',
      shard: { index: 0, count: 1 },
      target: { baseUrl: sim.url, apiKind: 'chat', model: 'sim-fp16', headers: {} },
      params: { maxTokens: 32, ignoreEos: true },
      workload: {
        kind: 'synthetic',
        inputTokens: { kind: 'fixed', value: 32 },
        outputTokens: { kind: 'fixed', value: 32 },
      },
      load: { kind: 'concurrency', concurrency: 4 },
      durationSec: 4,
      limits: { maxDurationSec: 60 },
      seed: 3,
      batchSize: 10,
    };
    await loadQueue.add('loadpoint.execute', job, { jobId: 'lp-metrics-s0' });

    // during the load: a closed loop of 4 keeps 4 streams open
    const during = await until('streams in flight', async () => {
      const s = await scrape();
      return value(s, 'inferbench_agent_active_streams') > 0 ? s : undefined;
    });
    expect(value(during, 'inferbench_agent_active_streams')).toBeLessThanOrEqual(4);
    expect(value(during, 'inferbench_agent_load_points_running')).toBe(1);
    const chunksDuring = value(during, 'inferbench_agent_chunks_total');
    const later = await until('more chunks', async () => {
      const s = await scrape();
      return value(s, 'inferbench_agent_chunks_total') > chunksDuring ? s : undefined;
    });
    expect(value(later, 'inferbench_agent_requests_total', { outcome: 'ok' })).toBeGreaterThan(0);

    // after the load: no stream, no running point, every batch acknowledged
    const after = await until('the point to end and its batches to be acknowledged', async () => {
      const s = await scrape();
      return value(s, 'inferbench_agent_load_points_running') === 0 &&
        value(s, 'inferbench_agent_ingest_pending_batches') === 0
        ? s
        : undefined;
    });
    expect(value(after, 'inferbench_agent_active_streams')).toBe(0);
    expect(value(after, 'inferbench_agent_ingest_pending_events')).toBe(0);
    const ok = value(after, 'inferbench_agent_requests_total', { outcome: 'ok' });
    // the streams still open when the duration ends are cancelled: counted as errors, their chunks count too
    const ended = after
      .filter((s) => s.name === 'inferbench_agent_requests_total')
      .reduce((n, s) => n + s.value, 0);
    // 32 tokens per request (ignoreEos): a completed one streamed at least one chunk, none more than ~one per token
    const chunks = value(after, 'inferbench_agent_chunks_total');
    expect(chunks).toBeGreaterThanOrEqual(ok);
    expect(chunks).toBeLessThanOrEqual(ended * 36);
    // closed-loop requests carry no schedule, so the schedule-delay histogram is exported but may be empty
    expect(value(after, 'inferbench_agent_schedule_delay_seconds_count')).toBeGreaterThanOrEqual(0);
  });
});

describe('a taken metrics port', () => {
  it('costs the second agent its listener, not its start: it registers and runs without one', async () => {
    const port = new URL(agent.metricsUrl!).port;
    expect(port).toBe(String(config.metrics.port));
    const second = await startAgent(
      { ...config, agent: { ...config.agent, id: `second-${tr.prefix}` } },
      { listGpus: async () => [] },
    );
    try {
      expect(second.metricsUrl).toBeUndefined();
      expect(await redis.exists(agentKey(tr.prefix, second.id))).toBe(1);
      // the first agent's listener is untouched
      expect((await fetch(agent.metricsUrl!)).status).toBe(200);
    } finally {
      await second.stop();
    }
  });
});

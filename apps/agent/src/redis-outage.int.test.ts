/**
 * Redis goes away in the middle of a load point: the agent reaches Redis through a TCP proxy that this
 * test cuts (every socket destroyed, new connections refused) and restores. Every sample must still
 * arrive exactly once, batches numbered without gaps, and `finished` must carry the right batch count.
 */
import net from 'node:net';
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
import { createTestRedis, freePort, type TestRedis } from '@inferbench/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { startAgent, type RunningAgent } from './main.js';

/** A TCP proxy to Redis that can be cut and restored on the same port. */
class CuttableProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  constructor(
    readonly port: number,
    private readonly upstream: { host: string; port: number },
  ) {}

  listen(): Promise<void> {
    if (this.server) return Promise.resolve();
    this.server = net.createServer((client) => {
      const up = net.connect(this.upstream.port, this.upstream.host);
      for (const s of [client, up]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(up).pipe(client);
    });
    return new Promise((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  /** Drop every connection and refuse new ones. */
  cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const srv = this.server;
    this.server = undefined;
    return new Promise((resolve) => (srv ? srv.close(() => resolve()) : resolve()));
  }
}

let tr: TestRedis;
let sim: SimServer;
let proxy: CuttableProxy;
let agent: RunningAgent;
let redis: Redis;
let loadQueue: Queue;
let ingestWorker: Worker;
const events: AgentEvent[] = [];
const pool = 'outage';

beforeAll(async () => {
  tr = createTestRedis();
  sim = await startSim({ port: 0 });
  const real = new URL(tr.url);
  proxy = new CuttableProxy(await freePort(), { host: real.hostname, port: Number(real.port || 6379) });
  await proxy.listen();
  redis = new Redis(tr.url, { maxRetriesPerRequest: null });
  loadQueue = new Queue(loadQueueName(pool), { connection: redis, prefix: tr.prefix });
  ingestWorker = new Worker(
    INGEST_QUEUE,
    async (j: Job) => {
      events.push(agentEventOfWire(AgentWireEventSchema.parse(j.data)));
    },
    { connection: new Redis(tr.url, { maxRetriesPerRequest: null }), prefix: tr.prefix },
  );
  const config = loadConfig({
    REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
    QUEUE_PREFIX: tr.prefix,
    AGENT_POOL: pool,
    AGENT_ID: `outage-${tr.prefix}`,
    AGENT_TOKENIZER: 'whitespace',
    AGENT_METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
  });
  agent = await startAgent(config, { listGpus: async () => [], drainTimeoutMs: 5_000 });
});

afterAll(async () => {
  await proxy?.listen().catch(() => undefined);
  await agent?.stop();
  await ingestWorker?.close();
  await loadQueue?.close();
  redis?.disconnect();
  await proxy?.cut();
  await sim?.close();
  await tr?.cleanup();
});

it('loses no sample and no batch across a Redis outage mid-point', async () => {
  const lp = 'lp-outage';
  const requests = 60;
  const job: LoadPointJob = {
    v: 1,
    runId: 'run-outage',
    loadPointId: lp,
    shard: { index: 0, count: 1 },
    target: { baseUrl: sim.url, apiKind: 'chat', model: 'sim-fp16', headers: {} },
    params: { ignoreEos: true },
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 16 },
      outputTokens: { kind: 'fixed', value: 24 },
    },
    load: { kind: 'concurrency', concurrency: 6 },
    requests,
    limits: { maxDurationSec: 60 },
    seed: 3,
    batchSize: 4,
  };
  await loadQueue.add('loadpoint.execute', job, { jobId: loadPointJobId(lp, 0) });
  await expect
    .poll(() => events.filter((e) => e.type === 'sample.batch').length, { timeout: 15_000, interval: 20 })
    .toBeGreaterThan(0);

  await proxy.cut();
  const batchesAtCut = events.filter((e) => e.type === 'sample.batch').length;
  await new Promise((r) => setTimeout(r, 2_500));
  // nothing can have arrived from the agent while Redis was unreachable for it
  expect(events.filter((e) => e.type === 'sample.batch').length).toBe(batchesAtCut);
  await proxy.listen();

  await expect
    .poll(() => events.some((e) => e.type === 'loadpoint.finished'), { timeout: 25_000, interval: 50 })
    .toBe(true);
  const finished = events.find((e) => e.type === 'loadpoint.finished')!;
  const batches = events.filter((e) => e.type === 'sample.batch');
  expect(finished).toMatchObject({ status: 'completed' });
  expect(finished.type === 'loadpoint.finished' && finished.batchCount).toBe(batches.length);
  expect(batches.map((b) => b.batchSeq).sort((a, b) => a - b)).toEqual(batches.map((_, i) => i));
  const idx = batches.flatMap((b) => b.samples.map((s) => s.idx)).sort((a, b) => a - b);
  expect(idx).toEqual(Array.from({ length: requests }, (_, i) => i));
  // finished came after every batch
  expect(events.indexOf(finished)).toBeGreaterThan(Math.max(...batches.map((b) => events.indexOf(b))));
});

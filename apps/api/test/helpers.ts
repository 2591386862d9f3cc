/**
 * Fixtures for the API's integration tests: a real API listening on a free port over a fresh database
 * and a unique Redis prefix, a typed client, a Prisma client for checking what was written, and a fake
 * agent that speaks the queue protocol (load jobs in, agent events out).
 */
import { createHmac } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { test, vi } from 'vitest';
import type { z } from 'zod';
import {
  AGENT_TTL_SEC,
  agentKey,
  INGEST_QUEUE,
  loadQueueName,
  LoadPointJobSchema,
  parseAgentToken,
  type AgentEvent,
  type AgentInfo,
  type AgentWireEvent,
  CreateExperimentRequestSchema,
  type CreateExperimentRequest,
  type LoadPointJob,
  type RequestSample,
} from '@inferbench/contracts';
import { ApiClient } from '@inferbench/api-client';
import { createPrismaClient, type PrismaClient } from '@inferbench/db';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@inferbench/testing';
import { startApi, type StartedApi } from '../src/app.js';
import { loadConfig, type AppConfig } from '../src/config.js';

export const TEST_SECRET_KEY = 'aa'.repeat(32);
/**
 * The one credential the tests use: the API under test accepts it as an admin token (INFERBENCH_BOOTSTRAP_TOKEN,
 * honoured in development and test). `t.client` and `t.fetch` send it; a test that checks authentication itself uses
 * plain `fetch` or `t.fetch(url, { auth: false })`.
 */
export const TEST_BOOTSTRAP_TOKEN = 'test-bootstrap-token-0123456789abcdef';
export const AUTH_HEADERS = { authorization: `Bearer ${TEST_BOOTSTRAP_TOKEN}` };

export interface TestApi {
  api: StartedApi;
  url: string;
  client: ApiClient;
  config: AppConfig;
  prisma: PrismaClient;
  redis: Redis;
  db: TestDatabase;
  testRedis: TestRedis;
  prefix: string;
  /** a BullMQ queue handle under the test prefix (closed by `close`) */
  queue(name: string): Queue;
  /** `fetch` of a path (`/runs/x`) or URL on the API, with the bootstrap token unless `auth: false` */
  fetch(pathOrUrl: string, init?: RequestInit & { auth?: boolean }): Promise<Response>;
  /** the agent credential of `pool` (created once through the API), as an agent reads it from AGENT_TOKEN */
  agentToken(pool?: string): Promise<string>;
  close(): Promise<void>;
}

/** Start the API on a free port over a fresh database and Redis prefix. `env` overrides config values. */
export async function startTestApi(env: Record<string, string> = {}): Promise<TestApi> {
  const db = await createTestDatabase();
  const testRedis = createTestRedis();
  const config = loadConfig({
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '5',
    REDIS_URL: testRedis.url,
    QUEUE_PREFIX: testRedis.prefix,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    SECRET_KEY: TEST_SECRET_KEY,
    SWEEP_INTERVAL_MS: '200',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    INFERBENCH_BOOTSTRAP_TOKEN: TEST_BOOTSTRAP_TOKEN,
    // the fuzz tests send tens of thousands of requests a minute; rate limits have their own test
    RATE_LIMIT_PER_MINUTE: '0',
    // no Prometheus listener: every test API would try the fixed default port (metrics.int.test.ts sets a free one)
    METRICS_PORT: '0',
    ...env,
  });
  const api = await startApi(config);
  const prisma = createPrismaClient({ url: db.url, poolSize: 2 });
  const redis = new Redis(testRedis.url, { maxRetriesPerRequest: null });
  const queues = new Map<string, Queue>();
  const agentTokens = new Map<string, Promise<string>>();
  const client = new ApiClient({ baseUrl: api.url, token: TEST_BOOTSTRAP_TOKEN });
  return {
    api,
    url: api.url,
    client,
    fetch(pathOrUrl, init = {}) {
      const { auth = true, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (auth && !headers.has('authorization')) headers.set('authorization', AUTH_HEADERS.authorization);
      return fetch(pathOrUrl.startsWith('/') ? `${api.url}${pathOrUrl}` : pathOrUrl, { ...rest, headers });
    },
    agentToken(pool = 'default') {
      let p = agentTokens.get(pool);
      if (!p) {
        p = client.createAgentCredential({ pool, name: `test-${pool}` }).then((c) => c.token);
        agentTokens.set(pool, p);
      }
      return p;
    },
    config,
    prisma,
    redis,
    db,
    testRedis,
    prefix: testRedis.prefix,
    queue(name) {
      let q = queues.get(name);
      if (!q) {
        q = new Queue(name, { connection: redis, prefix: testRedis.prefix });
        queues.set(name, q);
      }
      return q;
    },
    async close() {
      // tolerate an app a test already closed
      await api.close().catch(() => undefined);
      await Promise.all([...queues.values()].map((q) => q.close()));
      await prisma.$disconnect();
      redis.disconnect();
      await testRedis.cleanup().catch(() => undefined);
      await db.drop().catch(() => undefined);
    },
  };
}

/**
 * `test` with the API as fixtures, so a file needs no beforeAll/afterAll of its own:
 * - `app`: the started {@link TestApi}, one per test file (started by the first test that asks for it,
 *   closed after the file's last test);
 * - `client`: its typed API client; `prisma`: a Prisma client on its database, for checking what was written.
 * A file that needs config overrides (`startTestApi(env)`) starts its own.
 */
export const apiTest = test
  // oxlint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this destructuring
  .extend('app', { scope: 'file' }, async ({}, { onCleanup }) => {
    const app = await startTestApi();
    onCleanup(() => app.close());
    return app;
  })
  .extend('client', ({ app }) => app.client)
  .extend('prisma', ({ app }) => app.prisma);

/** Poll `check` (vitest's `vi.waitFor`) until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  try {
    return await vi.waitFor(
      async () => {
        const v = await check();
        if (!v) throw new Error('not yet');
        return v;
      },
      { timeout: timeoutMs, interval: 50 },
    );
  } catch (err) {
    throw new Error(`timed out waiting for ${what}: ${(err as Error).message}`);
  }
}

export function targetBody(name: string, extra: Record<string, unknown> = {}) {
  return { name, baseUrl: 'http://127.0.0.1:9/v1', apiKind: 'chat' as const, model: 'm1', ...extra };
}

export function experimentBody(
  targetIds: string[],
  extra: Partial<z.input<typeof CreateExperimentRequestSchema>> = {},
): CreateExperimentRequest {
  return {
    name: 'exp',
    description: 'test experiment',
    tags: ['t1'],
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 32 },
      outputTokens: { kind: 'fixed', value: 8 },
    },
    loadPlan: { kind: 'concurrency', levels: [1, 4], requests: 10, seed: 7 },
    variants: targetIds.map((targetId, i) => ({
      targetId,
      label: `v${i}`,
      optimization: { features: {} },
      params: { maxTokens: 8 },
    })),
    ...extra,
  } as CreateExperimentRequest;
}

/** `n` plausible successful samples starting at request index `from` (times in µs). */
export function makeSamples(n: number, from = 0): RequestSample[] {
  return Array.from({ length: n }, (_, k) => {
    const idx = from + k;
    const sentUs = idx * 10_000;
    const firstChunkUs = sentUs + 20_000 + (idx % 5) * 1_000;
    const gaps = Array.from({ length: 7 }, () => 5_000);
    return {
      idx,
      warmup: false,
      sentUs,
      firstChunkUs,
      firstContentUs: firstChunkUs,
      endUs: firstChunkUs + 35_000,
      chunkGapsUs: gaps,
      inputTokens: 32,
      outputTokens: 8,
      reasoningTokens: 0,
      tokenSource: 'server' as const,
      httpStatus: 200,
    };
  });
}

const base = (job: Pick<LoadPointJob, 'runId' | 'loadPointId' | 'shard'>, agentId = 'fake-agent') => ({
  v: 1 as const,
  runId: job.runId,
  loadPointId: job.loadPointId,
  shardIndex: job.shard.index,
  agentId,
  ts: Date.now(),
});

/** Agent events for one job, as a real agent would send them. */
export const agentEvents = {
  started: (job: LoadPointJob): AgentEvent => ({ ...base(job), type: 'loadpoint.started' }),
  batch: (job: LoadPointJob, batchSeq: number, samples: RequestSample[]): AgentEvent => ({
    ...base(job),
    type: 'sample.batch',
    batchSeq,
    samples,
  }),
  progress: (job: LoadPointJob, done: number): AgentEvent => ({
    ...base(job),
    type: 'loadpoint.progress',
    window: { tSec: 0, completed: done, errors: 0, outputTokens: done * 8 },
    totals: { done, errors: 0, elapsedSec: 1 },
  }),
  finished: (
    job: LoadPointJob,
    batchCount: number,
    status: 'completed' | 'failed' | 'cancelled' = 'completed',
    reason?: string,
  ): AgentEvent => ({
    ...base(job),
    type: 'loadpoint.finished',
    status,
    batchCount,
    ...(reason ? { reason } : {}),
    warnings: [],
  }),
};

/**
 * Sign `obj` as an agent of `pool` would (contracts agent-auth.ts): `auth: { cred, pool, mac }` with the HMAC of its
 * JSON under the pool credential's secret.
 */
export async function signAsAgent<T extends object>(t: TestApi, pool: string, obj: T): Promise<T> {
  const parts = parseAgentToken(await t.agentToken(pool))!;
  const mac = createHmac('sha256', parts.secret).update(JSON.stringify(obj)).digest('hex');
  return { ...obj, auth: { cred: parts.credentialId, pool: parts.pool, mac } };
}

/** The pool of a load point's target (from its run's frozen spec); `default` for an unknown point. */
async function poolOfPoint(t: TestApi, loadPointId: string): Promise<string> {
  const p = await t.prisma.loadPoint.findUnique({
    where: { id: loadPointId },
    select: { variantLabel: true, run: { select: { spec: true } } },
  });
  const spec = p?.run.spec as { variants?: { label: string; target: { pool?: string } }[] } | undefined;
  return spec?.variants?.find((v) => v.label === p?.variantLabel)?.target.pool ?? 'default';
}

/**
 * Send agent events to the API's ingest queue (each its own job, in order), signed by their pool's credential; sample
 * batches in either encoding (json-v1 as built, or compacted with `toCompactSampleBatch`).
 */
export async function sendEvents(t: TestApi, events: AgentWireEvent[]): Promise<void> {
  const pools = new Map<string, string>();
  for (const e of events) {
    // load events name their load point, eval events their work item (a LoadPoint row of kind eval)
    const id = 'loadPointId' in e ? e.loadPointId : 'workItemId' in e ? e.workItemId : undefined;
    let pool = 'default';
    if (typeof id === 'string') {
      pool = pools.get(id) ?? (await poolOfPoint(t, id));
      pools.set(id, pool);
    }
    await t.queue(INGEST_QUEUE).add(e.type, await signAsAgent(t, pool, e), { removeOnComplete: true });
  }
}

/** Write an agent heartbeat key as apps/agent does (signed with its pool's credential). */
export async function writeAgentKey(t: TestApi, info: AgentInfo, ttlSec = AGENT_TTL_SEC): Promise<void> {
  await t.redis.set(
    agentKey(t.prefix, info.id),
    JSON.stringify(await signAsAgent(t, info.pool, info)),
    'EX',
    ttlSec,
  );
}

/** Keep an agent heartbeat key alive under the test prefix (as apps/agent does). */
export async function announceAgent(
  t: TestApi,
  id: string,
  pool = 'default',
  state: AgentInfo['state'] = 'idle',
): Promise<AgentInfo> {
  const info: AgentInfo = {
    id,
    pool,
    host: 'test-host',
    version: '0.0.0-test',
    capabilities: { cpus: 2, memoryMb: 1024, gpus: [], labels: {} },
    state,
    currentJob: null,
    startedAt: Date.now() - 1000,
    heartbeatAt: Date.now(),
  };
  await writeAgentKey(t, info);
  return info;
}

/**
 * A fake agent: a real BullMQ worker on `load.<pool>` that, for every job, sends started → batches →
 * progress → finished to the ingest queue. `onJob` may customize what it sends.
 */
export function startFakeAgent(
  t: TestApi,
  opts: {
    pool?: string;
    samplesPerPoint?: number;
    batchSize?: number;
    concurrency?: number;
    onJob?: (job: LoadPointJob) => Promise<void>;
  } = {},
): { worker: Worker; jobs: LoadPointJob[]; close(): Promise<void> } {
  const jobs: LoadPointJob[] = [];
  const connection = new Redis(t.testRedis.url, { maxRetriesPerRequest: null });
  const worker = new Worker(
    loadQueueName(opts.pool ?? 'default'),
    async (job: Job) => {
      const data = LoadPointJobSchema.parse(job.data);
      jobs.push(data);
      if (opts.onJob) return opts.onJob(data);
      const n = opts.samplesPerPoint ?? 12;
      const size = opts.batchSize ?? 5;
      const events: AgentEvent[] = [agentEvents.started(data)];
      let seq = 0;
      for (let i = 0; i < n; i += size)
        events.push(agentEvents.batch(data, seq++, makeSamples(Math.min(size, n - i), i)));
      events.push(agentEvents.progress(data, n), agentEvents.finished(data, seq));
      await sendEvents(t, events);
    },
    { connection, prefix: t.prefix, concurrency: opts.concurrency ?? 1 },
  );
  return {
    worker,
    jobs,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}

/** Every (method, path) of the running app's router: Fastify's route tree (`printRoutes` with full segments). */
export function routerRoutes(t: TestApi): { method: string; path: string }[] {
  const text: string = t.api.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const out: { method: string; path: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('').replace(/\/{2,}/g, '/');
    for (const method of (m[3] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean))
      out.push({ method, path });
  }
  return out;
}

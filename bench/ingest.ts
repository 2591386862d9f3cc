/**
 * Ingest throughput: samples/s stored in PostgreSQL while GET /runs/:id stays responsive.
 *
 * Starts the API in-process (`startApi` from apps/api) on a fresh test database and Redis prefix, creates a run
 * whose point waits on a pool with no agent (so nothing else writes), then several producers push `sample.batch`
 * events (500 samples × 100 chunk gaps, i.e. 100-token requests) onto the ingest queue as fast as the API absorbs
 * them (each producer keeps a bounded backlog). Over the measured window the stored count comes from the point's
 * `samplesStored` (committed in the same transaction as the rows) and GET /runs/:id is polled every 100 ms for
 * its latency. Prints one JSON object.
 *
 * Run from the repo root (needs `bash infra/services.sh up`):
 *   npx tsx bench/ingest.ts [windowSec=20] [producers=4]
 * env INGEST_CONCURRENCY (default 8) sets the API's ingest worker concurrency.
 */
import os from 'node:os';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { INGEST_QUEUE, type AgentEvent, type RequestSample } from '@inferbench/contracts';
import { loadConfig, startApi } from '@inferbench/api';
import { createTestDatabase, createTestRedis } from '@inferbench/testing';

const WINDOW_SEC = Number(process.argv[2] ?? 20);
const PRODUCERS = Number(process.argv[3] ?? 4);
const WARMUP_SEC = 3;
const BATCH = 500;
const GAPS = 100;
const BACKLOG_BATCHES_PER_PRODUCER = 6;
const TARGET_SAMPLES_PER_SEC = 50_000;
const TARGET_P95_MS = 100;

function makeBatch(shard: number, seq: number): RequestSample[] {
  const out: RequestSample[] = [];
  for (let k = 0; k < BATCH; k++) {
    const idx = seq * BATCH + k;
    const sentUs = idx * 1_000 + shard * 7;
    const gaps = Array.from({ length: GAPS }, (_, g) => 8_000 + ((idx * 31 + g * 17) % 9_000));
    const firstChunkUs = sentUs + 40_000 + (idx % 50) * 1_000;
    out.push({
      idx,
      warmup: false,
      scheduledUs: sentUs - 5,
      sentUs,
      firstChunkUs,
      firstContentUs: firstChunkUs,
      endUs: firstChunkUs + gaps.reduce((a, b) => a + b, 0),
      chunkGapsUs: gaps,
      inputTokens: 256,
      outputTokens: GAPS + 1,
      reasoningTokens: 0,
      tokenSource: 'server',
      httpStatus: 200,
    });
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const redis = createTestRedis();
  const config = loadConfig({
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '16',
    REDIS_URL: redis.url,
    QUEUE_PREFIX: redis.prefix,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    SECRET_KEY: 'ab'.repeat(32),
    NO_AGENT_WAIT_SEC: '86400',
    STALL_TIMEOUT_SEC: '86400',
    INGEST_CONCURRENCY: process.env.INGEST_CONCURRENCY ?? '8',
    LOG_LEVEL: 'warn',
  });
  const api = await startApi(config);
  const conns: Redis[] = [];
  const queues: Queue[] = [];
  try {
    const post = (path: string, body: unknown) =>
      fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const target = await json<{ id: string }>(
      await post('/targets', {
        name: 'bench',
        baseUrl: 'http://127.0.0.1:9/v1',
        apiKind: 'chat',
        model: 'm',
        pool: 'bench-no-agent',
      }),
    );
    const exp = await json<{ id: string }>(
      await post('/experiments', {
        name: 'ingest bench',
        workload: {
          kind: 'synthetic',
          inputTokens: { kind: 'fixed', value: 256 },
          outputTokens: { kind: 'fixed', value: GAPS + 1 },
        },
        loadPlan: { kind: 'concurrency', levels: [64], requests: 10_000_000, seed: 1 },
        variants: [{ targetId: target.id, label: 'v', params: { maxTokens: GAPS + 1 } }],
      }),
    );
    const run = await json<{ id: string; loadPoints: { id: string }[] }>(
      await post(`/experiments/${exp.id}/runs`, {}),
    );
    const loadPointId = run.loadPoints[0]!.id;

    let stop = false;
    const producers = Array.from({ length: PRODUCERS }, async (_, shard) => {
      const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
      conns.push(conn);
      const q = new Queue(INGEST_QUEUE, { connection: conn, prefix: redis.prefix });
      queues.push(q);
      // one template batch per producer; each send gets its own idx range (shallow copies share the gap arrays)
      const template = makeBatch(shard, 0);
      const inFlight = new Set<Promise<unknown>>();
      let seq = 0;
      while (!stop) {
        const counts = await q.getJobCounts('waiting', 'active');
        const backlog = (counts.waiting ?? 0) + (counts.active ?? 0);
        if (backlog >= BACKLOG_BATCHES_PER_PRODUCER * PRODUCERS) {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        const event: AgentEvent = {
          v: 1,
          type: 'sample.batch',
          runId: run.id,
          loadPointId,
          shardIndex: shard,
          attempt: 0,
          agentId: `bench-${shard}`,
          ts: Date.now(),
          batchSeq: seq,
          samples: template.map((t, k) => ({ ...t, idx: seq * BATCH + k })),
        };
        seq++;
        const p = q.add('sample.batch', event, { removeOnComplete: true, removeOnFail: 100 });
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        if (inFlight.size >= 2) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    });

    const stored = async (): Promise<number> => {
      const r = await json<{ loadPoints: { samplesStored: number }[] }>(
        await fetch(`${api.url}/runs/${run.id}`),
      );
      return r.loadPoints[0]!.samplesStored;
    };
    await new Promise((r) => setTimeout(r, WARMUP_SEC * 1000));
    const t0 = performance.now();
    const n0 = await stored();
    const latenciesMs: number[] = [];
    while (performance.now() - t0 < WINDOW_SEC * 1000) {
      const s = performance.now();
      await stored();
      latenciesMs.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, 100));
    }
    const n1 = await stored();
    const elapsedSec = (performance.now() - t0) / 1000;
    stop = true;
    await Promise.all(producers);

    latenciesMs.sort((a, b) => a - b);
    const samplesPerSec = (n1 - n0) / elapsedSec;
    const p95 = percentile(latenciesMs, 95);
    process.stdout.write(
      `${JSON.stringify({
        benchmark: 'ingest',
        figure: {
          samplesPerSec: Math.round(samplesPerSec),
          getRunP95Ms: Number(p95.toFixed(1)),
          getRunP50Ms: Number(percentile(latenciesMs, 50).toFixed(1)),
        },
        target: { samplesPerSec: TARGET_SAMPLES_PER_SEC, getRunP95Ms: TARGET_P95_MS },
        met: samplesPerSec >= TARGET_SAMPLES_PER_SEC && p95 < TARGET_P95_MS,
        details: {
          windowSec: Number(elapsedSec.toFixed(2)),
          storedInWindow: n1 - n0,
          batchSamples: BATCH,
          chunkGapsPerSample: GAPS,
          producers: PRODUCERS,
          ingestConcurrency: config.ingest.concurrency,
          getRunPolls: latenciesMs.length,
          note: 'API, producers and PostgreSQL share this machine',
        },
        machine: {
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model,
          node: process.version,
          loadavg: os.loadavg(),
        },
      })}\n`,
    );
  } finally {
    await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
    for (const c of conns) c.disconnect();
    await api.close();
    await redis.cleanup().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);

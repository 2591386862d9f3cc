/**
 * Ingest throughput: samples/s stored in PostgreSQL while GET /runs/:id stays responsive.
 *
 * Starts the API in-process (`startApi` from apps/api) on a fresh test database and Redis prefix, creates a run
 * whose point waits on a pool with no agent (so nothing else writes) and an agent credential of that pool (through
 * the API, with the bootstrap token), then several producers push signed `sample.batch` events (500 samples × 100
 * chunk gaps, i.e. 100-token requests) onto the ingest queue as fast as the API absorbs them (the queue's backlog stays
 * bounded). Batches travel as agents send them, `columnar-v2` (compact, the default), or as `json-v1` (an older
 * agent) for comparison. The producers run in a forked child process (bench/lib/ingest-producer.ts, one template
 * batch per shard built once, signed with the agent's own signer) so their work does not share the API's event loop.
 * Over the measured window the stored count comes from the point's `samplesStored` (committed in the same transaction
 * as the rows) and GET /runs/:id is polled every 100 ms for its latency. Prints one JSON object, with the bytes per
 * sample of one job in each encoding and the load average before and after.
 *
 * Run from the repo root (needs `bash infra/services.sh up`):
 *   npx tsx --tsconfig apps/api/tsconfig.json bench/ingest.ts [windowSec=20] [producers=4] [columnar-v2|json-v1]
 * env INGEST_CONCURRENCY (default 4, the API's own default) sets the API's ingest worker concurrency.
 * env INFERBENCH_METRICS=0 turns the API's own Prometheus metrics off (default on: the ingest counters, batch and HTTP
 * latency histograms are recorded and the metrics listener is scraped every 5 s, as Prometheus would); compare the
 * two to measure the metrics' overhead.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadConfig, startApi } from '@inferbench/api';
import { percentileOfSorted } from '@inferbench/metrics';
import { createTestDatabase, createTestRedis, freePort } from '@inferbench/testing';
import { SAMPLE_BATCH_ENCODINGS, type SampleBatchEncoding } from '@inferbench/contracts';
import {
  PRODUCER_CHILD_FLAG,
  type ProducerReady,
  type ProducerStart,
  type ProducerStopped,
} from './lib/ingest-producer.js';

const WINDOW_SEC = Number(process.argv[2] ?? 20);
const PRODUCERS = Number(process.argv[3] ?? 4);
const ENCODING = (process.argv[4] ?? 'columnar-v2') as SampleBatchEncoding;
if (!SAMPLE_BATCH_ENCODINGS.includes(ENCODING)) throw new Error(`unknown encoding ${ENCODING}`);
const POOL = 'bench-no-agent';
const WARMUP_SEC = 3;
const BATCH = 500;
const GAPS = 100;
const BACKLOG_BATCHES_PER_PRODUCER = 6;
const TARGET_SAMPLES_PER_SEC = 80_000;
const TARGET_P95_MS = 100;
const METRICS_SCRAPE_MS = 5000;
/** admin bearer token of this in-process API (the routes need a credential) */
const BENCH_TOKEN = 'ingest-bench-bootstrap-token-0123456789';
const AUTH = { authorization: `Bearer ${BENCH_TOKEN}` };

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function main(): Promise<void> {
  const loadavgBefore = os.loadavg();
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
    INGEST_CONCURRENCY: process.env.INGEST_CONCURRENCY ?? '4',
    INFERBENCH_METRICS: process.env.INFERBENCH_METRICS ?? '1',
    METRICS_PORT: String(await freePort()),
    INFERBENCH_BOOTSTRAP_TOKEN: BENCH_TOKEN,
    LOG_LEVEL: 'warn',
  });
  const api = await startApi(config);
  let killProducer = (): void => undefined;
  try {
    const post = (path: string, body: unknown) =>
      fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...AUTH },
        body: JSON.stringify(body),
      });
    const target = await json<{ id: string }>(
      await post('/targets', {
        name: 'bench',
        baseUrl: 'http://127.0.0.1:9/v1',
        apiKind: 'chat',
        model: 'm',
        pool: POOL,
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
    // the producers sign as an agent of the point's pool (the API drops unsigned events)
    const { token: agentToken } = await json<{ token: string }>(
      await post('/agent-credentials', { pool: POOL, name: 'ingest-bench' }),
    );

    // the producers live in a child process: their JSON building/serializing must not share the API's event loop
    const producer = fork(
      fileURLToPath(new URL('./lib/ingest-producer.ts', import.meta.url)),
      [PRODUCER_CHILD_FLAG],
      {
        execArgv: process.execArgv,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const fromProducer = <T>(type: string): Promise<T> =>
      new Promise((resolve, reject) => {
        const onExit = (code: number | null): void => reject(new Error(`ingest producer exited (${code})`));
        const onMsg = (m: { type: string }): void => {
          if (m.type !== type) return;
          producer.off('message', onMsg);
          producer.off('exit', onExit);
          resolve(m as T);
        };
        producer.on('message', onMsg);
        producer.once('exit', onExit);
      });
    killProducer = () => producer.kill();
    const ready = fromProducer<ProducerReady>('ready');
    const start: ProducerStart = {
      type: 'start',
      redisUrl: redis.url,
      prefix: redis.prefix,
      runId: run.id,
      loadPointId,
      producers: PRODUCERS,
      batchSamples: BATCH,
      gapsPerSample: GAPS,
      maxBacklogBatches: BACKLOG_BATCHES_PER_PRODUCER * PRODUCERS,
      agentToken,
      encoding: ENCODING,
    };
    producer.send(start);
    const { jobBytesPerSample } = await ready;
    const apiCpu0 = process.cpuUsage();

    const stored = async (): Promise<number> => {
      const r = await json<{ loadPoints: { samplesStored: number }[] }>(
        await fetch(`${api.url}/runs/${run.id}`, { headers: AUTH }),
      );
      return r.loadPoints[0]!.samplesStored;
    };
    await new Promise((r) => setTimeout(r, WARMUP_SEC * 1000));
    const t0 = performance.now();
    const n0 = await stored();
    const latenciesMs: number[] = [];
    let metricsScrapes = 0;
    let lastScrape = performance.now();
    while (performance.now() - t0 < WINDOW_SEC * 1000) {
      const s = performance.now();
      await stored();
      latenciesMs.push(performance.now() - s);
      if (api.metricsUrl && s - lastScrape >= METRICS_SCRAPE_MS) {
        lastScrape = s;
        const res = await fetch(api.metricsUrl);
        if (!res.ok) throw new Error(`metrics scrape: ${res.status}`);
        await res.text();
        metricsScrapes++;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const n1 = await stored();
    const elapsedSec = (performance.now() - t0) / 1000;
    const apiCpu = process.cpuUsage(apiCpu0);
    const stopped = fromProducer<ProducerStopped>('stopped');
    const exited = new Promise((r) => producer.once('exit', r));
    producer.send({ type: 'stop' });
    const producerReport = await stopped;
    await exited; // the child exits by itself once it has reported

    latenciesMs.sort((a, b) => a - b);
    const samplesPerSec = (n1 - n0) / elapsedSec;
    const p95 = percentileOfSorted(latenciesMs, 95);
    process.stdout.write(
      `${JSON.stringify({
        benchmark: 'ingest',
        figure: {
          samplesPerSec: Math.round(samplesPerSec),
          getRunP95Ms: Number(p95.toFixed(1)),
          getRunP50Ms: Number(percentileOfSorted(latenciesMs, 50).toFixed(1)),
        },
        target: { samplesPerSec: TARGET_SAMPLES_PER_SEC, getRunP95Ms: TARGET_P95_MS },
        met: samplesPerSec >= TARGET_SAMPLES_PER_SEC && p95 < TARGET_P95_MS,
        details: {
          encoding: ENCODING,
          // one signed job's data as stored in Redis, per sample, in each encoding (the run used `encoding`)
          jobBytesPerSample: {
            'json-v1': Math.round(jobBytesPerSample['json-v1']),
            'columnar-v2': Math.round(jobBytesPerSample['columnar-v2']),
          },
          windowSec: Number(elapsedSec.toFixed(2)),
          storedInWindow: n1 - n0,
          batchSamples: BATCH,
          chunkGapsPerSample: GAPS,
          producers: PRODUCERS,
          ingestConcurrency: config.ingest.concurrency,
          metrics: config.metrics.enabled,
          metricsScrapes,
          getRunPolls: latenciesMs.length,
          // CPU over warm-up + window (cores = CPU seconds / wall seconds); PostgreSQL and Redis come on top
          apiProcessCores: Number(
            ((apiCpu.user + apiCpu.system) / 1e6 / (WARMUP_SEC + elapsedSec)).toFixed(2),
          ),
          producerProcessCores: Number((producerReport.cpuUs / 1e6 / (WARMUP_SEC + elapsedSec)).toFixed(2)),
          note: 'producers run in a child process; API, producers, PostgreSQL and Redis share this machine',
        },
        machine: {
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model,
          node: process.version,
          loadavgBefore,
          loadavgAfter: os.loadavg(),
        },
      })}\n`,
    );
  } finally {
    killProducer();
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

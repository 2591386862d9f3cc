/**
 * Our own Prometheus metrics over the real PostgreSQL and Redis: the separate metrics listener serves runs by status,
 * queue depth and oldest-job age of a `load.<pool>` queue with a waiting job, ingest counters and batch latency after
 * real sample batches went through the ingest queue, the SSE client gauge while a live stream is open, and HTTP latency
 * labelled by the route pattern (never the raw URL). The API's own router does not serve /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadQueueName, LoadPointJobSchema, type LoadPointJob } from '@inferbench/contracts';
import { parsePrometheusText, type PromSample } from '@inferbench/telemetry';
import { freePort } from '@inferbench/testing';
import {
  agentEvents,
  announceAgent,
  experimentBody,
  makeSamples,
  sendEvents,
  startTestApi,
  targetBody,
  waitFor,
  type TestApi,
} from './helpers.js';

const POOL = 'pool-metrics';

let t: TestApi;
let metricsUrl: string;
beforeAll(async () => {
  t = await startTestApi({ METRICS_PORT: String(await freePort()) });
  metricsUrl = t.api.metricsUrl!;
});
afterAll(async () => {
  await t?.close();
});

async function scrape(url = metricsUrl): Promise<PromSample[]> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const parsed = parsePrometheusText(await res.text());
  expect(parsed.errors).toEqual([]);
  return [...parsed.families.values()].flatMap((f) => f.samples);
}

/** The value of the one sample with this name whose labels include `labels`; undefined when none. */
function value(samples: PromSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  expect(hits.length, `${name} ${JSON.stringify(labels)} matches one sample`).toBeLessThanOrEqual(1);
  return hits[0]?.value;
}

/** A run whose only load point waits on `load.<POOL>` (no agent takes it). */
async function startWaitingRun(): Promise<{ runId: string; job: LoadPointJob }> {
  await announceAgent(t, 'agent-metrics', POOL);
  const target = await t.client.createTarget(targetBody('metrics-target', { pool: POOL }));
  const exp = await t.client.createExperiment(
    experimentBody([target.id], {
      name: 'metrics',
      loadPlan: { kind: 'concurrency', levels: [1], requests: 100, seed: 1 },
    }),
  );
  const run = await t.client.startRun(exp.id);
  const job = await waitFor('the job on the pool queue', async () => {
    const jobs = await t.queue(loadQueueName(POOL)).getJobs(['waiting']);
    return jobs.map((j) => LoadPointJobSchema.parse(j.data)).find((j) => j.runId === run.id);
  });
  return { runId: run.id, job };
}

describe('metrics listener', () => {
  it('is a separate listener on METRICS_PORT; the API router has no /metrics', async () => {
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(metricsUrl).port).toBe(String(t.config.metrics.port));
    expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
    expect((await fetch(new URL('/other', metricsUrl))).status).toBe(404);
    const samples = await scrape();
    // prom-client's default process metrics ride along
    expect(value(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(value(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('reports runs, queues, ingest, SSE clients and HTTP latency by route pattern', async () => {
    const { runId, job } = await startWaitingRun();

    // real requests through the router: matched (200 and 404 on one pattern) and unmatched
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
    expect((await t.fetch(`${t.url}/runs/${runId}`)).status).toBe(200);
    expect((await t.fetch(`${t.url}/runs/no-such-run`)).status).toBe(404);
    expect((await fetch(`${t.url}/no/such/route`)).status).toBe(404);

    // two new batches and one redelivered: 10 samples stored, one duplicate ignored
    await sendEvents(t, [
      agentEvents.batch(job, 0, makeSamples(5, 0)),
      agentEvents.batch(job, 1, makeSamples(5, 5)),
      agentEvents.batch(job, 0, makeSamples(5, 0)),
    ]);
    await waitFor('the three batches handled', async () => {
      const s = await scrape();
      return (value(s, 'inferbench_ingest_batch_duration_seconds_count', { outcome: 'duplicate' }) ?? 0) >=
        1 && (value(s, 'inferbench_ingest_batch_duration_seconds_count', { outcome: 'stored' }) ?? 0) >= 2
        ? s
        : undefined;
    });
    expect(await t.prisma.requestSample.count({ where: { loadPointId: job.loadPointId } })).toBe(10);

    // a live SSE client
    const sse = new AbortController();
    const stream = await t.fetch(`${t.url}/runs/${runId}/events`, { signal: sse.signal });
    const reader = stream.body!.getReader();
    await reader.read(); // the snapshot event: the stream is open

    // runs and queues are collected at scrape time with a short cache (OPS_METRICS_CACHE_MS): wait for a fresh one
    const s = await waitFor('a collection that sees the run', async () => {
      const x = await scrape();
      return value(x, 'inferbench_runs', { status: 'queued' }) === 1 ? x : undefined;
    });
    expect(value(s, 'inferbench_ingest_samples_stored_total')).toBe(10);
    expect(value(s, 'inferbench_ingest_batches_total', { outcome: 'stored' })).toBe(2);
    expect(value(s, 'inferbench_ingest_batches_total', { outcome: 'duplicate' })).toBe(1);
    const batchSum = value(s, 'inferbench_ingest_batch_duration_seconds_sum', { outcome: 'stored' })!;
    expect(batchSum).toBeGreaterThan(0);
    expect(batchSum).toBeLessThan(10);

    expect(value(s, 'inferbench_runs', { status: 'completed' })).toBe(0);

    const queue = { queue: loadQueueName(POOL), pool: POOL };
    expect(value(s, 'inferbench_queue_jobs', { ...queue, state: 'waiting' })).toBe(1);
    expect(value(s, 'inferbench_queue_jobs', { ...queue, state: 'active' })).toBe(0);
    const age = value(s, 'inferbench_queue_oldest_waiting_age_seconds', queue)!;
    expect(age).toBeGreaterThan(0);
    expect(age).toBeLessThan(120);
    // the ingest queue is reported too (drained by now)
    expect(value(s, 'inferbench_queue_jobs', { queue: 'ingest', pool: '', state: 'waiting' })).toBe(0);

    expect(value(s, 'inferbench_sse_clients')).toBe(1);

    const http = (route: string, method: string, status: string) =>
      value(s, 'inferbench_http_request_duration_seconds_count', { route, method, status });
    expect(http('/health', 'GET', '200')).toBeGreaterThanOrEqual(1);
    expect(http('/runs/:id', 'GET', '200')).toBe(1);
    expect(http('/runs/:id', 'GET', '404')).toBe(1);
    expect(http('unmatched', 'GET', '404')).toBeGreaterThanOrEqual(1); // also the first test's GET /metrics
    expect(http('/experiments/:id/runs', 'POST', '201')).toBe(1);
    const routes = new Set(
      s
        .filter((x) => x.name.startsWith('inferbench_http_request_duration_seconds'))
        .map((x) => x.labels.route),
    );
    // only patterns: no run id, no raw unmatched path
    expect(
      [...routes].filter((r) => r?.includes(runId) || r?.includes('no-such') || r?.includes('/no/')),
    ).toEqual([]);

    sse.abort();
    await waitFor('the SSE gauge back to 0', async () =>
      value(await scrape(), 'inferbench_sse_clients') === 0 ? true : undefined,
    );
  });
});

describe('metrics settings', () => {
  it('a taken METRICS_PORT costs the listener, not the API; INFERBENCH_METRICS=0 starts none', async () => {
    const taken = await startTestApi({ METRICS_PORT: String(t.config.metrics.port) });
    const off = await startTestApi({ INFERBENCH_METRICS: '0', METRICS_PORT: String(await freePort()) });
    try {
      expect(taken.api.metricsUrl).toBeUndefined();
      expect((await fetch(`${taken.url}/health`)).status).toBe(200);
      expect(off.api.metricsUrl).toBeUndefined();
      await expect(fetch(`http://127.0.0.1:${off.config.metrics.port}/metrics`)).rejects.toThrow();
      expect((await fetch(`${off.url}/health`)).status).toBe(200);
    } finally {
      await Promise.all([taken.close(), off.close()]);
    }
  });
});

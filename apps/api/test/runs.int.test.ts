import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from '@inferbench/api-client';
import {
  cancelKey,
  INGEST_QUEUE,
  loadPointJobId,
  loadQueueName,
  LoadPointJobSchema,
  type LoadPointJob,
  type Run,
  type RunStreamEvent,
} from '@inferbench/contracts';
import {
  agentEvents,
  announceAgent,
  experimentBody,
  makeSamples,
  sendEvents,
  startTestApi,
  targetBody,
  TEST_BOOTSTRAP_TOKEN,
  waitFor,
  type TestApi,
} from './helpers.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
  await announceAgent(t, 'fake-agent');
});
afterAll(async () => {
  await t?.close();
});

/** Jobs waiting in a pool's queue, parsed as the agent would. */
async function waitingJobs(pool = 'default'): Promise<LoadPointJob[]> {
  const jobs = await t.queue(loadQueueName(pool)).getJobs(['waiting', 'prioritized', 'delayed']);
  return jobs.map((j) => LoadPointJobSchema.parse(j.data));
}

/** Play an agent picking up the only waiting job of a pool: take it off the queue and return its payload. */
async function takeJob(pool: string, loadPointId?: string): Promise<LoadPointJob> {
  const job = await waitFor(`a job on ${pool}`, async () =>
    (await waitingJobs(pool)).find((j) => !loadPointId || j.loadPointId === loadPointId),
  );
  await t.queue(loadQueueName(pool)).remove(loadPointJobId(job.loadPointId, job.shard.index));
  return job;
}

async function runWhere(id: string, pred: (r: Run) => boolean, what: string): Promise<Run> {
  return waitFor(what, async () => {
    const r = await t.client.getRun(id);
    return pred(r) ? r : null;
  });
}

describe('starting a run', () => {
  it('freezes the spec, creates variants × levels load points and enqueues the first point of each target chain', async () => {
    const a = await t.client.createTarget(
      targetBody('start-a', {
        apiKey: 'sk-start',
        pool: 'pool-start',
        metricsUrl: 'http://127.0.0.1:9/metrics',
      }),
    );
    const b = await t.client.createTarget(
      targetBody('start-b', {
        pool: 'pool-start',
        connection: 'close',
        tokenizer: { path: '/models/m1/tokenizer.json' },
      }),
    );
    // v0 and v1 share target a (one chain), v2 is on target b (its own chain)
    const body = experimentBody([a.id, a.id, b.id], {
      name: 'start',
      loadPlan: {
        kind: 'rate',
        levels: [1, 2.5],
        arrival: 'poisson',
        requests: 20,
        seed: 42,
        warmup: { requests: 2 },
      },
      slo: { ttftMs: 200, percentile: 99 },
    });
    const exp = await t.client.createExperiment(body);
    const run = await t.client.startRun(exp.id, { trigger: 'ci', metadata: { gitSha: 'deadbeef' } });

    expect(run).toMatchObject({
      experimentId: exp.id,
      experimentName: 'start',
      status: 'queued',
      trigger: 'ci',
      metadata: { gitSha: 'deadbeef' },
      error: null,
    });
    expect(run.loadPoints.map((p) => [p.ordinal, p.variantLabel, p.levelLabel, p.status])).toEqual([
      [0, 'v0', 'r=1/s', 'queued'],
      [1, 'v0', 'r=2.5/s', 'queued'],
      [2, 'v1', 'r=1/s', 'queued'],
      [3, 'v1', 'r=2.5/s', 'queued'],
      [4, 'v2', 'r=1/s', 'queued'],
      [5, 'v2', 'r=2.5/s', 'queued'],
    ]);
    expect(run.loadPoints[1]!.level).toEqual({ kind: 'rate', rate: 2.5, arrival: 'poisson' });
    // the frozen spec has the targets without secrets
    const spec = run.spec as { variants: { target: Record<string, unknown> }[]; loadPlan: unknown };
    expect(spec.variants[0]!.target).toMatchObject({ id: a.id, pool: 'pool-start', hasApiKey: true });
    expect(JSON.stringify(run.spec)).not.toContain('sk-start');
    expect(spec.loadPlan).toMatchObject({ kind: 'rate', levels: [1, 2.5] });
    const row = await t.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    expect(row.enqueuedAt).not.toBeNull();

    const jobs = await waitingJobs('pool-start');
    expect(jobs.map((j) => j.loadPointId).sort()).toEqual(
      [run.loadPoints[0]!.id, run.loadPoints[4]!.id].sort(),
    );
    const first = jobs.find((j) => j.loadPointId === run.loadPoints[0]!.id)!;
    expect(first).toEqual({
      v: 1,
      runId: run.id,
      loadPointId: run.loadPoints[0]!.id,
      shard: { index: 0, count: 1 },
      target: {
        baseUrl: 'http://127.0.0.1:9/v1',
        apiKind: 'chat',
        model: 'm1',
        headers: {},
        apiKeyFromApi: true,
        metricsUrl: 'http://127.0.0.1:9/metrics',
      },
      params: { maxTokens: 8 },
      workload: body.workload,
      load: { kind: 'rate', rate: 1, arrival: 'poisson' },
      requests: 20,
      warmup: { requests: 2 },
      limits: { maxDurationSec: 600 },
      slo: { ttftMs: 200, percentile: 99 },
      seed: 42,
      batchSize: 500,
      attempt: 0,
    });
    const jobB = jobs.find((j) => j.loadPointId === run.loadPoints[4]!.id)!;
    expect(jobB.target).not.toHaveProperty('apiKey');
    // the target's connection mode and tokenizer setting are frozen into the spec and travel with its jobs
    expect(spec.variants[2]!.target).toMatchObject({
      id: b.id,
      connection: 'close',
      tokenizer: { path: '/models/m1/tokenizer.json' },
    });
    expect(spec.variants[0]!.target).not.toHaveProperty('tokenizer');
    expect(jobB.target).toMatchObject({
      connection: 'close',
      tokenizer: { path: '/models/m1/tokenizer.json' },
    });
    const bullJob = await t
      .queue(loadQueueName('pool-start'))
      .getJob(loadPointJobId(run.loadPoints[0]!.id, 0));
    expect(bullJob?.name).toBe('loadpoint.execute');

    // the experiment shows the run; editing the experiment later does not change the frozen run
    expect((await t.client.getExperiment(exp.id)).recentRuns[0]).toMatchObject({
      id: run.id,
      status: 'queued',
    });
    await t.client.updateExperiment(exp.id, {
      loadPlan: { kind: 'concurrency', levels: [9], requests: 1, seed: 1 },
    });
    expect((await t.client.getRun(run.id)).spec).toEqual(run.spec);

    await t.client.cancelRun(run.id);
  });

  it('answers 404 for an unknown experiment, run or load point', async () => {
    for (const call of [
      () => t.client.startRun('nope'),
      () => t.client.getRun('nope'),
      () => t.client.cancelRun('nope'),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(404);
      expect((err as ApiError).code).toBe('NOT_FOUND');
    }
    const res = await t.fetch(t.client.samplesUrl('nope'));
    expect(res.status).toBe(404);
    expect((await t.fetch(`${t.url}/runs/nope/events`)).status).toBe(404);
  });
});

describe('ingest and finalization', () => {
  it('moves the chain on as points finish, stores a re-sent batch once, and completes the run with summaries', async () => {
    const target = await t.client.createTarget(targetBody('ingest-a', { pool: 'pool-ingest' }));
    const exp = await t.client.createExperiment(
      experimentBody([target.id], { name: 'ingest', slo: { ttftMs: 1000, percentile: 99 } }),
    );
    const run = await t.client.startRun(exp.id);
    const [p0, p1] = run.loadPoints;
    expect((await waitingJobs('pool-ingest')).map((j) => j.loadPointId)).toEqual([p0!.id]);
    const job0 = await takeJob('pool-ingest', p0!.id);

    await sendEvents(t, [agentEvents.started(job0)]);
    const running = await runWhere(run.id, (r) => r.status === 'running', 'run running');
    expect(running.loadPoints[0]!.status).toBe('running');
    expect(running.loadPoints[0]!.startedAt).not.toBeNull();

    // batch 0 delivered twice (e.g. the agent retried after a lost ack), then batch 1
    const batch0 = agentEvents.batch(job0, 0, makeSamples(5, 0));
    await sendEvents(t, [batch0, batch0, agentEvents.batch(job0, 1, makeSamples(3, 5))]);
    await runWhere(run.id, (r) => r.loadPoints[0]!.samplesStored === 8, '8 samples stored');
    expect(await t.prisma.requestSample.count({ where: { loadPointId: p0!.id } })).toBe(8);
    expect(await t.prisma.ingestBatch.count({ where: { loadPointId: p0!.id } })).toBe(2);
    // not finalized before the finished event, and the next point is not enqueued yet
    expect((await t.client.getRun(run.id)).loadPoints[0]!.summary).toBeNull();
    expect((await waitingJobs('pool-ingest')).map((j) => j.loadPointId)).toEqual([]);

    await sendEvents(t, [agentEvents.finished(job0, 2)]);
    const after0 = await runWhere(
      run.id,
      (r) => r.loadPoints[0]!.status === 'completed',
      'point 0 completed',
    );
    const sum = after0.loadPoints[0]!.summary!;
    expect(sum.requests).toMatchObject({ total: 8, succeeded: 8, failed: 0 });
    expect(sum.latency.ttftMs!.count).toBe(8);
    expect(sum.sloAttainmentPct).toBe(100);
    expect(after0.status).toBe('running');
    // a re-delivered duplicate after finalization changes nothing
    await sendEvents(t, [batch0]);
    const job1 = await takeJob('pool-ingest', p1!.id);

    // point 1: the finished event arrives BEFORE its last batch; finalization waits for the batch
    await sendEvents(t, [
      agentEvents.started(job1),
      agentEvents.batch(job1, 0, makeSamples(4, 0)),
      agentEvents.finished(job1, 2),
    ]);
    await runWhere(run.id, (r) => r.loadPoints[1]!.samplesStored === 4, 'point 1 first batch');
    expect((await t.client.getRun(run.id)).loadPoints[1]!.status).toBe('running');
    await sendEvents(t, [agentEvents.batch(job1, 1, makeSamples(4, 4))]);
    const done = await runWhere(run.id, (r) => r.status === 'completed', 'run completed');
    expect(done.loadPoints.map((p) => [p.status, p.samplesStored, p.summary?.requests.total])).toEqual([
      ['completed', 8, 8],
      ['completed', 8, 8],
    ]);
    expect(await t.prisma.requestSample.count({ where: { loadPointId: p0!.id } })).toBe(8);
    expect(done.finishedAt).not.toBeNull();

    // raw samples download: JSONL and CSV
    const jsonl = await (await t.fetch(t.client.samplesUrl(p0!.id, 'jsonl'))).text();
    const lines = jsonl
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { idx: number; shardIndex: number; chunkGapsUs: number[] });
    expect(lines.map((l) => l.idx)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(lines[0]).toMatchObject({ shardIndex: 0, chunkGapsUs: makeSamples(1)[0]!.chunkGapsUs });
    const csvRes = await t.fetch(t.client.samplesUrl(p0!.id, 'csv'));
    expect(csvRes.headers.get('content-type')).toContain('text/csv');
    const csv = (await csvRes.text()).trim().split('\n');
    expect(csv[0]!.split(',').slice(0, 3)).toEqual(['shardIndex', 'idx', 'warmup']);
    expect(csv).toHaveLength(9);

    const again = await t.client.cancelRun(run.id).catch((e: unknown) => e);
    expect((again as ApiError).status).toBe(409);
    expect((again as ApiError).code).toBe('CONFLICT');
  });

  it('fails the run naming the failed point and its reason; invalid events are dropped', async () => {
    const target = await t.client.createTarget(targetBody('ingest-fail', { pool: 'pool-fail' }));
    const exp = await t.client.createExperiment(
      experimentBody([target.id], {
        name: 'fails',
        loadPlan: { kind: 'concurrency', levels: [2], requests: 5, seed: 1 },
      }),
    );
    const run = await t.client.startRun(exp.id);
    const job = await takeJob('pool-fail');
    // garbage on the ingest queue must not break the consumer
    await t.queue(INGEST_QUEUE).add('bogus', { type: 'sample.batch', hello: 'world' });
    await sendEvents(t, [
      agentEvents.started(job),
      agentEvents.batch(job, 0, makeSamples(2)),
      agentEvents.finished(job, 1, 'failed', 'error rate 0.9 exceeded maxErrorRate 0.5'),
    ]);
    const failed = await runWhere(run.id, (r) => r.status === 'failed', 'run failed');
    expect(failed.error).toBe(
      "load point c=2 of variant 'v0' failed: error rate 0.9 exceeded maxErrorRate 0.5",
    );
    expect(failed.loadPoints[0]).toMatchObject({
      status: 'failed',
      error: 'error rate 0.9 exceeded maxErrorRate 0.5',
    });
    expect(failed.loadPoints[0]!.summary?.requests.total).toBe(2);
  });
});

describe('status that tells the truth', () => {
  /** A failed measured request of class `errorClass` (times in µs). */
  const failedSample = (
    idx: number,
    errorClass: 'connect' | 'http',
    errorMessage: string,
    warmup = false,
  ) => ({
    ...makeSamples(1, idx)[0]!,
    warmup,
    firstChunkUs: undefined,
    firstContentUs: undefined,
    endUs: idx * 10_000 + 300,
    chunkGapsUs: [],
    outputTokens: 0,
    httpStatus: errorClass === 'http' ? 503 : 0,
    errorClass,
    errorMessage,
  });

  it('marks a point above maxErrorRate, counts failures in SLO attainment, fails a point where every request failed', async () => {
    const target = await t.client.createTarget(targetBody('truth', { pool: 'pool-truth' }));
    const exp = await t.client.createExperiment(
      experimentBody([target.id], {
        name: 'truth',
        loadPlan: { kind: 'concurrency', levels: [1, 2], requests: 4, seed: 1, maxErrorRate: 0.2 },
        slo: { ttftMs: 1000, percentile: 99 },
      }),
    );
    const run = await t.client.startRun(exp.id);
    const [p0, p1] = run.loadPoints;

    // point 0: 3 successes, 1 HTTP failure → error rate 25 % > 20 %; attainment 3 / 4, not 3 / 3
    const job0 = await takeJob('pool-truth', p0!.id);
    await sendEvents(t, [
      agentEvents.started(job0),
      agentEvents.batch(job0, 0, [...makeSamples(3, 0), failedSample(3, 'http', 'HTTP 503: overloaded')]),
      agentEvents.finished(job0, 1),
    ]);
    const after0 = await runWhere(
      run.id,
      (r) => r.loadPoints[0]!.status !== 'running' && r.loadPoints[0]!.summary !== null,
      'point 0 done',
    );
    expect(after0.loadPoints[0]!.status).toBe('completed');
    const s0 = after0.loadPoints[0]!.summary!;
    expect(s0.errorRate).toBe(0.25);
    expect(s0.sloAttainmentPct).toBe(75);
    expect(s0.errorRateExceeded).toEqual({ errorRate: 0.25, maxErrorRate: 0.2 });
    expect(s0.warnings).toEqual([
      'error rate 25.0 % exceeds maxErrorRate 20.0 % (1 of 4 requests failed: http 1)',
    ]);

    // point 1: the engine completed, but no measured request succeeded (a failed warm-up request is not counted)
    const job1 = await takeJob('pool-truth', p1!.id);
    await sendEvents(t, [
      agentEvents.started(job1),
      agentEvents.batch(job1, 0, [
        failedSample(0, 'connect', 'warm-up message', true),
        failedSample(1, 'http', 'HTTP 502: bad gateway'),
        failedSample(2, 'connect', 'connect ECONNREFUSED 127.0.0.1:9'),
        failedSample(3, 'connect', 'connect ECONNREFUSED 127.0.0.1:9 (later)'),
        failedSample(4, 'connect', 'connect ECONNREFUSED 127.0.0.1:9 (later)'),
      ]),
      agentEvents.finished(job1, 1),
    ]);
    const done = await runWhere(run.id, (r) => r.status === 'failed', 'run failed');
    const reason = 'all 4 requests failed: connect (connect ECONNREFUSED 127.0.0.1:9); also http 1';
    expect(done.loadPoints[1]).toMatchObject({ status: 'failed', error: reason });
    expect(done.error).toBe(`load point c=2 of variant 'v0' failed: ${reason}`);
    expect(done.loadPoints[1]!.summary).toMatchObject({
      requests: { succeeded: 0, failed: 4, warmup: 1 },
      sloAttainmentPct: 0,
      errorRateExceeded: { errorRate: 1, maxErrorRate: 0.2 },
    });
  });
});

describe('cancel', () => {
  it('cancels at once, removes waiting jobs, tells agents, and still stores late samples with a partial summary', async () => {
    const a = await t.client.createTarget(targetBody('cancel-a', { pool: 'pool-cancel' }));
    const b = await t.client.createTarget(targetBody('cancel-b', { pool: 'pool-cancel' }));
    const exp = await t.client.createExperiment(experimentBody([a.id, b.id], { name: 'cancel' }));
    const run = await t.client.startRun(exp.id);
    const jobs = await waitingJobs('pool-cancel');
    expect(jobs).toHaveLength(2);
    // one job is being executed by an agent (taken off the queue), the other still waits
    const active = await takeJob('pool-cancel', run.loadPoints[0]!.id);
    await sendEvents(t, [agentEvents.started(active), agentEvents.batch(active, 0, makeSamples(3))]);
    await runWhere(run.id, (r) => r.loadPoints[0]!.samplesStored === 3, 'samples before cancel');

    const sub = t.redis.duplicate();
    const messages: string[] = [];
    await sub.subscribe(`${t.prefix}:cancel`);
    sub.on('message', (_c: string, m: string) => messages.push(m));

    const cancelled = await t.client.cancelRun(run.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.finishedAt).not.toBeNull();
    expect(cancelled.loadPoints.every((p) => p.status === 'cancelled')).toBe(true);
    expect(await t.redis.get(cancelKey(t.prefix, run.id))).toBe('1');
    expect(await t.redis.ttl(cancelKey(t.prefix, run.id))).toBeGreaterThan(3600);
    await waitFor('cancel broadcast', async () => messages.length > 0);
    expect(JSON.parse(messages[0]!)).toEqual({ runId: run.id });
    expect(await waitingJobs('pool-cancel')).toEqual([]);
    await sub.quit();

    // the agent stops: a late batch and its finished(cancelled) still count; the point keeps `cancelled`
    await sendEvents(t, [
      agentEvents.batch(active, 1, makeSamples(2, 3)),
      agentEvents.finished(active, 2, 'cancelled', 'run cancelled'),
    ]);
    const late = await runWhere(run.id, (r) => r.loadPoints[0]!.summary !== null, 'partial summary');
    expect(late.status).toBe('cancelled');
    expect(late.loadPoints[0]).toMatchObject({ status: 'cancelled', samplesStored: 5 });
    expect(late.loadPoints[0]!.summary!.requests.total).toBe(5);
    expect(late.loadPoints[1]!.status).toBe('cancelled');
  });
});

describe('live events (SSE)', () => {
  it('sends a status snapshot, relays progress and status changes, and ends when the run ends', async () => {
    const target = await t.client.createTarget(targetBody('sse-a', { pool: 'pool-sse' }));
    const exp = await t.client.createExperiment(
      experimentBody([target.id], {
        name: 'sse',
        loadPlan: { kind: 'concurrency', levels: [1], requests: 3, seed: 1 },
      }),
    );
    const run = await t.client.startRun(exp.id);
    const job = await takeJob('pool-sse');

    const raw = await t.fetch(`${t.url}/runs/${run.id}/events`, { headers: { accept: 'text/event-stream' } });
    expect(raw.headers.get('content-type')).toContain('text/event-stream');
    const reader = raw.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^id: \d+-\d+\ndata: /);
    expect(JSON.parse(first.split('data: ')[1]!)).toEqual({
      type: 'run.status',
      runId: run.id,
      status: 'queued',
      error: null,
    });
    await reader.cancel();

    const events: RunStreamEvent[] = [];
    const follow = new ApiClient({ baseUrl: t.url, token: TEST_BOOTSTRAP_TOKEN }).followRun(run.id, (e) =>
      events.push(e),
    );
    await waitFor('snapshot', async () => events.length >= 1);
    await sendEvents(t, [agentEvents.started(job)]);
    await waitFor('running status', async () =>
      events.some((e) => e.type === 'loadpoint.status' && e.status === 'running'),
    );
    await sendEvents(t, [agentEvents.progress(job, 2)]);
    await waitFor('progress', async () => events.some((e) => e.type === 'loadpoint.progress'));
    await sendEvents(t, [agentEvents.batch(job, 0, makeSamples(3)), agentEvents.finished(job, 1)]);
    // followRun resolves only when the server ends the stream (after the terminal status)
    await follow;
    const types = events.map((e) => `${e.type}:${'status' in e ? e.status : ''}`);
    expect(types[0]).toBe('run.status:queued');
    expect(types).toContain('loadpoint.status:running');
    expect(types).toContain('run.status:running');
    expect(types).toContain('loadpoint.progress:');
    expect(types).toContain('loadpoint.status:completed');
    expect(types[types.length - 1]).toBe('run.status:completed');
    const progress = events.find((e) => e.type === 'loadpoint.progress');
    expect(progress).toMatchObject({ loadPointId: job.loadPointId, totals: { done: 2 } });

    // a stream opened after the end gets the terminal snapshot and closes
    const late: RunStreamEvent[] = [];
    await new ApiClient({ baseUrl: t.url, token: TEST_BOOTSTRAP_TOKEN }).followRun(run.id, (e) =>
      late.push(e),
    );
    expect(late).toEqual([{ type: 'run.status', runId: run.id, status: 'completed', error: null }]);
  });
});

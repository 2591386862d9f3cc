/**
 * The fleet protocol at the API boundary, with fake agents speaking the queue protocol: sharded points (split
 * jobs with a common-start key, exact merge of the shards' accumulators, per-shard health and start skew) and
 * agent loss (a shard whose agent's heartbeat expires is retried as attempt + 1, or fails the point).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadPointJobId,
  loadQueueName,
  LoadPointJobSchema,
  type AgentEvent,
  type AgentInfo,
  type LoadPointJob,
  type RequestSample,
  type Run,
} from '@inferbench/contracts';
import { LoadPointAccumulator } from '@inferbench/metrics';
import {
  announceAgent,
  experimentBody,
  makeSamples,
  sendEvents,
  startTestApi,
  targetBody,
  waitFor,
  writeAgentKey,
  type TestApi,
} from './helpers.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ SWEEP_INTERVAL_MS: '100', STALL_TIMEOUT_SEC: '30' });
});
afterAll(async () => {
  await t?.close();
});

async function waitingJobs(pool: string): Promise<{ id: string; data: LoadPointJob }[]> {
  const jobs = await t.queue(loadQueueName(pool)).getJobs(['waiting', 'prioritized', 'delayed']);
  return jobs.map((j) => ({ id: j.id!, data: LoadPointJobSchema.parse(j.data) }));
}

/** Wait until `n` jobs of the point are waiting, then take them off the queue (the test plays the agents). */
async function takeJobs(pool: string, loadPointId: string, n: number): Promise<LoadPointJob[]> {
  const jobs = await waitFor(`${n} job(s) of ${loadPointId}`, async () => {
    const mine = (await waitingJobs(pool)).filter((j) => j.data.loadPointId === loadPointId);
    return mine.length >= n ? mine : null;
  });
  for (const j of jobs) await t.queue(loadQueueName(pool)).remove(j.id);
  return jobs
    .map((j) => j.data)
    .sort((a, b) => a.shard.index - b.shard.index || (a.attempt ?? 0) - (b.attempt ?? 0));
}

const ev = (job: LoadPointJob, agentId: string) => ({
  v: 1 as const,
  runId: job.runId,
  loadPointId: job.loadPointId,
  shardIndex: job.shard.index,
  attempt: job.attempt ?? 0,
  agentId,
  ts: Date.now(),
});

/** Shifted copies of the helper samples so two shards do not look identical. */
function shardSamples(n: number, shiftUs: number): RequestSample[] {
  return makeSamples(n).map((s) => ({
    ...s,
    sentUs: s.sentUs + shiftUs,
    firstChunkUs: s.firstChunkUs! + shiftUs * 2,
    endUs: s.endUs + shiftUs * 3,
  }));
}

function finished(
  job: LoadPointJob,
  agentId: string,
  batchCount: number,
  extra: Partial<Extract<AgentEvent, { type: 'loadpoint.finished' }>> = {},
): AgentEvent {
  return {
    ...ev(job, agentId),
    type: 'loadpoint.finished',
    status: 'completed',
    batchCount,
    warnings: [],
    ...extra,
  };
}

async function runWhere(
  id: string,
  pred: (r: Run) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<Run> {
  return waitFor(
    what,
    async () => {
      const r = await t.client.getRun(id);
      return pred(r) ? r : null;
    },
    timeoutMs,
  );
}

async function startRun(pool: string, name: string, loadPlan: Record<string, unknown>): Promise<Run> {
  const target = await t.client.createTarget(targetBody(`${name}-target`, { pool }));
  const exp = await t.client.createExperiment(
    experimentBody([target.id], { name, loadPlan: loadPlan as never }),
  );
  return t.client.startRun(exp.id);
}

/** Announce an agent that is busy with `job`, with a short TTL so it "dies" when the key expires. */
async function announceBusy(id: string, pool: string, job: LoadPointJob, ttlSec: number): Promise<void> {
  const info: AgentInfo = {
    id,
    pool,
    host: 'test-host',
    version: '0.0.0-test',
    capabilities: { cpus: 2, memoryMb: 1024, gpus: [], labels: {} },
    state: 'busy',
    currentJob: {
      runId: job.runId,
      loadPointId: job.loadPointId,
      shardIndex: job.shard.index,
      attempt: job.attempt ?? 0,
    },
    startedAt: Date.now() - 1000,
    heartbeatAt: Date.now(),
  };
  await writeAgentKey(t, info, ttlSec);
}

describe('sharded load points', () => {
  it("splits a point into N jobs with a common start, merges the shards' accumulators exactly and lists shard health", async () => {
    await announceAgent(t, 'shard-a', 'pool-shards');
    await announceAgent(t, 'shard-b', 'pool-shards');
    const run = await startRun('pool-shards', 'shards', {
      kind: 'rate',
      levels: [4],
      requests: 20,
      seed: 1,
      shards: 2,
    });
    const lp = run.loadPoints[0]!;
    expect(lp.shards).toBe(2);
    const jobs = await takeJobs('pool-shards', lp.id, 2);
    expect(jobs.map((j) => j.shard)).toEqual([
      { index: 0, count: 2 },
      { index: 1, count: 2 },
    ]);
    for (const j of jobs) {
      expect(j.attempt).toBe(0);
      expect(j.startSync).toEqual({ key: lp.id, shards: 2, timeoutMs: expect.any(Number) });
    }

    const samples = [shardSamples(10, 0), shardSamples(10, 1_700)];
    const startAt = Date.now();
    for (const [i, job] of jobs.entries()) {
      const acc = new LoadPointAccumulator().addAll(samples[i]!);
      await sendEvents(t, [
        { ...ev(job, `shard-${i}`), type: 'loadpoint.started' },
        { ...ev(job, `shard-${i}`), type: 'sample.batch', batchSeq: 0, samples: samples[i]! },
        finished(job, i === 0 ? 'shard-a' : 'shard-b', 1, {
          accumulator: acc.encode(),
          shardHealth: { errors: 0, scheduleDelayP99Ms: 1.5 + i, startedAtEpochMs: startAt + 7 * i },
        }),
      ]);
    }
    const done = await runWhere(run.id, (r) => r.status === 'completed', 'sharded run completed');
    const point = done.loadPoints[0]!;
    // the merge of the two shards equals one accumulator over every sample
    const expected = new LoadPointAccumulator()
      .addAll([...samples[0]!, ...samples[1]!])
      .summary({ warnings: [], includeTimeSeries: true });
    expect(point.summary).toEqual(expected);
    expect(point.startSkewMs).toBe(7);
    expect(point.shardHealth).toEqual([
      {
        index: 0,
        attempt: 0,
        agentId: 'shard-a',
        status: 'completed',
        errors: 0,
        scheduleDelayP99Ms: 1.5,
        startedAtEpochMs: startAt,
        reason: null,
        tokenizer: null,
      },
      {
        index: 1,
        attempt: 0,
        agentId: 'shard-b',
        status: 'completed',
        errors: 0,
        scheduleDelayP99Ms: 2.5,
        startedAtEpochMs: startAt + 7,
        reason: null,
        tokenizer: null,
      },
    ]);
    const row = await t.prisma.loadPoint.findUniqueOrThrow({ where: { id: lp.id } });
    expect(LoadPointAccumulator.decode(row.histograms!).summary({ includeTimeSeries: true })).toEqual(
      expected,
    );
    // the shards' accumulators are dropped from the row once merged
    expect(JSON.stringify(row.shardState)).not.toContain('"accumulator"');
  });

  it("summarizes a shard that sent no accumulator from its stored samples; shards: 'all' uses every live agent of the pool", async () => {
    for (const id of ['all-a', 'all-b', 'all-c']) await announceAgent(t, id, 'pool-all');
    const run = await startRun('pool-all', 'all', {
      kind: 'concurrency',
      levels: [3],
      requests: 9,
      seed: 1,
      shards: 'all',
    });
    const lp = run.loadPoints[0]!;
    expect(lp.shards).toBe(3);
    const jobs = await takeJobs('pool-all', lp.id, 3);
    const samples = jobs.map((_, i) => shardSamples(3, i * 500));
    for (const [i, job] of jobs.entries()) {
      const acc = i === 1 ? undefined : new LoadPointAccumulator().addAll(samples[i]!).encode();
      await sendEvents(t, [
        { ...ev(job, 'x'), type: 'sample.batch', batchSeq: 0, samples: samples[i]! },
        finished(job, 'x', 1, acc ? { accumulator: acc } : {}),
      ]);
    }
    const done = await runWhere(run.id, (r) => r.status === 'completed', 'run completed');
    expect(done.loadPoints[0]!.summary).toEqual(
      new LoadPointAccumulator().addAll(samples.flat()).summary({ warnings: [], includeTimeSeries: true }),
    );
    expect(done.loadPoints[0]!.startSkewMs).toBeNull();
  });
});

describe('agent loss', () => {
  it('retries the shard of an agent whose heartbeat expired as attempt + 1; the dead attempt stays stored but does not count', async () => {
    await announceAgent(t, 'loss-spare', 'pool-loss');
    const run = await startRun('pool-loss', 'loss', {
      kind: 'concurrency',
      levels: [1],
      requests: 6,
      seed: 1,
    });
    const lp = run.loadPoints[0]!;
    const [job0] = await takeJobs('pool-loss', lp.id, 1);
    expect(job0!.attempt).toBe(0);
    await announceBusy('loss-victim', 'pool-loss', job0!, 1);
    await sendEvents(t, [
      { ...ev(job0!, 'loss-victim'), type: 'loadpoint.started' },
      { ...ev(job0!, 'loss-victim'), type: 'sample.batch', batchSeq: 0, samples: makeSamples(4) },
    ]);
    // the key expires after 1 s; the sweeper re-enqueues the shard as attempt 1, under its own job id
    await waitFor('retry job', async () =>
      (await waitingJobs('pool-loss')).some((j) => j.id === loadPointJobId(lp.id, 0, 1)),
    );
    const [job1] = await takeJobs('pool-loss', lp.id, 1);
    expect(job1).toMatchObject({ attempt: 1, shard: { index: 0, count: 1 } });
    expect(job1!.startSync).toBeUndefined();
    expect((await t.prisma.loadPoint.findUniqueOrThrow({ where: { id: lp.id } })).shardAttempts).toEqual({
      '0': 1,
    });

    // a late end of the dead attempt is ignored; the new attempt's samples count
    await sendEvents(t, [finished(job0!, 'loss-victim', 1)]);
    const fresh = makeSamples(6);
    await sendEvents(t, [
      { ...ev(job1!, 'loss-spare'), type: 'loadpoint.started' },
      { ...ev(job1!, 'loss-spare'), type: 'sample.batch', batchSeq: 0, samples: fresh },
      finished(job1!, 'loss-spare', 1),
    ]);
    const done = await runWhere(run.id, (r) => r.status === 'completed', 'retried run completed');
    const point = done.loadPoints[0]!;
    expect(point.summary!.requests.succeeded).toBe(6);
    expect(point.shardHealth).toMatchObject([
      { index: 0, attempt: 1, agentId: 'loss-spare', status: 'completed' },
    ]);
    const byAttempt = await t.prisma.requestSample.groupBy({
      by: ['attempt'],
      where: { loadPointId: lp.id },
      _count: { _all: true },
    });
    expect(Object.fromEntries(byAttempt.map((r) => [r.attempt, r._count._all]))).toEqual({ 0: 4, 1: 6 });
    // the lost job is handled once: the agent row no longer names it
    expect((await t.prisma.agent.findUniqueOrThrow({ where: { id: 'loss-victim' } })).currentJob).toBeNull();
  });

  it("with onAgentLoss 'fail' fails the point naming the agent and the shard, keeping what it stored", async () => {
    await announceAgent(t, 'fail-spare', 'pool-fail');
    const run = await startRun('pool-fail', 'fail', {
      kind: 'concurrency',
      levels: [1],
      requests: 6,
      seed: 1,
      onAgentLoss: 'fail',
    });
    const lp = run.loadPoints[0]!;
    const [job0] = await takeJobs('pool-fail', lp.id, 1);
    await announceBusy('fail-victim', 'pool-fail', job0!, 1);
    await sendEvents(t, [
      { ...ev(job0!, 'fail-victim'), type: 'loadpoint.started' },
      { ...ev(job0!, 'fail-victim'), type: 'sample.batch', batchSeq: 0, samples: makeSamples(3) },
    ]);
    const done = await runWhere(run.id, (r) => r.status === 'failed', 'run failed');
    const point = done.loadPoints[0]!;
    expect(point.status).toBe('failed');
    expect(point.error).toBe('agent fail-victim stopped (no heartbeat) during shard 0');
    expect(done.error).toContain('agent fail-victim stopped (no heartbeat) during shard 0');
    // partial summary from the stored samples
    expect(point.summary!.requests.succeeded).toBe(3);
    expect(await waitingJobs('pool-fail')).toEqual([]);
  });
});

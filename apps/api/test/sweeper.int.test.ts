import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentKey,
  cancelKey,
  loadPointJobId,
  loadQueueName,
  LoadPointJobSchema,
  type LoadPointJob,
  type Run,
} from '@inferbench/contracts';
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

let t: TestApi;
beforeAll(async () => {
  // short timeouts so the sweeper's repairs happen within the test
  t = await startTestApi({ STALL_TIMEOUT_SEC: '1', NO_AGENT_WAIT_SEC: '2', SWEEP_INTERVAL_MS: '100' });
});
afterAll(async () => {
  await t?.close();
});

async function waitingJobs(pool: string): Promise<LoadPointJob[]> {
  const jobs = await t.queue(loadQueueName(pool)).getJobs(['waiting', 'prioritized', 'delayed']);
  return jobs.map((j) => LoadPointJobSchema.parse(j.data));
}

async function takeJob(pool: string, loadPointId: string): Promise<LoadPointJob> {
  const job = await waitFor(`job ${loadPointId}`, async () =>
    (await waitingJobs(pool)).find((j) => j.loadPointId === loadPointId),
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

async function startRunOn(pool: string, name: string, levels = [1]): Promise<Run> {
  const target = await t.client.createTarget(targetBody(`${name}-target`, { pool }));
  const exp = await t.client.createExperiment(
    experimentBody([target.id], { name, loadPlan: { kind: 'concurrency', levels, requests: 5, seed: 1 } }),
  );
  return t.client.startRun(exp.id);
}

describe('sweeper', () => {
  it('re-enqueues a run that was committed but never enqueued (crash between commit and enqueue)', async () => {
    await announceAgent(t, 'stuck-agent', 'pool-stuck');
    const run = await startRunOn('pool-stuck', 'stuck');
    const lp = run.loadPoints[0]!.id;
    // simulate the crash: the job never reached Redis and enqueuedAt was never set
    await t.queue(loadQueueName('pool-stuck')).remove(loadPointJobId(lp, 0));
    await t.prisma.run.update({
      where: { id: run.id },
      data: { enqueuedAt: null, createdAt: new Date(Date.now() - 10_000) },
    });
    expect(await waitingJobs('pool-stuck')).toEqual([]);

    const job = await waitFor('job re-enqueued', async () =>
      (await waitingJobs('pool-stuck')).find((j) => j.loadPointId === lp),
    );
    expect(job.runId).toBe(run.id);
    const row = await t.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    expect(row.enqueuedAt).not.toBeNull();
    expect(row.status).toBe('queued');
    await t.client.cancelRun(run.id);
  });

  it('fails a running point whose agent stopped reporting and moves the chain on', async () => {
    await announceAgent(t, 'stall-agent', 'pool-stall');
    const run = await startRunOn('pool-stall', 'stall', [1, 2]);
    const [p0, p1] = run.loadPoints;
    const job0 = await takeJob('pool-stall', p0!.id);
    await sendEvents(t, [agentEvents.started(job0)]);
    await runWhere(run.id, (r) => r.loadPoints[0]!.status === 'running', 'point running');
    // ... and then silence
    const stalled = await runWhere(
      run.id,
      (r) => r.loadPoints[0]!.status === 'failed',
      'stalled point failed',
    );
    expect(stalled.loadPoints[0]!.error).toBe('agent stopped reporting (no event for 1 s)');
    expect(stalled.status).toBe('running');

    await announceAgent(t, 'stall-agent', 'pool-stall');
    const job1 = await takeJob('pool-stall', p1!.id);
    await sendEvents(t, [
      agentEvents.started(job1),
      agentEvents.batch(job1, 0, makeSamples(5)),
      agentEvents.finished(job1, 1),
    ]);
    const done = await runWhere(run.id, (r) => r.status === 'failed', 'run failed');
    expect(done.loadPoints[1]!.status).toBe('completed');
    expect(done.error).toBe(
      "load point c=1 of variant 'v0' failed: agent stopped reporting (no event for 1 s)",
    );
  });

  it('fails a run whose pool has no live agent after NO_AGENT_WAIT_SEC and withdraws its jobs', async () => {
    const run = await startRunOn('pool-lonely', 'lonely', [1, 2]);
    expect(await waitingJobs('pool-lonely')).toHaveLength(1);
    const failed = await runWhere(run.id, (r) => r.status === 'failed', 'run failed for lack of agents');
    expect(failed.error).toBe("no live agent in pool 'pool-lonely' for 2 s");
    expect(failed.loadPoints.map((p) => p.status)).toEqual(['failed', 'failed']);
    expect(await waitingJobs('pool-lonely')).toEqual([]);
    expect(await t.redis.get(cancelKey(t.prefix, run.id))).toBe('1');
    // terminal states never change: a late agent event does not revive it
    await sendEvents(t, [
      agentEvents.started({
        runId: run.id,
        loadPointId: run.loadPoints[0]!.id,
        shard: { index: 0, count: 1 },
      } as LoadPointJob),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect((await t.client.getRun(run.id)).loadPoints[0]!.status).toBe('failed');
  });
});

describe('agents', () => {
  it('lists live agents with their state and reports expired ones as offline', async () => {
    await announceAgent(t, 'agent-busy', 'gpu-a', 'busy');
    await announceAgent(t, 'agent-idle', 'gpu-a', 'idle');
    const live = await t.client.listAgents();
    const byId = new Map(live.items.map((a) => [a.id, a]));
    expect(byId.get('agent-busy')).toMatchObject({
      pool: 'gpu-a',
      state: 'busy',
      host: 'test-host',
      version: '0.0.0-test',
    });
    expect(byId.get('agent-idle')?.state).toBe('idle');
    expect(await t.prisma.agent.count({ where: { id: { in: ['agent-busy', 'agent-idle'] } } })).toBe(2);

    await t.redis.del(agentKey(t.prefix, 'agent-busy'));
    const after = await t.client.listAgents();
    expect(after.items.find((a) => a.id === 'agent-busy')).toMatchObject({
      state: 'offline',
      currentJob: null,
    });
    expect(after.items.find((a) => a.id === 'agent-idle')?.state).toBe('idle');
  });
});

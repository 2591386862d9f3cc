/**
 * Faults, each really done to real processes (simulator, API and agents started by startStack over the real
 * PostgreSQL and Redis): an agent killed with SIGKILL mid-point (retry on the other agent, or fail per the
 * plan's onAgentLoss), the API killed and restarted mid-run, a cancel of a two-shard point, a malformed job, and
 * a private Redis (AOF on) shut down and restarted mid-run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '@inferbench/api-client';
import { isTerminalRunStatus, loadQueueName, type Run, type RunStreamEvent } from '@inferbench/contracts';
import { freePort } from '@inferbench/testing';
import { startStack, type Stack, type StackProcess } from '@inferbench/testing/stack';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// sim-fixed: TTFT 50 ms + 10 ms per further token, so a 40-token request takes ~0.44 s
const OUTPUT_TOKENS = 40;

let stack: Stack;
let api: ApiClient;
let db: pg.Client;
let targetId: string;

/** Start a stack (shared or private Redis) and point the helpers below at it. */
async function useStack(opts: Parameters<typeof startStack>[0]): Promise<void> {
  stack = await startStack(opts);
  api = new ApiClient({ baseUrl: stack.apiUrl, token: stack.token });
  db = new pg.Client({ connectionString: stack.db.url });
  await db.connect();
  const target = await api.createTarget({
    name: 'sim fixed',
    baseUrl: `${stack.simUrl}/v1`,
    apiKind: 'chat',
    model: 'sim-fixed',
  });
  targetId = target.id;
}
async function stopStack(): Promise<void> {
  await db?.end();
  await stack?.stop();
}

async function startRun(name: string, loadPlan: Record<string, unknown>): Promise<Run> {
  const exp = await api.createExperiment({
    name,
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 32 },
      outputTokens: { kind: 'fixed', value: OUTPUT_TOKENS },
    },
    loadPlan: loadPlan as never,
    variants: [{ targetId, label: 'fixed', params: { maxTokens: OUTPUT_TOKENS, ignoreEos: true } }],
  });
  return api.startRun(exp.id);
}

async function waitFor<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await check().catch(() => null);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}\n${stack.dumpLogs().slice(-8000)}`);
}

const waitEnded = (id: string, timeoutMs = 90_000): Promise<Run> =>
  waitFor(
    `run ${id} to end`,
    async () => {
      const r = await api.getRun(id);
      return isTerminalRunStatus(r.status) ? r : null;
    },
    timeoutMs,
  );

async function storedSamples(loadPointId: string): Promise<number> {
  const r = await db.query<{ n: number }>(
    `select count(*)::int as n from "RequestSample" where "loadPointId" = $1`,
    [loadPointId],
  );
  return r.rows[0]!.n;
}

/** The agent process running a shard of the point, once one reports it in its heartbeat. */
async function agentRunning(loadPointId: string): Promise<StackProcess> {
  const id = await waitFor(
    'an agent busy with the point',
    async () => {
      const agents = await api.listAgents();
      return agents.items.find((a) => a.state === 'busy' && a.currentJob?.loadPointId === loadPointId)?.id;
    },
    30_000,
  );
  const p = stack.processes.find(
    (x) => x.name === id && x.child.exitCode === null && x.child.signalCode === null,
  );
  if (!p) throw new Error(`no live process for agent ${id}`);
  return p;
}

describe('faults', () => {
  beforeAll(() => useStack({ agents: 2, apiEnv: { SWEEP_INTERVAL_MS: '300' } }));
  afterAll(stopStack);

  it('kill -9 of the agent mid-point: the shard is retried on the other agent (attempt 1); nothing duplicated, the dead attempt stays stored', async () => {
    const requests = 24;
    const run = await startRun('kill retry', { kind: 'concurrency', levels: [2], requests, seed: 1 });
    const lp = run.loadPoints[0]!.id;
    const victim = await agentRunning(lp);
    await waitFor('some samples stored', async () => (await storedSamples(lp)) >= 4, 30_000);
    await stack.kill(victim, 'SIGKILL');

    const done = await waitEnded(run.id);
    if (done.status !== 'completed')
      throw new Error(`run ${done.status}: ${done.error}\n${stack.dumpLogs().slice(-8000)}`);
    const point = done.loadPoints[0]!;
    expect(point.shardHealth).toMatchObject([{ index: 0, attempt: 1, status: 'completed' }]);
    expect(point.shardHealth[0]!.agentId).not.toBe(victim.name);
    expect(point.summary!.requests.succeeded).toBe(requests);
    const rows = await db.query<{ attempt: number; n: number; dup: number }>(
      `select attempt, count(*)::int as n, count(*)::int - count(distinct ("loadPointId", "shardIndex", attempt, idx))::int as dup
         from "RequestSample" where "loadPointId" = $1 group by attempt order by attempt`,
      [lp],
    );
    expect(rows.rows.map((r) => r.attempt)).toEqual([0, 1]);
    expect(rows.rows.every((r) => r.dup === 0)).toBe(true);
    // what the dead agent stored before it died stays; attempt 1 ran the whole shard again
    expect(rows.rows[0]!.n).toBeGreaterThanOrEqual(4);
    expect(rows.rows[1]!.n).toBe(requests);
    const sp = await db.query<{ shardAttempts: Record<string, number> }>(
      `select "shardAttempts" from "LoadPoint" where id = $1`,
      [lp],
    );
    expect(sp.rows[0]!.shardAttempts).toEqual({ '0': 1 });
  });

  it("kill -9 with onAgentLoss 'fail': the point fails naming the agent and the shard; stored samples stay", async () => {
    await stack.startAgent();
    const run = await startRun('kill fail', {
      kind: 'concurrency',
      levels: [2],
      requests: 40,
      seed: 2,
      onAgentLoss: 'fail',
    });
    const lp = run.loadPoints[0]!.id;
    const victim = await agentRunning(lp);
    await waitFor('some samples stored', async () => (await storedSamples(lp)) >= 2, 30_000);
    await stack.kill(victim, 'SIGKILL');
    const done = await waitEnded(run.id);
    expect(done.status).toBe('failed');
    expect(done.loadPoints[0]!.error).toBe(`agent ${victim.name} stopped (no heartbeat) during shard 0`);
    expect(done.error).toContain(`agent ${victim.name} stopped (no heartbeat) during shard 0`);
    expect(await storedSamples(lp)).toBeGreaterThanOrEqual(2);
    expect(done.loadPoints[0]!.summary!.requests.succeeded).toBeGreaterThanOrEqual(2);
  });

  it('API killed and restarted mid-run: batches wait in Redis, the run completes, and every planned sample is stored once', async () => {
    const requests = 30;
    const run = await startRun('api restart', {
      kind: 'concurrency',
      levels: [3],
      requests,
      warmup: { requests: 0 },
      seed: 3,
    });
    const lp = run.loadPoints[0]!.id;
    await agentRunning(lp);
    await waitFor('some samples stored', async () => (await storedSamples(lp)) >= 3, 30_000);
    const apiProc = stack.processes.find(
      (p) => p.name === 'api' && p.child.exitCode === null && p.child.signalCode === null,
    )!;
    await stack.kill(apiProc, 'SIGKILL');
    // the agent keeps measuring and queueing events while the API is gone
    await new Promise((r) => setTimeout(r, 2_000));
    await stack.startApi();
    const done = await waitEnded(run.id);
    if (done.status !== 'completed')
      throw new Error(`run ${done.status}: ${done.error}\n${stack.dumpLogs().slice(-8000)}`);
    expect(await storedSamples(lp)).toBe(requests);
    expect(done.loadPoints[0]!.samplesStored).toBe(requests);
    expect(done.loadPoints[0]!.summary!.requests.succeeded).toBe(requests);
  });

  it('cancel of a two-shard point: both shards stop within 2 s, the partial summary is kept and labelled cancelled', async () => {
    await stack.startAgent();
    const run = await startRun('cancel shards', {
      kind: 'concurrency',
      levels: [4],
      durationSec: 60,
      seed: 4,
      shards: 2,
    });
    const lp = run.loadPoints[0]!.id;
    expect(run.loadPoints[0]!.shards).toBe(2);
    await waitFor(
      'both shards busy',
      async () => {
        const agents = await api.listAgents();
        return (
          agents.items.filter((a) => a.state === 'busy' && a.currentJob?.loadPointId === lp).length === 2
        );
      },
      45_000,
    );
    await waitFor('samples stored', async () => (await storedSamples(lp)) >= 6, 30_000);
    const cancelAt = Date.now();
    await api.cancelRun(run.id);
    const point = await waitFor(
      'a partial summary',
      async () => {
        const r = await api.getRun(run.id);
        const p = r.loadPoints[0]!;
        return p.summary && p.shardHealth.length === 2 ? p : null;
      },
      30_000,
    );
    expect(point.status).toBe('cancelled');
    expect(point.shardHealth.map((h) => h.status)).toEqual(['cancelled', 'cancelled']);
    expect(point.startSkewMs).not.toBeNull();
    expect(point.summary!.requests.succeeded).toBeGreaterThan(0);
    // every request of both shards ended (finished or cut off) within 2 s of the cancel
    const ends = await db.query<{ shard: number; lastEndUs: number }>(
      `select "shardIndex" as shard, max("endUs") as "lastEndUs" from "RequestSample" where "loadPointId" = $1 group by "shardIndex" order by 1`,
      [lp],
    );
    expect(ends.rows).toHaveLength(2);
    for (const row of ends.rows) {
      const started = point.shardHealth[row.shard]!.startedAtEpochMs!;
      expect(started + row.lastEndUs / 1000).toBeLessThan(cancelAt + 2_000);
    }
  });

  it('a malformed job is not retried and fails its point and run with a clear message', async () => {
    // the valid job goes to a pool no agent serves yet; it is withdrawn and the broken one put in its place before an
    // agent of that pool starts (an agent may only report on its own pool's points), so the broken job is all it sees
    const parked = await api.createTarget({
      name: 'parked',
      baseUrl: `${stack.simUrl}/v1`,
      apiKind: 'chat',
      model: 'sim-fixed',
      pool: 'parked',
    });
    const exp = await api.createExperiment({
      name: 'malformed',
      workload: {
        kind: 'synthetic',
        inputTokens: { kind: 'fixed', value: 32 },
        outputTokens: { kind: 'fixed', value: 8 },
      },
      loadPlan: { kind: 'concurrency', levels: [1], requests: 3, seed: 5 },
      variants: [{ targetId: parked.id, label: 'parked', params: { maxTokens: 8 } }],
    });
    const run = await api.startRun(exp.id);
    const lp = run.loadPoints[0]!.id;
    const redis = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(loadQueueName('parked'), { connection: redis, prefix: stack.redis.prefix });
    try {
      await queue.drain();
      // a raw job naming the real point, with a load level no agent knows; attempts: 3 would retry a normal failure
      await queue.add(
        'loadpoint.execute',
        {
          v: 1,
          runId: run.id,
          loadPointId: lp,
          shard: { index: 0, count: 1 },
          load: { kind: 'warp', factor: 9 },
        },
        { jobId: `${lp}-broken`, attempts: 3 },
      );
      await stack.startAgent({ AGENT_POOL: 'parked' });
      const done = await waitEnded(run.id, 60_000);
      expect(done.status).toBe('failed');
      expect(done.loadPoints[0]!.error).toMatch(/^malformed load point job: .*load/);
      expect(done.error).toContain('malformed load point job');
      const job = await waitFor(
        'the broken job to be failed',
        async () => {
          const j = await queue.getJob(`${lp}-broken`);
          return j && (await j.getState()) === 'failed' ? j : null;
        },
        10_000,
      );
      expect(job.attemptsMade).toBe(1);
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});

/**
 * A redis-server of this test only (the shared test Redis must never be restarted under other tests), with an
 * append-only file fsynced every second so a clean SHUTDOWN keeps every write and a restart on the same port and
 * folder reloads it.
 */
class PrivateRedis {
  private proc: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort(), mkdtempSync(path.join(os.tmpdir(), 'ib-redis-')));
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Start redis-server and wait until it answers PING. */
  async up(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--dir',
      this.dir,
    ];
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    this.proc = proc;
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
      if (this.cli('ping').stdout.trim() === 'PONG') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on ${this.port} did not answer PING`);
  }

  /** SHUTDOWN (not NOSAVE): Redis fsyncs the AOF before it exits. Resolves once the process is gone. */
  async shutdown(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    this.cli('shutdown');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.shutdown().catch(() => this.proc?.kill('SIGKILL'));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private cli(...cmd: string[]) {
    return spawnSync('redis-cli', ['-p', String(this.port), ...cmd], { encoding: 'utf8', timeout: 5_000 });
  }
}

describe('Redis restart', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    await useStack({ agents: 1, redisUrl: redis.url, apiEnv: { SWEEP_INTERVAL_MS: '300' } });
  });
  afterAll(async () => {
    await stopStack();
    await redis?.destroy();
  });

  it('Redis shut down and restarted (AOF) mid-run: the run ends in a definite, explained state and no sample is duplicated', async () => {
    const requests = 60;
    const run = await startRun('redis restart', {
      kind: 'concurrency',
      levels: [3],
      requests,
      warmup: { requests: 0 },
      seed: 6,
    });
    const lp = run.loadPoints[0]!.id;
    // a live SSE client across the outage: the API's subscriber must come back for the stream to see the end
    const streamed: RunStreamEvent[] = [];
    const following = api.followRun(run.id, (e) => streamed.push(e));
    await agentRunning(lp);
    await waitFor('some samples stored', async () => (await storedSamples(lp)) >= 6, 30_000);
    expect((await api.getRun(run.id)).status).toBe('running');
    await redis.shutdown();
    // the agent keeps measuring and buffers its events; the API's workers and subscriber retry their connections
    await new Promise((r) => setTimeout(r, 2_500));
    await redis.up();
    const restartedAt = Date.now();

    // bounded: the agent's buffered events flush within its ingest backoff (≤ 5 s) and the rest of the point is ~5 s
    const done = await waitEnded(run.id, 60_000);
    const endedWithinMs = Date.now() - restartedAt;
    expect(endedWithinMs).toBeLessThan(60_000);
    if (done.status === 'completed') {
      expect(done.loadPoints[0]!.summary!.requests.succeeded).toBe(requests);
      expect(await storedSamples(lp)).toBe(requests);
    } else {
      expect(done.status).toBe('failed');
      expect(done.error ?? '').toMatch(/redis|connection/i);
    }
    const dup = await db.query<{ n: number; distinct: number }>(
      `select count(*)::int as n, count(distinct ("shardIndex", attempt, idx))::int as distinct from "RequestSample" where "loadPointId" = $1`,
      [lp],
    );
    expect(dup.rows[0]!.n).toBe(dup.rows[0]!.distinct);
    expect(done.loadPoints[0]!.samplesStored).toBe(dup.rows[0]!.n);
    // the stream ended by itself with the run's terminal status
    await Promise.race([
      following,
      new Promise((_, reject) => setTimeout(() => reject(new Error('SSE stream did not end')), 10_000)),
    ]);
    expect(streamed.at(-1)).toMatchObject({ type: 'run.status', status: done.status });
    // the API is serving again and its agent is back in the registry
    const agents = await api.listAgents();
    expect(agents.items.some((a) => a.state !== 'offline')).toBe(true);
  });
});

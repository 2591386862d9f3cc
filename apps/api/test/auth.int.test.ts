/**
 * Accounts, tokens, sessions, agent credentials, secrets and the audit log (issue 12), against the real API over
 * PostgreSQL and Redis. The route-by-route guard is auth-route-guard.int.test.ts.
 */
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from '@inferbench/api-client';
import {
  agentKey,
  EvalJobSchema,
  evalQueueName,
  INGEST_QUEUE,
  loadQueueName,
  LoadPointJobSchema,
  parseAgentToken,
  type AgentEvent,
  type EvalJob,
  type EvalRecordsEvent,
  type LoadPointJob,
} from '@inferbench/contracts';
import { loadConfig } from '../src/config.js';
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
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

const as = (token: string) => new ApiClient({ baseUrl: t.url, token });

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof ApiError) return err.status;
    throw err;
  }
}

/** Sign in through better-auth's endpoint; the session cookie (name=value) it set. */
/** A browser posting from the dashboard: its origin, named by the dashboard's proxy (which checked it). */
const FROM_DASHBOARD = {
  origin: 'http://dashboard.test',
  'x-inferbench-web-origin': 'http://dashboard.test',
};

async function signIn(email: string, password: string): Promise<{ status: number; cookie: string | null }> {
  const res = await fetch(`${t.url}/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...FROM_DASHBOARD },
    body: JSON.stringify({ email, password }),
  });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('better-auth.session_token='));
  return { status: res.status, cookie: cookie ?? null };
}

describe('users and sessions', () => {
  it('signs in with e-mail and password (Argon2id), keeps a session, signs out', async () => {
    const created = await t.client.createUser({ email: 'Ada@Example.com', role: 'editor' });
    expect(created.user).toMatchObject({ email: 'ada@example.com', role: 'editor', disabled: false });
    // no password given: a random one, returned once
    expect(created.password).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const stored = await t.prisma.account.findFirst({ where: { userId: created.user.id } });
    expect(stored?.password).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    expect((await signIn('ada@example.com', 'wrong-password-123')).status).toBe(401);
    const ok = await signIn('ada@example.com', created.password!);
    expect(ok.status).toBe(200);
    expect(ok.cookie).not.toBeNull();
    const me = await t.fetch('/me', { auth: false, headers: { cookie: ok.cookie! } });
    expect(await me.json()).toMatchObject({
      kind: 'user',
      email: 'ada@example.com',
      role: 'editor',
      scope: 'write',
      via: 'session',
    });
    // an editor may write but not administer
    const users = await t.fetch('/users', { auth: false, headers: { cookie: ok.cookie! } });
    expect(users.status).toBe(403);
    // no public sign-up
    const signUp = await fetch(`${t.url}/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...FROM_DASHBOARD },
      body: JSON.stringify({ email: 'eve@example.com', password: 'eve-password-123', name: 'eve' }),
    });
    expect(signUp.ok).toBe(false);
    expect(await t.prisma.user.count({ where: { email: 'eve@example.com' } })).toBe(0);

    const out = await fetch(`${t.url}/auth/sign-out`, {
      method: 'POST',
      headers: { cookie: ok.cookie!, ...FROM_DASHBOARD, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(out.status).toBe(200);
    expect(await t.prisma.session.count({ where: { userId: created.user.id } })).toBe(0);
    // the signed-out cookie stops working at once (not when the cache entry would expire)
    expect((await t.fetch('/me', { auth: false, headers: { cookie: ok.cookie! } })).status).toBe(401);
    // a post from another site carrying the cookie (CSRF) is refused
    const again = await signIn('ada@example.com', created.password!);
    const csrf = await fetch(`${t.url}/auth/sign-out`, {
      method: 'POST',
      headers: { cookie: again.cookie!, origin: 'http://evil.test', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(csrf.status).toBe(403);
    expect(await t.prisma.session.count({ where: { userId: created.user.id } })).toBe(1);
  });

  it('refuses a disabled user, and never lets the last admin go', async () => {
    const u = await t.client.createUser({
      email: 'bob@example.com',
      role: 'viewer',
      password: 'bob-password-123',
    });
    await t.client.updateUser(u.user.id, { disabled: true });
    expect((await signIn('bob@example.com', 'bob-password-123')).status).not.toBe(200);
    await t.client.updateUser(u.user.id, { disabled: false });
    expect((await signIn('bob@example.com', 'bob-password-123')).status).toBe(200);

    const admin = await t.client.createUser({ email: 'only-admin@example.com', role: 'admin' });
    // the first and only admin user of this API (the bootstrap token is no user): it cannot be demoted
    expect(await status(t.client.updateUser(admin.user.id, { role: 'viewer' }))).toBe(409);
    expect(await status(t.client.createUser({ email: 'BOB@example.com' }))).toBe(409);
  });
});

describe('API tokens', () => {
  it('is shown once, stored as its SHA-256, capped by its scope and its user’s role, records use, and revokes', async () => {
    const editor = await t.client.createUser({ email: 'tok-editor@example.com', role: 'editor' });
    // an editor cannot hold an admin token
    expect(await status(t.client.createToken({ name: 'x', userId: editor.user.id, scope: 'admin' }))).toBe(
      400,
    );
    const created = await t.client.createToken({ name: 'ci runner', userId: editor.user.id, scope: 'run' });
    expect(created.token).toMatch(/^ib_[A-Za-z0-9_-]{43}$/);
    const row = await t.prisma.apiToken.findUniqueOrThrow({ where: { id: created.info.id } });
    expect(row.tokenHash).toBe(createHash('sha256').update(created.token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(created.token);
    expect(created.info).toMatchObject({
      scope: 'run',
      kind: 'personal',
      lastUsedAt: null,
      prefix: created.token.slice(0, 10),
    });
    // the list never carries the token
    const listed = await t.client.listTokens();
    expect(JSON.stringify(listed)).not.toContain(created.token);

    const client = as(created.token);
    expect(await client.me()).toMatchObject({ email: 'tok-editor@example.com', scope: 'run', via: 'token' });
    const target = await t.client.createTarget(targetBody('tok-target'));
    const exp = await t.client.createExperiment(experimentBody([target.id], { name: 'tok-exp' }));
    // run scope: may start and cancel runs, may not create or change
    expect(await status(client.createTarget(targetBody('tok-nope')))).toBe(403);
    const run = await client.startRun(exp.id);
    expect((await client.cancelRun(run.id)).status).toBe('cancelled');
    expect(await status(client.deleteExperiment(exp.id))).toBe(403);

    const used = (await t.client.listTokens()).items.find((x) => x.id === created.info.id)!;
    expect(used.lastUsedAt).not.toBeNull();

    // the user is demoted: the token's scope shrinks with the role at once
    await t.client.updateUser(editor.user.id, { role: 'viewer' });
    expect(await client.me()).toMatchObject({ role: 'viewer', scope: 'read' });
    expect(await status(client.startRun(exp.id))).toBe(403);

    await t.client.revokeToken(created.info.id);
    expect(await status(client.me())).toBe(401);
  });

  it('refuses an expired token and a service token acts as itself', async () => {
    const svc = await t.client.createToken({ name: 'nightly', kind: 'service', scope: 'write' });
    expect(await as(svc.token).me()).toMatchObject({ kind: 'service', name: 'nightly', scope: 'write' });
    await t.prisma.apiToken.update({
      where: { id: svc.info.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    // cached for a few seconds at most; a fresh process reads the expiry at once
    await waitFor(
      'the expired token to be refused',
      async () => (await status(as(svc.token).me())) === 401,
      15_000,
    );
  });
});

describe('who did what', () => {
  it('records comment authors from the credential and the audit log of an experiment', async () => {
    const editor = await t.client.createUser({ email: 'grace@example.com', role: 'editor' });
    const tok = await t.client.createToken({ name: 'grace', userId: editor.user.id, scope: 'write' });
    const grace = as(tok.token);
    const target = await t.client.createTarget(targetBody('audit-target'));
    const exp = await grace.createExperiment(experimentBody([target.id], { name: 'audit-exp' }));
    const run = await grace.startRun(exp.id);
    await grace.cancelRun(run.id);
    await grace.setBaseline(exp.id, run.id);
    // a typed-in author is ignored: the comment is the caller's
    const c = await grace.addRunComment(run.id, { author: 'Mallory', body: 'looks good' });
    expect(c.author).toBe('grace@example.com');
    expect((await t.prisma.comment.findUniqueOrThrow({ where: { id: c.id } })).authorId).toBe(editor.user.id);
    expect((await t.prisma.run.findUniqueOrThrow({ where: { id: run.id } })).startedBy).toBe(
      'grace@example.com',
    );

    const audit = await t.client.getExperimentAudit(exp.id);
    const actions = audit.items.map((e) => `${e.actor} ${e.action} ${e.runId ?? ''}`.trim());
    expect(actions).toEqual([
      `grace@example.com comment.add ${run.id}`,
      'grace@example.com baseline.set',
      `grace@example.com run.cancel ${run.id}`,
      `grace@example.com run.start ${run.id}`,
      'grace@example.com experiment.create',
    ]);
    // deleting the experiment is an admin's act, and its history stays readable
    await t.client.deleteExperiment(exp.id);
    const after = await t.client.getExperimentAudit(exp.id);
    expect(after.items[0]).toMatchObject({
      actor: 'bootstrap',
      action: 'experiment.delete',
      experimentId: exp.id,
    });
    expect(await status(t.client.getExperimentAudit('no-such-experiment'))).toBe(404);
  });
});

describe('agent credentials', () => {
  /** A run on `pool` whose one load job is taken off the queue (as an agent would), with its target API key. */
  async function startPoint(pool: string, name: string): Promise<{ job: LoadPointJob; raw: unknown }> {
    await announceAgent(t, `agent-${pool}`, pool);
    const target = await t.client.createTarget(
      targetBody(`${name}-target`, { pool, apiKey: 'sk-very-secret' }),
    );
    const exp = await t.client.createExperiment(
      experimentBody([target.id], {
        name,
        loadPlan: { kind: 'concurrency', levels: [1], requests: 5, seed: 1 },
      }),
    );
    await t.client.startRun(exp.id);
    const q = t.queue(loadQueueName(pool));
    const [j] = await waitFor('the load job', async () => {
      const jobs = await q.getJobs(['waiting', 'prioritized']);
      return jobs.length ? jobs : undefined;
    });
    await q.remove(j!.id!);
    return { job: LoadPointJobSchema.parse(j!.data), raw: j!.data };
  }

  it('keeps the target key out of Redis and hands it only to an agent of the pool, for a live point', async () => {
    const { job, raw } = await startPoint('secret-pool', 'secret');
    expect(JSON.stringify(raw)).not.toContain('sk-very-secret');
    expect(job.target).toMatchObject({ apiKeyFromApi: true });
    expect(job.target.apiKey).toBeUndefined();

    const url = `/agents/load-points/${job.loadPointId}/secret`;
    const mine = await t.fetch(url, {
      headers: { authorization: `Bearer ${await t.agentToken('secret-pool')}` },
    });
    expect(await mine.json()).toEqual({ apiKey: 'sk-very-secret' });
    // another pool's credential, a user token, a forged credential: refused
    const other = await t.fetch(url, {
      headers: { authorization: `Bearer ${await t.agentToken('other-pool')}` },
    });
    expect(other.status).toBe(403);
    expect((await t.fetch(url)).status).toBe(403);
    const parts = parseAgentToken(await t.agentToken('secret-pool'))!;
    const forged = `ibagent.${parts.credentialId}.${parts.pool}.${'A'.repeat(43)}`;
    expect((await t.fetch(url, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    // once the run is over the key is no longer handed out
    await t.client.cancelRun(job.runId);
    const late = await t.fetch(url, {
      headers: { authorization: `Bearer ${await t.agentToken('secret-pool')}` },
    });
    expect(late.status).toBe(409);
  });

  it('drops unsigned, forged, wrong-pool and revoked ingest events; counts only signed heartbeats', async () => {
    const { job } = await startPoint('ingest-pool', 'ingest-auth');
    const q = t.queue(INGEST_QUEUE);
    // a stranger with Redis access: unsigned, forged, and signed with another pool's credential
    await q.add('x', agentEvents.batch(job, 0, makeSamples(3)));
    const parts = parseAgentToken(await t.agentToken('ingest-pool'))!;
    const forged = agentEvents.batch(job, 1, makeSamples(3));
    await q.add('x', {
      ...forged,
      auth: { cred: parts.credentialId, pool: parts.pool, mac: 'f'.repeat(64) },
    });
    const otherParts = parseAgentToken(await t.agentToken('ingest-other'))!;
    const wrongPool = agentEvents.batch(job, 2, makeSamples(3));
    const mac = createHmac('sha256', otherParts.secret).update(JSON.stringify(wrongPool)).digest('hex');
    await q.add('x', { ...wrongPool, auth: { cred: otherParts.credentialId, pool: otherParts.pool, mac } });
    // the pool's own agent
    await sendEvents(t, [agentEvents.batch(job, 3, makeSamples(2, 100))]);
    await waitFor('the signed batch', async () =>
      (await t.prisma.ingestBatch.count({ where: { loadPointId: job.loadPointId } })) === 1
        ? true
        : undefined,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(
      await t.prisma.ingestBatch.findMany({
        where: { loadPointId: job.loadPointId },
        select: { batchSeq: true },
      }),
    ).toEqual([{ batchSeq: 3 }]);
    expect(await t.prisma.requestSample.count({ where: { loadPointId: job.loadPointId } })).toBe(2);

    // heartbeats: an unsigned agent is not registered; a signed one is; a revoked credential drops it
    const info = await announceAgent(t, 'tmp', 'hb-pool');
    await t.redis.set(agentKey(t.prefix, 'stranger'), JSON.stringify({ ...info, id: 'stranger' }), 'EX', 30);
    const listed = await t.client.listAgents();
    expect(listed.items.map((a) => a.id)).toContain('tmp');
    expect(listed.items.map((a) => a.id)).not.toContain('stranger');
    const hbCred = (await t.client.listAgentCredentials()).items.find((c) => c.pool === 'hb-pool')!;
    await t.client.revokeAgentCredential(hbCred.id);
    await waitFor('the revoked agent to go offline', async () => {
      const a = (await t.client.listAgents()).items.find((x) => x.id === 'tmp');
      return a?.state === 'offline' ? true : undefined;
    });
  });

  /** A run on `pool` with an eval work item (built-in `mini`, task arith), its eval job taken off `eval.<pool>`. */
  async function startEvalItem(pool: string, name: string): Promise<{ job: EvalJob; raw: unknown }> {
    await announceAgent(t, `agent-${pool}`, pool);
    const target = await t.client.createTarget(
      targetBody(`${name}-target`, { pool, apiKey: 'sk-eval-secret' }),
    );
    const exp = await t.client.createExperiment(
      experimentBody([target.id], {
        name,
        loadPlan: { kind: 'concurrency', levels: [1], requests: 5, seed: 1 },
        evals: { suites: ['mini'], tasks: ['arith'], concurrency: 2 },
      }),
    );
    await t.client.startRun(exp.id);
    const q = t.queue(evalQueueName(pool));
    const [j] = await waitFor('the eval job', async () => {
      const jobs = await q.getJobs(['waiting', 'prioritized']);
      return jobs.length ? jobs : undefined;
    });
    await q.remove(j!.id!);
    return { job: EvalJobSchema.parse(j!.data), raw: j!.data };
  }

  it('eval work items: the secret goes to an agent of the pool only; wrong-pool and unsigned eval events are dropped', async () => {
    const { job, raw } = await startEvalItem('eval-pool', 'eval-auth');
    // the eval job, like a load job, says where to get the key and never carries it
    expect(JSON.stringify(raw)).not.toContain('sk-eval-secret');
    expect(job.target).toMatchObject({ apiKeyFromApi: true });
    const url = `/agents/load-points/${job.workItemId}/secret`;
    const mine = await t.fetch(url, {
      headers: { authorization: `Bearer ${await t.agentToken('eval-pool')}` },
    });
    expect(mine.status).toBe(200);
    expect(await mine.json()).toEqual({ apiKey: 'sk-eval-secret' });
    const other = await t.fetch(url, {
      headers: { authorization: `Bearer ${await t.agentToken('eval-other')}` },
    });
    expect(other.status).toBe(403);

    const base = { v: 1 as const, runId: job.runId, workItemId: job.workItemId, agentId: 'x', attempt: 0 };
    const records = (batchIndex: number): EvalRecordsEvent => ({
      ...base,
      ts: Date.now(),
      type: 'eval.records',
      batchIndex,
      records: [
        {
          taskId: 'arith',
          itemId: `arith-forged-${batchIndex}`,
          templateHash: 'h',
          promptHash: 'h',
          reference: '1',
          references: [],
          response: { content: '1', reasoning: null },
          extracted: '1',
          parseStatus: 'ok',
          correct: true,
          score: 1,
          scores: { accuracy: 1 },
          samples: [],
          tokens: { input: 1, output: 1, reasoning: 0 },
          latencyMs: 1,
        },
      ],
    });
    const q = t.queue(INGEST_QUEUE);
    // signed with another pool's live credential: the signature is valid, the pool is not the work item's
    const otherParts = parseAgentToken(await t.agentToken('eval-other'))!;
    const signedByOther = (e: AgentEvent) => ({
      ...e,
      auth: {
        cred: otherParts.credentialId,
        pool: otherParts.pool,
        mac: createHmac('sha256', otherParts.secret).update(JSON.stringify(e)).digest('hex'),
      },
    });
    await q.add('x', signedByOther({ ...base, ts: Date.now(), type: 'eval.started' }));
    await q.add('x', signedByOther(records(0)));
    await q.add('x', records(1)); // unsigned
    // the pool's own agent
    await sendEvents(t, [records(2)]);
    await waitFor('the signed eval batch', async () =>
      (await t.prisma.evalBatch.count({ where: { workItemId: job.workItemId } })) === 1 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(
      await t.prisma.evalBatch.findMany({
        where: { workItemId: job.workItemId },
        select: { batchIndex: true },
      }),
    ).toEqual([{ batchIndex: 2 }]);
    expect(
      (
        await t.prisma.evalRecord.findMany({
          where: { workItemId: job.workItemId },
          select: { itemId: true },
        })
      ).map((r) => r.itemId),
    ).toEqual(['arith-forged-2']);
    // the wrong-pool eval.started did not mark the item running
    expect(
      (
        await t.prisma.loadPoint.findUniqueOrThrow({
          where: { id: job.workItemId },
          select: { status: true },
        })
      ).status,
    ).toBe('queued');
  });
});

describe('configuration and limits', () => {
  it('refuses to start in production without SECRET_KEY, or with a bootstrap token unless allowed', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SECRET_KEY: required/);
    const key = 'cd'.repeat(32);
    expect(loadConfig({ NODE_ENV: 'production', SECRET_KEY: key }).secrets.isDevelopmentKey).toBe(false);
    const boot = 'b'.repeat(40);
    expect(() =>
      loadConfig({ NODE_ENV: 'production', SECRET_KEY: key, INFERBENCH_BOOTSTRAP_TOKEN: boot }),
    ).toThrow(/INFERBENCH_BOOTSTRAP_TOKEN: refused/);
    expect(
      loadConfig({
        NODE_ENV: 'production',
        SECRET_KEY: key,
        INFERBENCH_BOOTSTRAP_TOKEN: boot,
        INFERBENCH_ALLOW_BOOTSTRAP_TOKEN: 'true',
      }).auth.bootstrapToken,
    ).toBe(boot);
    expect(() => loadConfig({ INFERBENCH_BOOTSTRAP_TOKEN: 'short' })).toThrow(/at least 32/);
    // development keeps the development key (with its warning)
    expect(loadConfig({}).secrets.isDevelopmentKey).toBe(true);
  });

  it('rate-limits per credential, and refuses a big anonymous body before reading it', async () => {
    const limited = await startTestApi({ RATE_LIMIT_PER_MINUTE: '5' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) codes.push((await limited.fetch('/targets')).status);
      expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(codes[5]).toBe(429);
      const res = await limited.fetch('/targets');
      expect(await res.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      // another credential has its own budget; the health checks have none
      expect((await limited.fetch('/targets', { auth: false })).status).toBe(401);
      for (let i = 0; i < 8; i++) expect((await fetch(`${limited.url}/health`)).status).toBe(200);

      const big = await fetch(`${limited.url}/imports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'x'.repeat(200_000) }),
      });
      expect(big.status).toBe(401);
    } finally {
      await limited.close();
    }
  });
});

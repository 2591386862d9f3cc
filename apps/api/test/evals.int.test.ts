/**
 * Accuracy evals run through the platform, end to end over real PostgreSQL, Redis, a real agent (`startAgent`) and
 * the simulator with its answer key: an experiment with two variants (sim fp16 at accuracy 0.72, int4-awq at 0.69)
 * and a suite of three task types → one run → per-task scores, parse failures, McNemar, flips; a re-score that sends
 * no request to the target; a target without completions echo → "likelihood scoring unsupported"; a re-delivered
 * record batch stored once.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  evalBatchJobId,
  parseAgentToken,
  INGEST_QUEUE,
  isTerminalRunStatus,
  type EvalRecordsEvent,
  type Run,
} from '@inferbench/contracts';
import { loadConfig as loadAgentConfig, startAgent, type RunningAgent } from '@inferbench/agent';
import { startSim, type SimServer } from '@inferbench/sim';
import { startTestApi, waitFor, type TestApi } from './helpers.js';

let app: TestApi;
let sim: SimServer;
let agent: RunningAgent;
const targets: Record<string, string> = {};

const FAST = { stepBaseMs: 1, prefillPerTokenMs: 0.001, jitterFrac: 0 };

beforeAll(async () => {
  app = await startTestApi({ STALL_TIMEOUT_SEC: '60' });
  sim = await startSim({
    seed: 1,
    profiles: {
      'ev-fp16': { extends: 'sim-fp16', ...FAST, accuracy: 0.72 },
      'ev-int4-awq': { extends: 'sim-int4-awq', ...FAST, accuracy: 0.69 },
      'ev-noecho': { extends: 'sim-fp16', ...FAST, echo: false },
    },
    models: ['ev-fp16', 'ev-int4-awq', 'ev-noecho'],
  });
  agent = await startAgent(
    loadAgentConfig({
      REDIS_URL: app.testRedis.url,
      QUEUE_PREFIX: app.prefix,
      AGENT_ID: `evals-agent-${app.prefix}`,
      // agents hold a credential of their pool (issue 12), like every test agent
      AGENT_TOKEN: await app.agentToken(),
      INFERBENCH_API_URL: app.url,
      AGENT_TOKENIZER: 'whitespace',
      AGENT_GPU_TELEMETRY: 'false',
      AGENT_METRICS_PORT: '0',
      LOG_LEVEL: 'silent',
    }),
    { listGpus: async () => [] },
  );
  for (const model of ['ev-fp16', 'ev-int4-awq', 'ev-noecho']) {
    const t = await app.client.createTarget({
      name: model,
      baseUrl: `${sim.url}/v1`,
      apiKind: 'chat',
      model,
    });
    targets[model] = t.id;
  }
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await sim?.close();
  await app?.close();
});

async function runToEnd(id: string, timeoutMs = 150_000): Promise<Run> {
  return waitFor(
    `run ${id} to end`,
    async () => {
      const r = await app.client.getRun(id);
      return isTerminalRunStatus(r.status) ? r : null;
    },
    timeoutMs,
  );
}

/**
 * A server in front of the simulator that refuses every POST without `authorization: Bearer <key>` (401) and counts
 * the accepted ones, streamed (load requests) and not (eval requests), so a test sees that both kinds of work item
 * got the target's key from the API.
 */
async function keyCheckingProxy(upstream: string, key: string) {
  const seen = { streamed: 0, json: 0, refused: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'POST') {
        if (req.headers.authorization !== `Bearer ${key}`) {
          seen.refused++;
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end('{"error":{"message":"invalid API key"}}');
          return;
        }
        if (/"stream"\s*:\s*true/.test(body.toString('utf8'))) seen.streamed++;
        else seen.json++;
      }
      const url = new URL(req.url ?? '/', upstream);
      const up = http.request(
        url,
        { method: req.method, headers: { ...req.headers, host: url.host } },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

const SMALL_LOAD = {
  workload: {
    kind: 'synthetic' as const,
    inputTokens: { kind: 'fixed' as const, value: 16 },
    outputTokens: { kind: 'fixed' as const, value: 4 },
  },
  loadPlan: { kind: 'concurrency' as const, levels: [2], requests: 8, seed: 3 },
};

describe('evals through the platform', () => {
  let runId: string;

  it('runs a suite of three task types on two variants with a load plan: scores, parse failures, McNemar, flips', async () => {
    const exp = await app.client.createExperiment({
      name: 'evals e2e',
      ...SMALL_LOAD,
      evals: { suites: ['mini'], tasks: ['larger-mc', 'arith', 'sentiment'], concurrency: 16 },
      variants: [
        { targetId: targets['ev-fp16']!, label: 'fp16', params: { maxTokens: 4 } },
        { targetId: targets['ev-int4-awq']!, label: 'int4-awq', params: { maxTokens: 4 } },
      ],
    });
    expect(exp.evals?.concurrency).toBe(16);
    const started = await app.client.startRun(exp.id);
    runId = started.id;
    const run = await runToEnd(runId);
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    // eval work items are served under `evals`, not as load points
    expect(run.loadPoints).toHaveLength(2);
    expect(run.spec.evals?.tasks).toEqual(['larger-mc', 'arith', 'sentiment']);
    expect(run.evals?.variants.map((v) => v.variantLabel)).toEqual(['fp16', 'int4-awq']);

    const evals = await app.client.getRunEvals(runId);
    expect(evals.scoreVersions).toEqual([0]);
    const configured: Record<string, number> = { fp16: 0.72, 'int4-awq': 0.69 };
    let unparseable = 0;
    for (const v of evals.variants) {
      expect(v.status).toBe('completed');
      expect(v.tasks.map((t) => t.taskId)).toEqual(['larger-mc', 'arith', 'sentiment']);
      for (const t of v.tasks) {
        expect(t.status).toBe('completed');
        expect(t.items).toBeGreaterThanOrEqual(60);
        expect(t.requestErrors).toBe(0);
        // the configured probability lies inside the measured accuracy's Wilson 95 % interval
        expect(t.wilson.lo).toBeLessThanOrEqual(configured[v.variantLabel]!);
        expect(t.wilson.hi).toBeGreaterThanOrEqual(configured[v.variantLabel]!);
        expect(t.bootstrapSe).toBeGreaterThan(0);
        expect(t.latency.p50).not.toBeNull();
        expect(t.parseFailureRate).toBeCloseTo((t.noAnswer + t.invalid) / t.items, 10);
        unparseable += t.noAnswer + t.invalid;
      }
      expect(v.suite?.tasks).toBe(3);
      expect(v.suite?.itemWeighted).toBeGreaterThan(0.5);
    }
    // the simulator makes a share of wrong answers unparseable: counted, never request failures
    expect(unparseable).toBeGreaterThan(0);

    const bad = await app.client.getEvalItems(runId, {
      task: 'arith',
      variant: 'fp16',
      status: 'unparseable',
      pageSize: 500,
    });
    for (const row of bad.items) expect(row.parseStatus).not.toBe('ok');
    const all = await app.client.getEvalItems(runId, { variant: 'fp16', pageSize: 10, page: 2 });
    expect(all.items).toHaveLength(10);
    expect(all.total).toBe(evals.variants[0]!.tasks.reduce((a, t) => a + t.items, 0));
    expect(all.items[0]!.prompt).not.toBeNull();
    expect(all.items[0]!.response.content).not.toBeNull();

    const cmp = await app.client.compareEvals(
      { runId, variantLabel: 'fp16' },
      { runId, variantLabel: 'int4-awq' },
    );
    expect(cmp.tasks.map((t) => t.taskId)).toEqual(['larger-mc', 'arith', 'sentiment']);
    let discordant = 0;
    for (const t of cmp.tasks) {
      expect(t.mcnemar.p).toBeGreaterThan(0);
      expect(t.mcnemar.p).toBeLessThanOrEqual(1);
      expect(t.versionHashMismatch).toBe(false);
      expect(t.itemsNeededForDrop.twoPoints).toBeGreaterThan(t.itemsNeededForDrop.fivePoints);
      discordant += t.mcnemar.discordant.rightToWrong + t.mcnemar.discordant.wrongToRight;
    }
    expect(cmp.flips).toHaveLength(discordant);
    // same accuracy seed: int4's right items are a subset of fp16's, so flips (if any) go right → wrong
    expect(discordant).toBeGreaterThan(0);
    expect(cmp.flips.filter((f) => f.direction === 'rightToWrong').length).toBeGreaterThan(0);
  }, 180_000);

  it('re-scores stored responses with a changed extraction: a new score version, no request reaches the target', async () => {
    const before = sim.stats().requestsReceived;
    const v0 = await app.client.getRunEvals(runId);
    const res = await app.client.rescoreEvals(runId, {
      overrides: { arith: { scoring: { mode: 'generate', extract: { kind: 'number', which: 'first' } } } },
    });
    expect(res.scoreVersion).toBe(1);
    expect(res.rescored).toBeGreaterThan(0);
    expect(sim.stats().requestsReceived).toBe(before);
    const v1 = await app.client.getRunEvals(runId);
    expect(v1.scoreVersions).toEqual([0, 1]);
    for (const v of v1.variants) {
      expect(v.scoreVersion).toBe(1);
      const old = v0.variants.find((x) => x.variantLabel === v.variantLabel)!;
      // tasks without an override score exactly as measured
      for (const id of ['larger-mc', 'sentiment']) {
        expect(v.tasks.find((t) => t.taskId === id)!.accuracy).toBe(
          old.tasks.find((t) => t.taskId === id)!.accuracy,
        );
      }
      const arith = v.tasks.find((t) => t.taskId === 'arith')!;
      expect(arith.versionHash).not.toBe(old.tasks.find((t) => t.taskId === 'arith')!.versionHash);
    }
    // the old version stays readable
    const again = await app.client.getRunEvals(runId, { scoreVersion: 0 });
    expect(again.variants[0]!.tasks).toEqual(v0.variants[0]!.tasks);
    // a changed scoring mode is refused: the stored responses were generated for the old one
    await expect(
      app.client.rescoreEvals(runId, {
        overrides: { arith: { scoring: { mode: 'next_token', topLogprobs: 5 } } },
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect(sim.stats().requestsReceived).toBe(before);
    // re-scoring with the stored config reproduces what was measured, item for item
    const same = await app.client.rescoreEvals(runId, {});
    expect(same.scoreVersion).toBe(2);
    for (const v of same.evals.variants) {
      const old = v0.variants.find((x) => x.variantLabel === v.variantLabel)!;
      expect(v.tasks.map((t) => [t.taskId, t.accuracy, t.noAnswer, t.invalid, t.versionHash])).toEqual(
        old.tasks.map((t) => [t.taskId, t.accuracy, t.noAnswer, t.invalid, t.versionHash]),
      );
    }
    expect(sim.stats().requestsReceived).toBe(before);
    // compare across runs at the latest version warns about the changed config
    const cmp = await app.client.compareEvals(
      { runId, variantLabel: 'fp16' },
      { runId, variantLabel: 'fp16' },
    );
    expect(
      cmp.tasks.every((t) => t.mcnemar.discordant.rightToWrong + t.mcnemar.discordant.wrongToRight === 0),
    ).toBe(true);
  }, 60_000);

  it('stores a re-delivered record batch once', async () => {
    const item = (await app.client.getRunEvals(runId)).variants[0]!;
    const count = async () =>
      app.prisma.evalRecord.count({ where: { workItemId: item.workItemId, scoreVersion: 0 } });
    const batches = async () => app.prisma.evalBatch.count({ where: { workItemId: item.workItemId } });
    const [n0, b0] = [await count(), await batches()];
    const stored = await app.prisma.evalRecord.findFirstOrThrow({
      where: { workItemId: item.workItemId, scoreVersion: 0 },
    });
    const record = {
      taskId: stored.taskId,
      itemId: stored.itemId,
      templateHash: stored.templateHash,
      promptHash: stored.promptHash,
      reference: stored.reference,
      references: [],
      response: { content: 'X', reasoning: null },
      extracted: null,
      parseStatus: 'no_answer' as const,
      correct: false,
      score: 0,
      scores: { accuracy: 0 },
      samples: [],
      tokens: { input: 0, output: 0, reasoning: 0 },
      latencyMs: 1,
    };
    const event = (batchIndex: number, itemId: string): EvalRecordsEvent => ({
      v: 1,
      type: 'eval.records',
      runId,
      workItemId: item.workItemId,
      agentId: 'replayer',
      ts: Date.now(),
      attempt: 0,
      batchIndex,
      records: [{ ...record, itemId }],
    });
    // signed with the pool's agent credential, as the agent's ingest sink does (unsigned events are dropped)
    const parts = parseAgentToken(await app.agentToken())!;
    const signed = (e: EvalRecordsEvent) => ({
      ...e,
      auth: {
        cred: parts.credentialId,
        pool: parts.pool,
        mac: createHmac('sha256', parts.secret).update(JSON.stringify(e)).digest('hex'),
      },
    });
    const q = app.queue(INGEST_QUEUE);
    // batch 0 again (a new item id inside): the ledger says it is stored, nothing is written
    const j1 = await q.add('eval.records', signed(event(0, 'never-seen')), {
      jobId: `${evalBatchJobId(item.workItemId, 0, 0)}-replay`,
    });
    // a new batch index carrying an item that is already stored: the record key keeps the first
    const j2 = await q.add('eval.records', signed(event(10_000, stored.itemId)), {
      jobId: evalBatchJobId(item.workItemId, 0, 10_000),
    });
    await waitFor(
      'both replays processed',
      async () => (await j1.isCompleted()) && (await j2.isCompleted()),
      15_000,
    );
    // the new batch index was accepted (a ledger row: the events were not dropped as unsigned), its record was not
    await waitFor('the new batch in the ledger', async () => (await batches()) === b0 + 1, 10_000);
    expect(await count()).toBe(n0);
    const same = await app.prisma.evalRecord.findUniqueOrThrow({
      where: {
        workItemId_attempt_scoreVersion_taskId_itemId: {
          workItemId: item.workItemId,
          attempt: 0,
          scoreVersion: 0,
          taskId: stored.taskId,
          itemId: stored.itemId,
        },
      },
    });
    expect(same.content).toBe(stored.content);
  }, 30_000);

  it('alongside-load: the eval runs concurrently with its load point on the same target', async () => {
    // the target wants its key: every eval and load request must carry it (the agent gets it from the API)
    const guarded = await keyCheckingProxy(sim.url, 'sk-eval-test');
    const keyed = await app.client.createTarget({
      name: 'ev-fp16 with key',
      baseUrl: `${guarded.url}/v1`,
      apiKind: 'chat',
      model: 'ev-fp16',
      apiKey: 'sk-eval-test',
    });
    const exp = await app.client.createExperiment({
      name: 'evals alongside',
      workload: SMALL_LOAD.workload,
      loadPlan: { kind: 'concurrency', levels: [1, 2], durationSec: 1.5, seed: 4 },
      evals: {
        suites: ['mini'],
        tasks: ['larger-mc'],
        concurrency: 4,
        mode: 'alongside-load',
        alongsidePoint: 1,
      },
      // a target with an API key: the agent fetches it for the eval work item (it never travels in Redis)
      variants: [{ targetId: keyed.id, label: 'fp16', params: { maxTokens: 4 } }],
    });
    const run = await runToEnd((await app.client.startRun(exp.id)).id).finally(() => guarded.close());
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    // GET /agents/load-points/:id/secret answered for the eval work item too: its requests carried the key
    expect(guarded.seen.refused).toBe(0);
    expect(guarded.seen.streamed).toBeGreaterThan(0);
    expect(guarded.seen.json).toBeGreaterThanOrEqual(80); // larger-mc: 80 items, one request each
    const ev = run.evals!.variants[0]!;
    expect(ev.mode).toBe('alongside-load');
    expect(ev.tasks.map((x) => [x.taskId, x.status, x.requestErrors])).toEqual([
      ['larger-mc', 'completed', 0],
    ]);
    const companion = run.loadPoints.find((p) => p.id === ev.loadPointId)!;
    expect(companion.levelLabel).toBe('c=2');
    // the two windows overlap: each started before the other finished
    const t = (s: string | null) => Date.parse(s!);
    expect(t(ev.startedAt)).toBeLessThan(t(companion.finishedAt));
    expect(t(companion.startedAt)).toBeLessThan(t(ev.finishedAt));
    // the other point of the chain did not overlap the eval
    const first = run.loadPoints.find((p) => p.levelLabel === 'c=1')!;
    expect(t(first.finishedAt)).toBeLessThanOrEqual(t(ev.startedAt));
  }, 120_000);

  it('a target without completions echo fails a likelihood task with "likelihood scoring unsupported", naming it in the run', async () => {
    const exp = await app.client.createExperiment({
      name: 'evals no echo',
      ...SMALL_LOAD,
      evals: { suites: ['mini-likelihood'], tasks: ['larger-loglik'], concurrency: 8 },
      variants: [{ targetId: targets['ev-noecho']!, label: 'noecho', params: { maxTokens: 4 } }],
    });
    const run = await runToEnd((await app.client.startRun(exp.id)).id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/likelihood scoring unsupported/);
    const task = run.evals!.variants[0]!.tasks[0]!;
    expect(task.taskId).toBe('larger-loglik');
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(/^likelihood scoring unsupported: /);
    // the load point itself measured normally
    expect(run.loadPoints[0]!.status).toBe('completed');
  }, 120_000);
});

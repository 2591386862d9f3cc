/**
 * `inferbench ci` as a pipeline runs it: the real API (fresh database, own Redis prefix), an agent in-process, the
 * simulator with a fast and a deliberately slow fixed-latency model, the CLI as a child process, and a webhook
 * receiver (node:http) that checks the HMAC signature itself.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startAgent, loadConfig as loadAgentConfig, type RunningAgent } from '@inferbench/agent';
import { loadConfig as loadApiConfig, startApi, type StartedApi } from '@inferbench/api';
import { ApiClient } from '@inferbench/api-client';
import { startSim, type SimServer } from '@inferbench/sim';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@inferbench/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runInferbench } from '../testing/run-cli-process.js';

let db: TestDatabase;
let tr: TestRedis;
let api: StartedApi;
let agent: RunningAgent;
let sim: SimServer;
let client: ApiClient;
let dir: string;
let receiver: http.Server;
let receiverUrl: string;
const pool = `ci${randomBytes(3).toString('hex')}`;
const SECRET = 'whsec-test-0123456789';
/** the API's bootstrap credential (tests): the CLI sends it from INFERBENCH_TOKEN */
const TOKEN = `ci-e2e-${randomBytes(16).toString('hex')}`;
const auth = { authorization: `Bearer ${TOKEN}` };

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  answered: number;
}
const received: Received[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  tr = createTestRedis();
  sim = await startSim({
    port: 0,
    profiles: {
      // no jitter: every TTFT is ~10 ms (fast) or ~150 ms (slow)
      'ci-fast': { kind: 'fixed', ttftMs: 10, tpotMs: 1 },
      'ci-slow': { kind: 'fixed', ttftMs: 150, tpotMs: 1 },
    },
  });
  api = await startApi(
    loadApiConfig({
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '4',
      REDIS_URL: tr.url,
      QUEUE_PREFIX: tr.prefix,
      API_HOST: '127.0.0.1',
      API_PORT: '0',
      SECRET_KEY: 'ab'.repeat(32),
      SWEEP_INTERVAL_MS: '200',
      LOG_LEVEL: 'silent',
      INFERBENCH_BOOTSTRAP_TOKEN: TOKEN,
      NODE_ENV: 'test',
      RATE_LIMIT_PER_MINUTE: '0',
      METRICS_PORT: '0',
    }),
  );
  client = new ApiClient({ baseUrl: api.url, token: TOKEN });
  // the pool's agent credential, as an agent reads it from AGENT_TOKEN
  const credential = await client.createAgentCredential({ pool, name: `ci-e2e-${pool}` });
  agent = await startAgent(
    loadAgentConfig({
      AGENT_TOKEN: credential.token,
      INFERBENCH_API_URL: api.url,
      REDIS_URL: tr.url,
      QUEUE_PREFIX: tr.prefix,
      AGENT_POOL: pool,
      AGENT_ID: `ci-e2e-${tr.prefix}`,
      AGENT_TOKENIZER: 'whitespace',
      AGENT_METRICS_PORT: '0',
      LOG_LEVEL: 'silent',
    }),
    { listGpus: async () => [] },
  );
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-ci-'));
  // the first delivery attempt is answered 500, so the retry (backoff) is exercised; later ones 204
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answered = received.length === 0 ? 500 : 204;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await api?.close();
  await sim?.close();
  await new Promise((r) => receiver?.close(r));
  await tr?.cleanup().catch(() => undefined);
  await db?.drop().catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The experiment file; `model` picks the simulator's fast or slow profile for the one variant. */
function experimentYaml(model: 'ci-fast' | 'ci-slow', extra = ''): string {
  return `# experiment as code: the API's experiment body + targets, thresholds, baseline
targets:
  - name: sim-${model}
    baseUrl: ${sim.url}
    apiKind: chat
    model: ${model}
    pool: ${pool}
name: ci pipeline
tags: [ci]
workload:
  kind: synthetic
  inputTokens: { kind: fixed, value: 16 }
  outputTokens: { kind: fixed, value: 4 }
loadPlan:
  kind: concurrency
  levels: [4]
  requests: 200
variants:
  - label: main
    target: sim-${model}
    params: { maxTokens: 4, ignoreEos: true }
webhooks:
  - url: ${receiverUrl}
    secretEnv: HOOK_SECRET
thresholds:
  ttft: ['p(95)<80', 'p(99)<1200']
  error_rate: ['rate<0.01']
  output_tps: ['avg>1']
baseline:
  maxRegression:
    ttft.p95: 10%
${extra}`;
}

const ciEnv = (summary: string) => ({
  INFERBENCH_API_URL: api.url,
  INFERBENCH_TOKEN: TOKEN,
  HOOK_SECRET: SECRET,
  GITHUB_ACTIONS: 'true',
  GITHUB_SHA: 'a1b2c3d4e5f6a7b8c9d0',
  GITHUB_REF_NAME: 'feature/faster',
  GITHUB_SERVER_URL: 'https://github.example',
  GITHUB_REPOSITORY: 'acme/serving',
  GITHUB_RUN_ID: '4242',
  GITHUB_JOB: 'perf',
  GITHUB_STEP_SUMMARY: summary,
});

const out = (r: { code: number; stdout: string; stderr: string }) =>
  `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

it('passes a fast variant, follows the same run on a retry, fails a slowed one on the p95 threshold and the baseline gate', async () => {
  const fastFile = path.join(dir, 'perf-fast.yaml');
  const slowFile = path.join(dir, 'perf-slow.yaml');
  await writeFile(fastFile, experimentYaml('ci-fast'));
  await writeFile(slowFile, experimentYaml('ci-slow'));
  const stepSummary = path.join(dir, 'step-summary.md');

  // 1. fast: exit 0, becomes the baseline (main-branch style)
  const j1 = path.join(dir, 'fast.xml');
  const first = await runInferbench(
    ['ci', '-f', fastFile, '--junit', j1, '--summary-md', path.join(dir, 'fast.md'), '--set-baseline'],
    ciEnv(stepSummary),
  );
  expect(first.code, out(first)).toBe(0);
  const runId = /started run (\S+)/.exec(first.stderr)?.[1];
  expect(runId).toBeDefined();
  expect(first.stdout).toMatch(/^ok\s+main c=4\s+ttft p\(95\)<80\s+observed \d/m);
  expect(first.stdout).toContain('baseline gate skipped: the experiment has no baseline run');
  const run1 = await client.getRun(runId!);
  expect(run1).toMatchObject({ status: 'completed', trigger: 'ci' });
  expect(run1.metadata).toEqual({
    gitSha: 'a1b2c3d4e5f6a7b8c9d0',
    gitBranch: 'feature/faster',
    ciUrl: 'https://github.example/acme/serving/actions/runs/4242',
    ciProvider: 'github',
  });
  expect(run1.idempotencyKey).toMatch(/^ci-[0-9a-f]{40}$/);
  expect(run1.evaluation).toMatchObject({ pass: true, runStatus: 'completed' });
  expect(run1.evaluation!.thresholds).toHaveLength(4);
  const junit1 = await readFile(j1, 'utf8');
  expect(junit1).toContain('name="ttft p(95)&lt;80"');
  expect(junit1).not.toContain('<failure');
  const exp = await client.getExperiment(run1.experimentId);
  expect(exp.baselineRunId).toBe(runId);
  expect(exp.webhooks).toEqual([{ url: receiverUrl, hasSecret: true }]);

  // 2. the same CI job retried (same GITHUB_RUN_ID/JOB, same file): the default key finds the same run
  const retry = await runInferbench(['ci', '-f', fastFile], ciEnv(stepSummary));
  expect(retry.code, out(retry)).toBe(0);
  expect(retry.stderr).toContain(`following the run an earlier attempt started ${runId}`);
  expect((await client.listRuns({ experimentId: exp.id })).total).toBe(1);

  // 3. slowed: the p95 threshold and the baseline gate fail, exit 1, the JUnit file names the failed cases
  const j2 = path.join(dir, 'slow.xml');
  const md2 = path.join(dir, 'slow.md');
  const second = await runInferbench(
    ['ci', '-f', slowFile, '--junit', j2, '--summary-md', md2],
    ciEnv(stepSummary),
  );
  expect(second.code, out(second)).toBe(1);
  expect(second.stdout).toMatch(/^FAIL main c=4\s+ttft p\(95\)<80\s+observed 1\d\d/m);
  expect(second.stdout).toMatch(/^ok\s+main c=4\s+ttft p\(99\)<1200/m);
  expect(second.stdout).toMatch(
    /^FAIL main c=4\s+ttft\.p95 vs baseline: .* % worse, tolerance 10 %, beyond noise: true\)/m,
  );
  expect(second.stderr).toContain('inferbench ci: failed: thresholds or baseline regression');
  const run2Id = /started run (\S+)/.exec(second.stderr)![1]!;
  expect(run2Id).not.toBe(runId);
  const junit2 = await readFile(j2, 'utf8');
  expect(junit2).toMatch(
    /<testcase classname="inferbench\.ci pipeline\.main c=4" name="ttft p\(95\)&lt;80">\s*<failure message="ttft p\(95\)&lt;80: observed 1\d\d/,
  );
  expect(junit2).toMatch(/name="main c=4 ttft\.p95 regression &lt;= 10%">\s*<failure/);
  expect(junit2.match(/<failure/g)).toHaveLength(2);
  const run2 = await client.getRun(run2Id);
  expect(run2.status).toBe('completed');
  expect(run2.evaluation?.pass).toBe(false);
  expect(run2.evaluation?.baseline).toMatchObject({ baselineRunId: runId, pass: false });
  const check = run2.evaluation!.baseline!.checks[0]!;
  expect(check).toMatchObject({ rule: 'ttft.p95', beyondNoise: true, pass: false });
  expect(check.worsePct!).toBeGreaterThan(100);
  expect(check.baselineCi!.upper).toBeLessThan(check.currentCi!.lower);
  const md = await readFile(md2, 'utf8');
  expect(md).toContain('### inferbench: ci pipeline — ❌ thresholds or regression failed');
  expect(md).toMatch(/\| main \| c=4 \| ttft \| `p\(95\)<80` \| 1\d\d\.\d ms \| ❌ \|/);
  // both runs appended their summary to the GitHub step summary
  expect((await readFile(stepSummary, 'utf8')).match(/^### inferbench: ci pipeline/gm)).toHaveLength(3);

  // 4. webhooks: every run end delivered, signed over "<timestamp>.<raw body>", the first attempt retried
  await waitFor(async () => {
    const d = await client.listWebhookDeliveries(exp.id);
    return d.items.length === 2 && d.items.every((x) => x.status === 'delivered');
  });
  const deliveries = (await client.listWebhookDeliveries(exp.id)).items;
  expect(deliveries.map((d) => d.runId).sort()).toEqual([runId, run2Id].sort());
  expect(deliveries.map((d) => d.attempts).sort()).toEqual([1, 2]);
  const retried = deliveries.find((d) => d.attempts === 2)!;
  expect(retried).toMatchObject({ lastStatusCode: 204, lastError: null, url: receiverUrl });
  expect(received[0]!.answered).toBe(500);
  for (const r of received) {
    const ts = String(r.headers['x-inferbench-timestamp']);
    expect(Math.abs(Date.now() / 1000 - Number(ts))).toBeLessThan(120);
    const want = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${r.body}`).digest('hex')}`;
    expect(r.headers['x-inferbench-signature']).toBe(want);
    // a tampered body or a replayed timestamp does not verify
    expect(
      createHmac('sha256', SECRET)
        .update(`${Number(ts) + 1}.${r.body}`)
        .digest('hex'),
    ).not.toBe(want.slice(7));
    expect(r.headers['x-inferbench-event']).toBe('run.finished');
    const body = JSON.parse(r.body) as {
      event: string;
      deliveryId: string;
      run: { id: string; status: string };
      points: unknown[];
    };
    expect(body.event).toBe('run.finished');
    expect(body.run.status).toBe('completed');
    expect(body.deliveryId).toBe(r.headers['x-inferbench-delivery']);
    expect(body.points).toHaveLength(1);
  }
}, 120_000);

it('cancels the run when an abortOnFail threshold fails at a finished point (exit 1), and rejects a bad file (exit 3)', async () => {
  const file = path.join(dir, 'abort.yaml');
  await writeFile(
    file,
    experimentYaml('ci-slow')
      .replace('name: ci pipeline', 'name: ci abort')
      .replace('levels: [4]', 'levels: [1, 2, 4]')
      .replace('requests: 200', 'requests: 30')
      .replace("ttft: ['p(95)<80', 'p(99)<1200']", "ttft: [{ threshold: 'p(95)<80', abortOnFail: true }]"),
  );
  const r = await runInferbench(['ci', '-f', file, '--no-baseline'], {
    ...ciEnv(path.join(dir, 's2.md')),
    GITHUB_RUN_ID: '99',
  });
  expect(r.code, out(r)).toBe(1);
  expect(r.stderr).toMatch(
    /threshold crossed with abortOnFail: main c=1: ttft p\(95\)=1\d\d\.\d ms \(threshold p\(95\)<80\); cancelling run/,
  );
  const runId = /started run (\S+)/.exec(r.stderr)![1]!;
  const run = await client.getRun(runId);
  expect(run.status).toBe('cancelled');
  expect(run.loadPoints.filter((p) => p.status === 'completed').length).toBeLessThan(3);
  expect(run.evaluation?.abortedBy).toMatch(/^main c=1: ttft p\(95\)=/);

  const bad = path.join(dir, 'bad.yaml');
  await writeFile(
    bad,
    experimentYaml('ci-fast')
      .replace("'p(95)<80'", "'p95 < 80'")
      .replace('kind: concurrency', 'kind: sideways'),
  );
  const b = await runInferbench(['ci', '-f', bad], {
    INFERBENCH_API_URL: api.url,
    INFERBENCH_TOKEN: TOKEN,
    HOOK_SECRET: SECRET,
  });
  expect(b.code, out(b)).toBe(3);
  expect(b.stderr).toContain('invalid configuration');
  expect(b.stderr).toContain(`thresholds.ttft: "p95 < 80" is not a threshold`);
  expect(b.stderr).toMatch(/loadPlan/);

  const down = await runInferbench(['ci', '-f', file], {
    INFERBENCH_API_URL: 'http://127.0.0.1:9',
    HOOK_SECRET: SECRET,
  });
  expect(down.code, out(down)).toBe(4);
  // a wrong token: exit 4 too, saying why
  const denied = await runInferbench(['ci', '-f', file], {
    INFERBENCH_API_URL: api.url,
    INFERBENCH_TOKEN: 'not-a-token',
    HOOK_SECRET: SECRET,
  });
  expect(denied.code, out(denied)).toBe(4);
  expect(denied.stderr).toContain('refused the credentials (401');
}, 90_000);

it('the start route is idempotent by body field or Idempotency-Key header', async () => {
  const exp = (await client.listExperiments({ q: 'ci pipeline' })).items.find(
    (e) => e.name === 'ci pipeline',
  )!;
  const a = await client.startRun(exp.id, { idempotencyKey: 'same-key' });
  const b = await client.startRun(exp.id, { idempotencyKey: 'same-key' });
  expect(b.id).toBe(a.id);
  const viaHeader = await fetch(`${api.url}/experiments/${exp.id}/runs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': 'same-key' },
    body: '{}',
  });
  expect(viaHeader.status).toBe(201);
  expect(((await viaHeader.json()) as { id: string }).id).toBe(a.id);
  // two at once: one run
  const [c, d] = await Promise.all([
    client.startRun(exp.id, { idempotencyKey: 'race' }),
    client.startRun(exp.id, { idempotencyKey: 'race' }),
  ]);
  expect(c.id).toBe(d.id);
  await client.cancelRun(a.id).catch(() => undefined);
  await client.cancelRun(c.id).catch(() => undefined);
}, 30_000);

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('timed out');
}

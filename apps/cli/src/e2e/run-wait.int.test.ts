/**
 * `inferbench run start --wait` end to end: the real API (fresh database, own Redis prefix), an agent
 * in-process, the simulator as the target, and the CLI as a child process following the run.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { startAgent, loadConfig as loadAgentConfig, type RunningAgent } from '@inferbench/agent';
import { loadConfig as loadApiConfig, startApi, type StartedApi } from '@inferbench/api';
import { ApiClient } from '@inferbench/api-client';
import { startSim, type SimServer } from '@inferbench/sim';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@inferbench/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runInferbench } from '../testing/run-cli-process.js';
import { CLI_TEST_TOKEN, TEST_AGENT_ENV, TEST_API_AUTH_ENV } from '../testing/test-api.js';

let db: TestDatabase;
let tr: TestRedis;
let api: StartedApi;
let agent: RunningAgent;
let sim: SimServer;
let client: ApiClient;
const pool = `cli${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  db = await createTestDatabase();
  tr = createTestRedis();
  sim = await startSim({ port: 0 });
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
      ...TEST_API_AUTH_ENV,
    }),
  );
  client = new ApiClient({ baseUrl: api.url, token: CLI_TEST_TOKEN });
  // the pool's agent credential, as an agent reads it from AGENT_TOKEN
  const credential = await client.createAgentCredential({ pool, name: 'cli-e2e' });
  agent = await startAgent(
    loadAgentConfig({
      AGENT_TOKEN: credential.token,
      INFERBENCH_API_URL: api.url,
      REDIS_URL: tr.url,
      QUEUE_PREFIX: tr.prefix,
      AGENT_POOL: pool,
      AGENT_ID: `cli-e2e-${tr.prefix}`,
      AGENT_TOKENIZER: 'whitespace',
      ...TEST_AGENT_ENV,
      LOG_LEVEL: 'silent',
    }),
    { listGpus: async () => [] },
  );
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await api?.close();
  await sim?.close();
  await tr?.cleanup().catch(() => undefined);
  await db?.drop().catch(() => undefined);
});

it('starts a run by name, follows it live and prints the summary table (exit 0)', async () => {
  const target = await client.createTarget({
    name: 'sim',
    baseUrl: sim.url,
    apiKind: 'chat',
    model: 'sim-fp16',
    pool,
  });
  await client.createExperiment({
    name: 'cli e2e',
    description: '',
    tags: ['e2e'],
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 16 },
      outputTokens: { kind: 'fixed', value: 8 },
    },
    loadPlan: { kind: 'concurrency', levels: [1, 3], requests: 6, seed: 5 },
    variants: [
      {
        targetId: target.id,
        label: 'fp16',
        optimization: { features: {} },
        params: { maxTokens: 8, ignoreEos: true },
      },
    ],
  });

  const list = await runInferbench(['--api', api.url, 'experiments', 'list']);
  expect(list.code).toBe(0);
  expect(list.stdout).toMatch(/cli e2e\s+e2e\s+fp16/);

  const r = await runInferbench([
    '--api',
    api.url,
    'run',
    'start',
    'cli e2e',
    '--wait',
    '--trigger',
    'ci',
    '--meta',
    'gitSha=abc123',
  ]);
  expect(r.stderr).not.toMatch(/inferbench:/);
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  expect(r.stdout).toMatch(/status completed\s+trigger ci\s+gitSha=abc123/);
  const rows = r.stdout.split('\n').filter((l) => l.startsWith('fp16'));
  expect(rows).toHaveLength(2);
  for (const row of rows) {
    const cells = row.trim().split(/\s+/);
    // variant, level, status, ok, failed, TTFT p50 ...
    expect(cells[2]).toBe('completed');
    expect(cells[3]).toBe('6');
    expect(cells[4]).toBe('0');
    expect(Number(cells[5])).toBeGreaterThan(0);
  }
  expect(rows.map((l) => l.trim().split(/\s+/)[1])).toEqual(['c=1', 'c=3']);

  const runId = /started run (\S+)/.exec(r.stderr)?.[1];
  expect(runId).toBeDefined();
  const got = await runInferbench(['--api', api.url, 'run', 'get', runId!, '--json']);
  expect(JSON.parse(got.stdout)).toMatchObject({ id: runId, status: 'completed', trigger: 'ci' });
  const agents = await runInferbench(['--api', api.url, 'agents', 'list']);
  expect(agents.stdout).toContain(agent.id);
});

it("each target's tokenizer setting reaches the agent; the tokenizer used is stored with the point and printed", async () => {
  // the agent's own default is the agent-wide `whitespace` tokenizer: only a target setting resolves one per target
  const server = await client.createTarget({
    name: 'tok-auto',
    baseUrl: sim.url,
    apiKind: 'chat',
    model: 'sim-llama-chat',
    pool,
    tokenizer: 'auto',
  });
  expect(server.tokenizer).toBe('auto');
  const bpe = await client.createTarget({
    name: 'tok-bpe',
    baseUrl: sim.url,
    apiKind: 'chat',
    model: 'sim-llama-chat',
    pool,
    tokenizer: 'o200k_base',
  });
  const plain = await client.createTarget({
    name: 'tok-none',
    baseUrl: sim.url,
    apiKind: 'chat',
    model: 'sim-llama-chat',
    pool,
  });
  const exp = await client.createExperiment({
    name: 'cli e2e tokenizer',
    description: '',
    tags: [],
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 64 },
      outputTokens: { kind: 'fixed', value: 4 },
    },
    loadPlan: { kind: 'concurrency', levels: [2], requests: 6, seed: 3 },
    variants: [
      {
        targetId: server.id,
        label: 'srv',
        optimization: { features: {} },
        params: { maxTokens: 4, ignoreEos: true },
      },
      {
        targetId: bpe.id,
        label: 'bpe',
        optimization: { features: {} },
        params: { maxTokens: 4, ignoreEos: true },
      },
      {
        targetId: plain.id,
        label: 'none',
        optimization: { features: {} },
        params: { maxTokens: 4, ignoreEos: true },
      },
    ],
  });
  const r = await runInferbench(['--api', api.url, 'run', 'start', exp.id, '--wait']);
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  const runId = /started run (\S+)/.exec(r.stderr)![1]!;
  const run = await client.getRun(runId);
  const point = (label: string) => run.loadPoints.find((lp) => lp.variantLabel === label)!;
  // the sim answers vLLM's /tokenize; its chat template adds 5 tokens per request + 5 per message
  expect(point('srv').tokenizer).toMatchObject({
    setting: 'auto',
    source: 'server',
    engine: 'vllm',
    approximate: false,
    templateOverheadTokens: 10,
  });
  expect(point('srv').shardHealth[0]!.tokenizer).toEqual(point('srv').tokenizer);
  // server-counted prompts: 64 content tokens + the template, exactly
  const srvSummary = point('srv').summary!;
  expect(srvSummary.requests.succeeded).toBe(6);
  expect(srvSummary.tokens.input).toBe(6 * 74);
  expect(point('bpe').tokenizer).toMatchObject({
    setting: 'o200k_base',
    name: 'o200k_base',
    source: 'builtin',
  });
  expect(point('none').tokenizer).toBeNull();
  const srvLine = 'tokenizer srv: server /tokenize (vllm shape), template overhead 10 tokens';
  expect(r.stdout).toContain(srvLine);
  expect(r.stdout).toMatch(/^tokenizer bpe: o200k_base, template overhead \d+ tokens?$/m);
  expect(r.stdout).not.toContain('tokenizer none');
  const got = await runInferbench(['--api', api.url, 'run', 'get', runId]);
  expect(got.code).toBe(0);
  expect(got.stdout).toContain(srvLine);
  const targets = await runInferbench(['--api', api.url, 'targets', 'list']);
  expect(targets.stdout).toMatch(/tok-bpe\s.*\skeep-alive\s+o200k_base\s*$/m);
  expect(targets.stdout).toMatch(/tok-none\s.*\skeep-alive\s+auto\s*$/m);
});

it('run cancel stops a followed run: --wait exits 3 with the cancellation', async () => {
  const target = await client.createTarget({
    name: 'sim-long',
    baseUrl: sim.url,
    apiKind: 'chat',
    model: 'sim-fp16',
    pool,
  });
  const exp = await client.createExperiment({
    name: 'cli e2e long',
    description: '',
    tags: [],
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 16 },
      outputTokens: { kind: 'fixed', value: 4000 },
    },
    loadPlan: { kind: 'concurrency', levels: [2], durationSec: 60, seed: 5 },
    variants: [
      {
        targetId: target.id,
        label: 'long',
        optimization: { features: {} },
        params: { maxTokens: 4000, ignoreEos: true },
      },
    ],
  });
  const waiting = runInferbench(['--api', api.url, 'run', 'start', exp.id, '--wait']);
  const running = await waitForRunningRun(exp.id);
  const cancel = await runInferbench(['--api', api.url, 'run', 'cancel', running]);
  expect(cancel.code).toBe(0);
  expect(cancel.stdout).toContain(`run ${running}: cancelled`);
  const r = await waiting;
  expect(r.code).toBe(3);
  expect(r.stderr).toContain(`run ${running} was cancelled`);
});

it('a target that refuses connections: the point and the run fail naming why, --wait exits 2', async () => {
  const port = await closedPort();
  const target = await client.createTarget({
    name: 'down',
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKind: 'chat',
    model: 'sim-fp16',
    pool,
  });
  const exp = await client.createExperiment({
    name: 'cli e2e down',
    description: '',
    tags: [],
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 16 },
      outputTokens: { kind: 'fixed', value: 8 },
    },
    loadPlan: { kind: 'concurrency', levels: [2], requests: 30 },
    variants: [
      { targetId: target.id, label: 'down', optimization: { features: {} }, params: { maxTokens: 8 } },
    ],
  });
  const r = await runInferbench(['--api', api.url, 'run', 'start', exp.id, '--wait']);
  const reason = `all 30 requests failed: connect (connect ECONNREFUSED 127.0.0.1:${port})`;
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(2);
  expect(r.stdout).toMatch(/status failed/);
  expect(r.stdout).toContain(`! down c=2: ${reason}`);
  expect(r.stderr).toContain(`failed: load point c=2 of variant 'down' failed: ${reason}`);
  const runId = /started run (\S+)/.exec(r.stderr)![1]!;
  const run = await client.getRun(runId);
  expect(run.status).toBe('failed');
  expect(run.error).toBe(`load point c=2 of variant 'down' failed: ${reason}`);
  expect(run.loadPoints[0]).toMatchObject({ status: 'failed', error: reason });
  expect(run.loadPoints[0]!.summary).toMatchObject({
    requests: { succeeded: 0, failed: 30 },
    errorsByClass: { connect: 30 },
    errorRateExceeded: { errorRate: 1, maxErrorRate: 0.05 },
  });
});

it('a point above the plan maxErrorRate completes with a warning: in the API response and the table, exit 0', async () => {
  const flaky = await startSim({ port: 0, faults: { errorRate: 0.3 } });
  try {
    const target = await client.createTarget({
      name: 'flaky',
      baseUrl: flaky.url,
      apiKind: 'chat',
      model: 'sim-fp16',
      pool,
    });
    const exp = await client.createExperiment({
      name: 'cli e2e flaky',
      description: '',
      tags: [],
      workload: {
        kind: 'synthetic',
        inputTokens: { kind: 'fixed', value: 16 },
        outputTokens: { kind: 'fixed', value: 4 },
      },
      loadPlan: { kind: 'concurrency', levels: [2], requests: 20, maxErrorRate: 0.1 },
      variants: [
        {
          targetId: target.id,
          label: 'flaky',
          optimization: { features: {} },
          params: { maxTokens: 4, ignoreEos: true },
        },
      ],
    });
    const r = await runInferbench(['--api', api.url, 'run', 'start', exp.id, '--wait']);
    expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
    const runId = /started run (\S+)/.exec(r.stderr)![1]!;
    const run = await client.getRun(runId);
    expect(run.status).toBe('completed');
    const s = run.loadPoints[0]!.summary!;
    expect(s.requests.succeeded).toBeGreaterThan(0);
    expect(s.errorRate).toBeGreaterThan(0.1);
    expect(s.errorRateExceeded).toEqual({ errorRate: s.errorRate, maxErrorRate: 0.1 });
    const warning = `error rate ${(s.errorRate * 100).toFixed(1)} % exceeds maxErrorRate 10.0 % (${s.requests.failed} of 20 requests failed: http ${s.requests.failed})`;
    expect(s.warnings).toContain(warning);
    expect(r.stdout).toMatch(/^flaky\s+c=2\s+completed!\s/m);
    expect(r.stdout).toContain(`! flaky c=2: ${warning}`);
  } finally {
    await flaky.close();
  }
});

/** A loopback port that was free a moment ago: nothing listens there, so connecting is refused. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

/** Id of the experiment's newest run once one of its load points is running. */
async function waitForRunningRun(experimentId: string): Promise<string> {
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    const e = await client.getExperiment(experimentId);
    const id = e.recentRuns[0]?.id;
    if (id) {
      const run = await client.getRun(id);
      if (run.loadPoints.some((lp) => lp.status === 'running')) return id;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the run never started running');
}

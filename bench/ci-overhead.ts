/**
 * Overhead of `inferbench ci` beyond the run itself: wall time of the CLI process (node start, reading the file,
 * applying targets and the experiment, starting the run, following it, `POST /runs/:id/evaluate`, JUnit and
 * Markdown) minus the run's own startedAt → finishedAt. The API, one agent and the simulator run in this process
 * over the real PostgreSQL and Redis (fresh database, own prefix); the CLI runs as a user runs it (`node apps/cli/bin/inferbench.js ci -f …`). Target: < 2 s. Prints one JSON object.
 *   npx tsx --tsconfig apps/api/tsconfig.json bench/ci-overhead.ts [runs=5]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { loadConfig as loadAgentConfig, startAgent } from '@inferbench/agent';
import { loadConfig as loadApiConfig, startApi } from '@inferbench/api';
import { ApiClient } from '@inferbench/api-client';
import { startSim } from '@inferbench/sim';
import { createTestDatabase, createTestRedis } from '@inferbench/testing';
import { machine, round } from './lib/client-bench-common.js';

const RUNS = Number(process.argv[2] ?? 5);
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../apps/cli/bin/inferbench.js');

function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; ms: number; stderr: string }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env } },
      (err, _o, stderr) =>
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
          ms: performance.now() - t0,
          stderr: String(stderr),
        }),
    );
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const machineBefore = machine();
const token = `bench-${randomBytes(16).toString('hex')}`;
const db = await createTestDatabase();
const tr = createTestRedis();
const sim = await startSim({ port: 0 });
const server = await startApi(
  loadApiConfig({
    DATABASE_URL: db.url,
    REDIS_URL: tr.url,
    QUEUE_PREFIX: tr.prefix,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    SECRET_KEY: 'ab'.repeat(32),
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    INFERBENCH_BOOTSTRAP_TOKEN: token,
    RATE_LIMIT_PER_MINUTE: '0',
    METRICS_PORT: '0',
  }),
);
const api = new ApiClient({ baseUrl: server.url, token });
const credential = await api.createAgentCredential({ pool: 'default', name: 'bench' });
const agent = await startAgent(
  loadAgentConfig({
    AGENT_TOKEN: credential.token,
    INFERBENCH_API_URL: server.url,
    REDIS_URL: tr.url,
    QUEUE_PREFIX: tr.prefix,
    AGENT_TOKENIZER: 'whitespace',
    AGENT_METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
  }),
  { listGpus: async () => [] },
);
const stack = { apiUrl: server.url, simUrl: sim.url };
const dir = await mkdtemp(path.join(os.tmpdir(), 'ib-ci-bench-'));
const env = { INFERBENCH_API_URL: server.url, INFERBENCH_TOKEN: token };
const samples: {
  cliMs: number;
  runMs: number;
  overheadMs: number;
  beforeRunMs: number;
  queuedMs: number;
  afterRunMs: number;
}[] = [];
let helpMs = 0;
try {
  const file = path.join(dir, 'perf.yaml');
  await writeFile(
    file,
    `targets:
  - { name: sim, baseUrl: ${stack.simUrl}, apiKind: chat, model: sim-fp16 }
name: ci overhead
workload: { kind: synthetic, inputTokens: { kind: fixed, value: 16 }, outputTokens: { kind: fixed, value: 8 } }
loadPlan: { kind: concurrency, levels: [2], requests: 10 }
variants: [{ label: v, target: sim, params: { maxTokens: 8, ignoreEos: true } }]
thresholds:
  ttft: ['p(95)<5000']
  error_rate: ['rate<0.01']
baseline: { maxRegression: { ttft.p95: 50% } }
`,
  );
  // process start alone (node + tsx loading the CLI), for reference
  const helps: number[] = [];
  for (let i = 0; i < 3; i++) helps.push((await cli(['--help'], env)).ms);
  helpMs = median(helps);
  for (let i = 0; i < RUNS + 1; i++) {
    const wallStart = Date.now();
    const r = await cli(
      [
        'ci',
        '-f',
        file,
        '--junit',
        path.join(dir, 'j.xml'),
        '--summary-md',
        path.join(dir, 's.md'),
        '--set-baseline',
      ],
      env,
    );
    const wallEnd = wallStart + r.ms;
    if (r.code !== 0) throw new Error(`ci exited ${r.code}: ${r.stderr}`);
    const id = /started run (\S+)/.exec(r.stderr)![1]!;
    const run = await api.getRun(id);
    const created = Date.parse(run.createdAt);
    const started = Date.parse(run.startedAt!);
    const finished = Date.parse(run.finishedAt!);
    if (i === 0) continue; // warm-up: first tsx compile of the CLI, first queue and DB connections
    samples.push({
      cliMs: r.ms,
      runMs: finished - started,
      overheadMs: r.ms - (finished - started),
      beforeRunMs: created - wallStart,
      queuedMs: started - created,
      afterRunMs: wallEnd - finished,
    });
  }
} finally {
  await agent.stop();
  await server.close();
  await sim.close();
  await tr.cleanup().catch(() => undefined);
  await db.drop().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

const pick = (k: keyof (typeof samples)[number]) => round(median(samples.map((s) => s[k])), 1);
console.log(
  JSON.stringify(
    {
      benchmark: 'ci-overhead',
      figure: 'median wall time of `inferbench ci` minus the run’s startedAt → finishedAt, ms',
      value: pick('overheadMs'),
      target: '< 2000 ms',
      pass: pick('overheadMs') < 2000,
      runs: samples.length,
      breakdownMedianMs: {
        cliTotal: pick('cliMs'),
        run: pick('runMs'),
        processStartToRunCreated: pick('beforeRunMs'),
        runCreatedToStarted: pick('queuedMs'),
        runFinishedToExit: pick('afterRunMs'),
        cliHelpProcessOnly: round(helpMs, 1),
      },
      samples: samples.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, 1)]))),
      plan: 'one variant, concurrency 2, 10 requests (sim-fp16); thresholds + baseline gate, JUnit + Markdown written',
      machine: { before: machineBefore, after: machine() },
    },
    null,
    2,
  ),
);
process.exit(0);

/**
 * Issue 13 (interop) from the command line: the real CLI process against a real API (PostgreSQL, Redis) and,
 * for `bench`, the simulator. Imports every kind of file, refuses a bad one, exports and re-imports a run, writes
 * a k6 script, runs a k6 scenarios file as a plan, and compares a bench result with a peer tool's file.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig as loadApiConfig, startApi, type StartedApi } from '@inferbench/api';
import { ApiClient } from '@inferbench/api-client';
import { RunSchema } from '@inferbench/contracts';
import { importResultFile } from '@inferbench/interop';
import { startSim, type SimServer } from '@inferbench/sim';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@inferbench/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchResultV2Schema } from '../bench/result.js';
import { runInferbench } from '../testing/run-cli-process.js';
import { CLI_TEST_TOKEN, TEST_API_AUTH_ENV } from '../testing/test-api.js';

const FIXTURES = fileURLToPath(new URL('../../../../packages/interop/test/fixtures/', import.meta.url));
const EXP = 'cli interop';

let db: TestDatabase;
let tr: TestRedis;
let api: StartedApi;
let sim: SimServer;
let client: ApiClient;
let dir: string;
const ib = (args: string[]) => runInferbench(['--api', api.url, ...args]);

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
      LOG_LEVEL: 'silent',
      ...TEST_API_AUTH_ENV,
    }),
  );
  client = new ApiClient({ baseUrl: api.url, token: CLI_TEST_TOKEN });
  const target = await client.createTarget({
    name: 'sim',
    baseUrl: `${sim.url}/v1`,
    apiKind: 'chat',
    model: 'sim-fp16',
  });
  await client.createExperiment({
    name: EXP,
    description: '',
    tags: [],
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 32 },
      outputTokens: { kind: 'fixed', value: 8 },
    },
    loadPlan: { kind: 'rate', levels: [2, 4.5], arrival: 'constant', durationSec: 10 },
    slo: { ttftMs: 300, percentile: 95 },
    variants: [
      { targetId: target.id, label: 'fp16', optimization: { features: {} }, params: { maxTokens: 8 } },
    ],
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-interop-'));
}, 60_000);

afterAll(async () => {
  await api?.close();
  await sim?.close();
  await tr?.cleanup().catch(() => undefined);
  await db?.drop().catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('inferbench import / run export / k6 export', () => {
  it('imports a detailed vLLM file, exports it and imports the export back with the same figures', async () => {
    const file = path.join(FIXTURES, 'vllm-detailed.json');
    const r = await ib(['import', file, '--experiment', EXP, '--variant', 'vd']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const id = /as run (\S+) of "cli interop" \(vllm 0\.8\.3 \(import\)\)/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    const expected = importResultFile(await readFile(file, 'utf8'));
    expect(r.stdout).toContain(`#0 vd · r=8/s: ${expected.points[0]!.rebuilt!.samples.length} requests`);

    const out = path.join(dir, 'export.json');
    const ex = await ib(['run', 'export', id!, '--format', 'vllm', '--out', out]);
    expect(ex.code).toBe(0);
    const back = await ib(['--json', 'import', out, '--experiment', EXP, '--variant', 'round-trip']);
    expect(back.code).toBe(0);
    const run = RunSchema.parse(JSON.parse(back.stdout));
    const orig = await client.getRun(id!);
    for (const f of ['ttftMs', 'tpotMs', 'itlMs', 'e2eMs'])
      expect(run.loadPoints[0]!.summary!.latency[f]).toEqual(orig.loadPoints[0]!.summary!.latency[f]);
    expect(run.loadPoints[0]!.summary!.requestThroughput).toBe(
      orig.loadPoints[0]!.summary!.requestThroughput,
    );

    const csv = await ib(['run', 'export', id!, '--format', 'csv']);
    expect(csv.code).toBe(0);
    const [header, row] = csv.stdout.trim().split('\n');
    expect(Number(row!.split(',')[header!.split(',').indexOf('ttftMs_p50')])).toBe(
      orig.loadPoints[0]!.summary!.latency.ttftMs!.p50,
    );
    const jsonl = await ib(['run', 'export', id!, '--format', 'jsonl', '--point', '0']);
    expect(jsonl.code).toBe(0);
    expect(jsonl.stdout.trim().split('\n')).toHaveLength(orig.loadPoints[0]!.samplesStored);
  });

  it('imports an aggregates-only file with a forced tool and says so', async () => {
    const r = await ib([
      'import',
      path.join(FIXTURES, 'aiperf.csv'),
      '--experiment',
      EXP,
      '--tool',
      'aiperf',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(aiperf (import))');
    expect(r.stdout).toMatch(/#0 aiperf · profile: aggregates only/);
  });

  it('refuses a bad file naming the tool and the field, and imports nothing', async () => {
    const bad = path.join(dir, 'bad.json');
    const good = JSON.parse(await readFile(path.join(FIXTURES, 'vllm-aggregates.json'), 'utf8')) as object;
    await writeFile(bad, JSON.stringify({ ...good, request_throughput: 'fast' }));
    const before = (await client.listRuns({ limit: 100, offset: 0 })).total;
    const r = await ib(['import', bad, '--experiment', EXP]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot import');
    expect(r.stderr).toContain('vllm file (field `request_throughput`)');
    expect((await client.listRuns({ limit: 100, offset: 0 })).total).toBe(before);
  });

  it('writes the experiment as a k6 script', async () => {
    const out = path.join(dir, 'script.js');
    const r = await ib(['k6', 'export', EXP, '--out', out]);
    expect(r.code).toBe(0);
    const script = await readFile(out, 'utf8');
    expect(script).toContain("import sse from 'k6/x/sse'");
    expect(script).toContain(`${sim.url}/v1/chat/completions`);
    // 4.5 req/s has no integer per-second k6 rate: 9 per 2 s
    expect(script).toMatch(/"rate": 9,\s*"timeUnit": "2s"/);
    expect(script).toMatch(/"ib_ttft": \[\s*"p\(95\)<=300"/);
  });
});

describe('inferbench bench with k6 plans and peer files', () => {
  it('runs a k6 scenarios file as its plan, and compares the result with a vLLM file', async () => {
    const k6 = path.join(dir, 'k6.json');
    await writeFile(
      k6,
      JSON.stringify({
        scenarios: {
          low: { executor: 'constant-vus', vus: 2, duration: '30s' },
          high: { executor: 'constant-vus', vus: 32, duration: '30s', startTime: '30s' },
        },
      }),
    );
    const out = path.join(dir, 'bench.json');
    const r = await runInferbench([
      'bench',
      '--base-url',
      sim.url,
      '--model',
      'sim-fp16',
      '--tokenizer',
      'whitespace',
      '--plan',
      k6,
      '--requests',
      '6',
      '--input-tokens',
      '16',
      '--output-tokens',
      '8',
      '--out',
      out,
    ]);
    expect(r.stderr).not.toMatch(/inferbench:/);
    expect(r.code).toBe(0);
    const result = BenchResultV2Schema.parse(JSON.parse(await readFile(out, 'utf8')));
    expect(result.config.plan).toMatchObject({ kind: 'concurrency', levels: [2, 32] });
    expect(result.points.map((p) => p.label)).toEqual(['c=2', 'c=32']);

    const cmp = await runInferbench(['bench', '--compare', out, path.join(FIXTURES, 'guidellm.json')]);
    expect(cmp.stderr).toBe('');
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toContain('guidellm 0.4.0 (import) file, 1 point(s), aggregates only');
    // vLLM `--request-rate inf --max-concurrency 32` lines up with the native c=32 point
    const json = await runInferbench([
      '--json',
      'bench',
      '--compare',
      out,
      path.join(FIXTURES, 'vllm-aggregates.json'),
    ]);
    expect(json.code).toBe(0);
    const vllm = importResultFile(await readFile(path.join(FIXTURES, 'vllm-aggregates.json'), 'utf8'))
      .points[0]!;
    const cmpJson = JSON.parse(json.stdout) as {
      points: { level: string; figures: Record<string, { a?: number; b?: number }> }[];
      onlyInA: string[];
    };
    expect(cmpJson.points.map((p) => p.level)).toEqual(['c=32']);
    expect(cmpJson.onlyInA).toEqual(['c=2']);
    const figs = cmpJson.points[0]!.figures;
    expect(figs['TTFT p99 ms']!.b).toBe(vllm.reported.ttftMs!.percentiles['99']);
    expect(figs['TTFT p99 ms']!.a).toBe(result.points[1]!.summary.latency.ttftMs!.p99);
    // figures the aggregates-only file does not state stay empty: never invented
    expect(figs['TTFT p90 ms']!.b).toBe(vllm.reported.ttftMs!.percentiles['90']);
    expect(figs['tokens/chunk']!.b).toBeUndefined();
  });

  it('refuses a k6 executor with no inferbench plan, naming the field', async () => {
    const k6 = path.join(dir, 'k6-bad.json');
    await writeFile(
      k6,
      JSON.stringify({ scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 3 } } }),
    );
    const r = await runInferbench(['bench', '--base-url', sim.url, '--model', 'sim-fp16', '--plan', k6]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('scenarios.s.executor');
  });
});

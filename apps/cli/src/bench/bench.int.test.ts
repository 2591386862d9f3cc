/**
 * `inferbench bench` as a real child process (bin/inferbench.js → tsx → src/main.ts) against a real
 * simulator on 127.0.0.1. Kept short: few requests, fast or fixed-latency profiles.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { RequestSampleSchema } from '@inferbench/contracts';
import { startSim, type SimServer } from '@inferbench/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, runInferbench } from '../testing/run-cli-process.js';
import { BenchResultSchema, BenchResultV2Schema, type BenchResultV1, type BenchResultV2 } from './result.js';

let sim: SimServer;
let dir: string;

beforeAll(async () => {
  sim = await startSim({
    port: 0,
    profiles: {
      // two slots: from three requests in flight on, TTFT includes a wait of one whole request (~80 ms)
      queued: { kind: 'fixed', ttftMs: 40, tpotMs: 10, maxNumSeqs: 2 },
      // about 30 % of requests answer HTTP 500 (drawn from the sim's seed and the request index)
      flaky: { kind: 'fixed', ttftMs: 5, tpotMs: 1, faults: { errorRate: 0.3 } },
    },
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-cli-'));
});

afterAll(async () => {
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const common = (model: string): string[] => [
  'bench',
  '--base-url',
  sim.url,
  '--model',
  model,
  '--tokenizer',
  'whitespace',
];
const readV2 = async (file: string): Promise<BenchResultV2> =>
  BenchResultV2Schema.parse(JSON.parse(await readFile(file, 'utf8')));

describe('inferbench bench', () => {
  it('runs a closed-loop point, writes the result and one line per request, and compares two results', async () => {
    const a = path.join(dir, 'a.json');
    const aReq = path.join(dir, 'a.jsonl');
    const r = await runInferbench([
      ...common('sim-fast'),
      '--concurrency',
      '3',
      '--requests',
      '15',
      '--input-tokens',
      '32',
      '--output-tokens',
      '16',
      '--ignore-eos',
      '--warmup',
      '2',
      '--out',
      a,
      '--out-requests',
      aReq,
    ]);
    expect(r.stderr).not.toMatch(/inferbench:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('requests: 15 ok, 0 failed');
    expect(r.stdout).toMatch(/TTFT \(ms\)\s+15/);

    const result = await readV2(a);
    expect(result.status).toBe('completed');
    expect(result.points).toHaveLength(1);
    expect(result.summary?.requests.succeeded).toBe(15);
    expect(result.summary?.requests.warmup).toBe(2);
    expect(result.summary?.tokens.output).toBe(15 * 16);
    expect(result.config).toMatchObject({
      model: 'sim-fast',
      plan: { kind: 'concurrency', levels: [3], requests: 15 },
      hasApiKey: false,
    });
    expect(result.level).toEqual({ kind: 'concurrency', concurrency: 3 });
    expect(result.environment.cpus).toBe(os.cpus().length);
    expect(result.summary?.peerNames?.ttftMs).toBeDefined();

    const lines = (await readFile(aReq, 'utf8')).trim().split('\n');
    // every request, warm-up included, is one line
    expect(lines).toHaveLength(17);
    const samples = lines.map((l) => RequestSampleSchema.parse(JSON.parse(l)));
    expect(samples.filter((s) => !s.warmup)).toHaveLength(15);
    expect(JSON.parse(lines[0]!)).toMatchObject({ point: 0, level: 'c=3' });

    const b = path.join(dir, 'b.json');
    const rb = await runInferbench([
      ...common('sim-fp16'),
      '--rate',
      '20',
      '--arrival',
      'constant',
      '--requests',
      '10',
      '--input-tokens',
      '32',
      '--output-tokens',
      '8',
      '--out',
      b,
    ]);
    expect(rb.code).toBe(0);
    const resB = await readV2(b);
    expect(resB.summary?.requests.succeeded).toBe(10);
    expect(resB.level).toMatchObject({ kind: 'rate', rate: 20, arrival: 'constant' });

    const cmp = await runInferbench(['bench', '--compare', a, b]);
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toContain(`A: ${a}`);
    expect(cmp.stdout).toContain(`B: ${b}`);
    expect(cmp.stdout).toContain('sim-fast');
    expect(cmp.stdout).toContain('sim-fp16');
    const ttftRow = cmp.stdout.split('\n').find((l) => l.startsWith('TTFT p50 ms'))!;
    const [va, vb, delta, pct] = ttftRow.trim().split(/\s+/).slice(3);
    expect(Number(delta)).toBeCloseTo(Number(vb) - Number(va), 0);
    expect(pct).toMatch(/^[+-]\d+\.\d%$/);
    const okRow = cmp.stdout.split('\n').find((l) => l.startsWith('requests ok'))!;
    expect(okRow.trim().split(/\s+/).slice(2, 6)).toEqual(['15', '10', '-5', '-33.3%']);

    const cmpJson = await runInferbench(['--json', 'bench', '--compare', a, b]);
    const parsed = JSON.parse(cmpJson.stdout) as Record<string, { a: number; b: number; delta: number }>;
    expect(parsed['requests ok']).toMatchObject({ a: 15, b: 10, delta: -5 });

    // a version-1 file (written by the single-point CLI) still compares against a version-2 one
    const v1: BenchResultV1 = {
      kind: 'inferbench.bench-result',
      v: 1,
      createdAt: result.createdAt,
      status: 'completed',
      config: {
        baseUrl: sim.url,
        model: 'old',
        apiKind: 'chat',
        load: { kind: 'rate', rate: 20, arrival: 'constant' },
        requests: 10,
        warmupRequests: 0,
        inputTokens: 32,
        outputTokens: 8,
        ignoreEos: false,
        seed: 1,
        tokenizer: 'whitespace',
        maxDurationSec: 3600,
        hasApiKey: false,
      },
      summary: resB.summary!,
      engine: resB.points[0]!.engine,
      environment: resB.environment,
    };
    const old = path.join(dir, 'v1.json');
    await writeFile(old, JSON.stringify(v1));
    expect(BenchResultSchema.parse(v1).v).toBe(1);
    const cmpOld = await runInferbench(['--json', 'bench', '--compare', old, b]);
    expect(cmpOld.code).toBe(0);
    expect((JSON.parse(cmpOld.stdout) as Record<string, { delta: number }>)['requests ok']).toMatchObject({
      a: 10,
      b: 10,
      delta: 0,
    });
  });

  it('runs one point per level of a concurrency list and compares multi-point files level by level', async () => {
    const a = path.join(dir, 'list-a.json');
    const aReq = path.join(dir, 'list-a.jsonl');
    const r = await runInferbench([
      ...common('sim-fast'),
      '--concurrency',
      '1,2,4',
      '--requests',
      '8',
      '--input-tokens',
      'uniform:10-30',
      '--output-tokens',
      '6',
      '--ignore-eos',
      '--out',
      a,
      '--out-requests',
      aReq,
    ]);
    expect(r.stderr).not.toMatch(/inferbench:/);
    expect(r.code).toBe(0);
    // per-point progress lines on stderr, then one table row per point on stdout
    expect(r.stderr).toMatch(/point 1\/3 c=1: completed, 8 ok/);
    expect(r.stderr).toMatch(/point 3\/3 c=4: completed, 8 ok/);
    const rows = r.stdout.split('\n').filter((l) => /^\s*\d+\s+c=\d/.test(l));
    expect(rows.map((l) => l.trim().split(/\s+/).slice(1, 5))).toEqual([
      ['c=1', 'completed', '8', '0'],
      ['c=2', 'completed', '8', '0'],
      ['c=4', 'completed', '8', '0'],
    ]);

    const res = await readV2(a);
    expect(res.points.map((p) => p.label)).toEqual(['c=1', 'c=2', 'c=4']);
    expect(res.points.map((p) => p.summary.requests.succeeded)).toEqual([8, 8, 8]);
    expect(res.points.map((p) => p.summary.tokens.output)).toEqual([48, 48, 48]);
    expect(res.headline).toBe(2);
    expect(res.level).toEqual({ kind: 'concurrency', concurrency: 4 });
    const lines = (await readFile(aReq, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { point: number; level: string });
    expect(lines).toHaveLength(24);
    expect(lines.filter((l) => l.level === 'c=2' && l.point === 1)).toHaveLength(8);

    const b = path.join(dir, 'list-b.json');
    const rb = await runInferbench([
      ...common('sim-fast'),
      '--concurrency',
      '2,4,8',
      '--requests',
      '8',
      '--input-tokens',
      '20',
      '--output-tokens',
      '6',
      '--ignore-eos',
      '--out',
      b,
    ]);
    expect(rb.code).toBe(0);
    const cmp = await runInferbench(['bench', '--compare', a, b]);
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toContain('== c=2 ==');
    expect(cmp.stdout).toContain('== c=4 ==');
    expect(cmp.stdout).not.toContain('== c=1 ==');
    expect(cmp.stdout).toContain('only in A: c=1');
    expect(cmp.stdout).toContain('only in B: c=8');
    const cmpJson = await runInferbench(['--json', 'bench', '--compare', a, b]);
    const parsed = JSON.parse(cmpJson.stdout) as {
      points: { level: string; figures: Record<string, { a: number; b: number }> }[];
      onlyInA: string[];
      onlyInB: string[];
    };
    expect(parsed.points.map((p) => p.level)).toEqual(['c=2', 'c=4']);
    expect(parsed.points[0]!.figures['requests ok']).toMatchObject({ a: 8, b: 8 });
    expect(parsed).toMatchObject({ onlyInA: ['c=1'], onlyInB: ['c=8'] });
  });

  it('finds the highest concurrency meeting an SLO (--sla) and reports it', async () => {
    const out = path.join(dir, 'sla.json');
    const r = await runInferbench([
      ...common('queued'),
      '--sla',
      'p90(ttft)<80ms',
      '--sla-max',
      '8',
      '--requests',
      '10',
      '--input-tokens',
      '8',
      '--output-tokens',
      '4',
      '--ignore-eos',
      '--out',
      out,
    ]);
    expect(r.stderr).not.toMatch(/inferbench:/);
    expect(r.code).toBe(0);
    // p90 of 10 requests tolerates one scheduling hiccup on a busy machine; p99 of 10 would be the max
    expect(r.stdout).toContain('SLO: p90(ttft)<80ms');
    expect(r.stdout).toContain('SLA search: highest level meeting the SLO is c=2 (lowest failing: 3)');
    expect(r.stderr).toMatch(/adaptive point 1 c=1: completed/);
    const res = await readV2(out);
    // doubling 1 → 2 → 4 (fails: requests queue behind the 2 slots), then bisection tries 3
    expect(res.points.map((p) => p.label)).toEqual(['c=1', 'c=2', 'c=4', 'c=3']);
    expect(res.points.map((p) => p.sloPass)).toEqual([true, true, false, false]);
    expect(res.sla).toEqual({ bestLabel: 'c=2', bestValue: 2, lowestFailing: 3 });
    expect(res.headline).toBe(1);
    expect(res.level).toEqual({ kind: 'concurrency', concurrency: 2 });
    expect(res.points[2]!.sloViolations?.[0]).toMatch(/^ttftMs p90 \d+\.\d > 80$/);
    // goodput is reported against the SLO: every request of a passing point is good
    expect(res.points[1]!.summary.sloAttainmentPct).toBe(100);
    expect(res.points[2]!.summary.sloAttainmentPct).toBeLessThan(100);
  });

  it('runs k6-style stages as one point and replays a trace', async () => {
    const st = path.join(dir, 'stages.json');
    const r = await runInferbench([
      ...common('sim-fixed'),
      '--stages',
      '1s:10,500ms:0',
      '--stage-mode',
      'rate',
      '--arrival',
      'constant',
      '--output-tokens',
      '3',
      '--ignore-eos',
      '--input-tokens',
      '8',
      '--out',
      st,
    ]);
    expect(r.stderr).not.toMatch(/inferbench:/);
    expect(r.code).toBe(0);
    const res = await readV2(st);
    expect(res.points).toHaveLength(1);
    expect(res.points[0]!.label).toBe('stages rate 0→10→0 (1.5s)');
    // ∫ rate dt = 0.5 × 1 s × 10/s + 0.5 × 0.5 s × 10/s = 7.5 requests, constant arrivals
    expect(res.points[0]!.summary.requests.succeeded).toBeGreaterThanOrEqual(6);
    expect(res.points[0]!.summary.requests.succeeded).toBeLessThanOrEqual(9);

    const trace = path.join(dir, 'trace.jsonl');
    await writeFile(
      trace,
      [
        '# a tiny trace: ms timestamps and lengths',
        '{"timestamp": 1000, "input_length": 12, "output_length": 3}',
        '{"timestamp": 1200, "input_length": 20, "output_length": 5}',
        '{"tMs": 1400, "inputTokens": 8, "outputTokens": 2}',
        '{"timestamp": 1600, "input_length": 30, "output_length": 4}',
      ].join('\n'),
    );
    const out = path.join(dir, 'trace-result.json');
    const rt = await runInferbench([
      ...common('sim-fixed'),
      '--trace',
      trace,
      '--speedup',
      '2',
      '--ignore-eos',
      '--out',
      out,
    ]);
    expect(rt.stderr).not.toMatch(/inferbench:/);
    expect(rt.code).toBe(0);
    const tr = await readV2(out);
    expect(tr.points[0]!.label).toBe('trace x2');
    expect(tr.points[0]!.summary.requests.succeeded).toBe(4);
    expect(tr.points[0]!.summary.tokens.output).toBe(3 + 5 + 2 + 4);
    // 600 ms of trace at x2 = 300 ms between first send and last send, plus the last request's ~80 ms
    expect(tr.points[0]!.summary.durationSec).toBeGreaterThan(0.3);
    expect(tr.points[0]!.summary.durationSec).toBeLessThan(1.5);

    const bad = path.join(dir, 'bad-trace.jsonl');
    await writeFile(bad, '{"timestamp": 0, "input_length": 5, "output_length": 3}\n{"timestamp": 5}\n');
    const rb = await runInferbench([...common('sim-fixed'), '--trace', bad]);
    expect(rb.code).toBe(1);
    expect(rb.stderr.trim()).toBe(
      `inferbench: --trace: ${bad}: trace line 2: needs a timestamp (timestamp|tMs|tSec) and input/output lengths`,
    );
  });

  it('names the bad field of a --plan file, and runs a valid one', async () => {
    const plan = path.join(dir, 'bad-plan.json');
    await writeFile(plan, JSON.stringify({ kind: 'concurrency', levels: [1, 0], requests: 4 }));
    const r = await runInferbench([...common('sim-fast'), '--plan', plan]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`inferbench: --plan: ${plan} is not a valid load plan:`);
    expect(r.stderr).toMatch(/\n {2}levels\.1: Too small: expected number to be >=1/);

    const good = path.join(dir, 'plan.json');
    await writeFile(
      good,
      JSON.stringify({ kind: 'rate', levels: [40, 80], arrival: 'constant', requests: 6 }),
    );
    const out = path.join(dir, 'plan-result.json');
    const rg = await runInferbench([
      ...common('sim-fast'),
      '--plan',
      good,
      '--output-tokens',
      '4',
      '--out',
      out,
    ]);
    expect(rg.code).toBe(0);
    const res = await readV2(out);
    expect(res.points.map((p) => [p.label, p.summary.requests.succeeded])).toEqual([
      ['r=40/s', 6],
      ['r=80/s', 6],
    ]);
  });

  it('Ctrl-C stops the current point, prints and writes what was measured, and exits 130', async () => {
    const out = path.join(dir, 'interrupted.json');
    const child = spawn(
      process.execPath,
      [
        CLI_BIN,
        ...common('sim-fixed'),
        '--concurrency',
        '2,4',
        '--requests',
        '100000',
        '--output-tokens',
        '20',
        '--ignore-eos',
        '--out',
        out,
      ],
      { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    // the first progress line comes after the first tick (~1 s into the point)
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        if (d.toString().includes('point 1/2 c=2')) resolve();
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    const res = await readV2(out);
    expect(res.status).toBe('cancelled');
    expect(res.points).toHaveLength(1);
    expect(res.points[0]!.status).toBe('cancelled');
    expect(res.points[0]!.summary.requests.succeeded).toBeGreaterThan(0);
    expect(stdout).toContain('status cancelled');
  });

  it('exits non-zero with a clear message when no request succeeds', async () => {
    const r = await runInferbench([
      'bench',
      '--base-url',
      sim.url,
      '--model',
      'no-such-model',
      '--requests',
      '3',
      '--tokenizer',
      'whitespace',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no request succeeded');
    expect(r.stdout).toContain('0 ok, 3 failed (http 3)');
  });

  it('a target that refuses connections: the point fails naming the class and a real message, exit 1', async () => {
    const port = await closedPort();
    const out = path.join(dir, 'refused.json');
    const r = await runInferbench([
      'bench',
      '--base-url',
      `http://127.0.0.1:${port}/v1`,
      '--model',
      'm',
      '--concurrency',
      '2',
      '--requests',
      '6',
      '--tokenizer',
      'whitespace',
      '--out',
      out,
    ]);
    const reason = `all 6 requests failed: connect (connect ECONNREFUSED 127.0.0.1:${port})`;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(`c=2: failed (${reason})`);
    expect(r.stderr).toContain(`no request succeeded (c=2: ${reason})`);
    const res = await readV2(out);
    expect(res.status).toBe('failed');
    expect(res.points[0]).toMatchObject({ status: 'failed', reason });
    expect(res.points[0]!.summary.errorRateExceeded).toEqual({ errorRate: 1, maxErrorRate: 0.05 });
  });

  it('marks a point whose error rate exceeds the plan maxErrorRate (default 5 %), and still exits 0', async () => {
    const out = path.join(dir, 'flaky.json');
    const r = await runInferbench([
      ...common('flaky'),
      '--concurrency',
      '1,2',
      '--requests',
      '20',
      '--output-tokens',
      '4',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const res = await readV2(out);
    expect(res.status).toBe('completed');
    for (const p of res.points) {
      const s = p.summary;
      expect(p.status).toBe('completed');
      expect(s.requests.succeeded).toBeGreaterThan(0);
      expect(s.errorRate).toBeGreaterThan(0.05);
      expect(s.errorRateExceeded).toEqual({ errorRate: s.errorRate, maxErrorRate: 0.05 });
      const warning = `error rate ${(s.errorRate * 100).toFixed(1)} % exceeds maxErrorRate 5.0 % (${s.requests.failed} of 20 requests failed: http ${s.requests.failed})`;
      expect(s.warnings).toContain(warning);
      expect(r.stdout).toContain(`! [${p.label}] ${warning}`);
    }
    // the table marks both rows: `completed!`
    expect(r.stdout.split('\n').filter((l) => /^\s*\d+\s+c=\d\s+completed!\s/.test(l))).toHaveLength(2);
  });

  it('rejects bad options with one line and exit 1, and lists presets', async () => {
    const r = await runInferbench(['bench', '--base-url', sim.url, '--model', 'm', '--concurrency', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('inferbench: --concurrency: each value must be an integer >= 1, got "0"');
    const s = await runInferbench([
      'bench',
      '--base-url',
      sim.url,
      '--model',
      'm',
      '--sla',
      'p99(ttft)<500ms,p90(tpot)<50ms',
    ]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain('--sla: all bounds must use the same percentile');
    const c = await runInferbench([
      'bench',
      '--compare',
      path.join(dir, 'missing.json'),
      path.join(dir, 'x.json'),
    ]);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('cannot read');
    const l = await runInferbench(['bench', '--list-presets']);
    expect(l.code).toBe(0);
    expect(l.stdout).toContain('chat-poisson-sweep — Chat traffic, rate sweep');
  });
});

/** A loopback port that was free a moment ago: nothing listens there, so connecting is refused. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

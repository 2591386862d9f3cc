/**
 * `inferbench bench` as a real child process (bin/inferbench.js → tsx → src/main.ts) against a real
 * simulator on 127.0.0.1.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RequestSampleSchema } from '@inferbench/contracts';
import { startSim, type SimServer } from '@inferbench/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInferbench } from '../testing/run-cli-process.js';
import { BenchResultSchema } from './result.js';

let sim: SimServer;
let dir: string;

beforeAll(async () => {
  sim = await startSim({ port: 0 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-cli-'));
});

afterAll(async () => {
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('inferbench bench', () => {
  it('runs a closed-loop point, writes the result and one line per request, and compares two results', async () => {
    const a = path.join(dir, 'a.json');
    const aReq = path.join(dir, 'a.jsonl');
    const r = await runInferbench([
      'bench', '--base-url', sim.url, '--model', 'sim-fast', '--concurrency', '3', '--requests', '15',
      '--input-tokens', '32', '--output-tokens', '16', '--ignore-eos', '--warmup', '2', '--tokenizer', 'whitespace',
      '--out', a, '--out-requests', aReq,
    ]);
    expect(r.stderr).not.toMatch(/inferbench:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('requests: 15 ok, 0 failed');
    expect(r.stdout).toMatch(/TTFT \(ms\)\s+15/);

    const result = BenchResultSchema.parse(JSON.parse(await readFile(a, 'utf8')));
    expect(result.status).toBe('completed');
    expect(result.summary.requests.succeeded).toBe(15);
    expect(result.summary.requests.warmup).toBe(2);
    expect(result.summary.tokens.output).toBe(15 * 16);
    expect(result.config).toMatchObject({ model: 'sim-fast', load: { kind: 'concurrency', concurrency: 3 }, requests: 15, hasApiKey: false });
    expect(result.environment.cpus).toBe(os.cpus().length);
    expect(result.environment.node).toBe(process.version);
    expect(result.summary.peerNames?.ttftMs).toBeDefined();

    const lines = (await readFile(aReq, 'utf8')).trim().split('\n');
    // every request, warm-up included, is one line
    expect(lines).toHaveLength(17);
    const samples = lines.map((l) => RequestSampleSchema.parse(JSON.parse(l)));
    expect(samples.filter((s) => !s.warmup)).toHaveLength(15);

    const b = path.join(dir, 'b.json');
    const rb = await runInferbench([
      'bench', '--base-url', sim.url, '--model', 'sim-fp16', '--rate', '20', '--arrival', 'constant', '--requests', '10',
      '--input-tokens', '32', '--output-tokens', '8', '--tokenizer', 'whitespace', '--out', b,
    ]);
    expect(rb.code).toBe(0);
    const resB = BenchResultSchema.parse(JSON.parse(await readFile(b, 'utf8')));
    expect(resB.summary.requests.succeeded).toBe(10);
    expect(resB.config.load).toMatchObject({ kind: 'rate', rate: 20, arrival: 'constant' });

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
  });

  it('exits non-zero with a clear message when no request succeeds', async () => {
    const r = await runInferbench([
      'bench', '--base-url', sim.url, '--model', 'no-such-model', '--requests', '3', '--tokenizer', 'whitespace',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no request succeeded');
    expect(r.stdout).toContain('0 ok, 3 failed (http 3)');
  });

  it('rejects bad options with one line and exit 1', async () => {
    const r = await runInferbench(['bench', '--base-url', sim.url, '--model', 'm', '--concurrency', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('inferbench: --concurrency must be an integer >= 1, got "0"');
    const c = await runInferbench(['bench', '--compare', path.join(dir, 'missing.json'), path.join(dir, 'x.json')]);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('cannot read');
  });
});

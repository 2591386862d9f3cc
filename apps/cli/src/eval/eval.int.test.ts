/**
 * `inferbench eval` as a real child process (bin/inferbench.js → tsx → src/main.ts) against a real simulator on
 * 127.0.0.1 (and, for the capability probe, a tiny node:http server that serves completions without logprobs).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { wilsonInterval } from '@inferbench/evals';
import { resolveProfiles, startSim, type SimServer } from '@inferbench/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, runInferbench } from '../testing/run-cli-process.js';
import { EvalResultSchema, type EvalResultFile } from './result.js';

let sim: SimServer;
let dir: string;

/**
 * Whether the simulator answers the built-in suites from its answer key (a per-profile `accuracy`). Without it the
 * score-level assertions are skipped and only structure and accounting are checked.
 */
const profiles = resolveProfiles() as Map<string, { accuracy?: unknown }>;
const ANSWER_KEY =
  typeof profiles.get('sim-fp16')?.accuracy === 'number' &&
  typeof profiles.get('sim-int4-awq')?.accuracy === 'number';

beforeAll(async () => {
  sim = await startSim({
    port: 0,
    profiles: {
      // a server that drops echo and logprobs silently (answers, but without prompt logprobs)
      'no-logprobs': { extends: 'sim-fast', echo: 'ignore', logprobs: 'ignore' },
      // every request answers HTTP 500
      broken: { extends: 'sim-fast', faults: { errorRate: 1 } },
      // slow enough that Ctrl-C lands in the middle of the suite
      slow: { kind: 'fixed', ttftMs: 150, tpotMs: 10 },
    },
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-eval-'));
});

afterAll(async () => {
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const readResult = async (file: string): Promise<EvalResultFile> =>
  EvalResultSchema.parse(JSON.parse(await readFile(file, 'utf8')));

const evalArgs = (model: string, ...rest: string[]): string[] => [
  'eval',
  '--base-url',
  sim.url,
  '--model',
  model,
  ...rest,
];

/** Tasks whose items are distinct (larger-mc-circular and capitals-json reuse items of other tasks). */
const DISTINCT_TASKS = ['larger-mc', 'arith', 'sentiment', 'capitals', 'translate-en-fr', 'translate-en-de'];

/** Structure and honest accounting of one result, recomputed from its own item records. */
function checkAccounting(r: EvalResultFile): void {
  for (const t of r.tasks) {
    const recs = r.records.filter((x) => x.taskId === t.taskId);
    expect(t.summary.n, t.taskId).toBe(recs.length);
    expect(t.status, t.taskId).toBe('completed');
    expect(recs.length, t.taskId).toBe(t.planned);
    // item ids are unique within a task
    expect(new Set(recs.map((x) => x.itemId)).size).toBe(recs.length);
    // accuracy = right / all items
    const right = recs.filter((x) => x.correct).length;
    expect(t.summary.accuracy.correct, t.taskId).toBeCloseTo(right, 9);
    expect(t.summary.accuracy.value, t.taskId).toBeCloseTo(right / recs.length, 9);
    // unparseable answers are counted, wrong, and never replaced by a guess
    const unparsed = recs.filter((x) => x.parseStatus !== 'ok');
    expect(t.summary.parseFailureRate, t.taskId).toBeCloseTo(unparsed.length / recs.length, 9);
    for (const u of unparsed) {
      expect(u.correct).toBe(false);
      expect(u.extracted).toBeNull();
      expect(u.score).toBe(0);
    }
    for (const x of recs) {
      expect(x.templateHash).toBe(t.versionHash);
      expect(x.promptHash).toMatch(/^[0-9a-f]{64}$/);
      expect(x.samples.length).toBeGreaterThan(0);
      expect(typeof x.latency.totalMs).toBe('number');
    }
    expect(t.versionHash).toMatch(/^[0-9a-f]{64}$/);
    expect(t.meanLatencyMs).toBeGreaterThan(0);
    if (t.summary.primaryMetric === 'accuracy') {
      const w = wilsonInterval(right, recs.length);
      expect(t.scoreInterval).toMatchObject({ lower: w.lower, upper: w.upper });
    }
  }
  const scored = r.tasks.filter((t) => t.summary.n > 0);
  const mean = scored.reduce((a, t) => a + t.summary.score, 0) / scored.length;
  const items = scored.reduce((a, t) => a + t.summary.n, 0);
  const weighted = scored.reduce((a, t) => a + t.summary.score * t.summary.n, 0) / items;
  expect(r.suiteScore.meanOfTasks).toBeCloseTo(mean, 9);
  expect(r.suiteScore.itemWeighted).toBeCloseTo(weighted, 9);
  expect(r.suiteScore.items).toBe(items);
}

/** Pooled right/all over the tasks with distinct items, and whether `p` lies in its Wilson 95 % interval. */
function pooled(r: EvalResultFile): { right: number; n: number; lower: number; upper: number } {
  const recs = r.records.filter((x) => DISTINCT_TASKS.includes(x.taskId));
  const right = recs.filter((x) => x.correct).length;
  const w = wilsonInterval(right, recs.length);
  return { right, n: recs.length, lower: w.lower, upper: w.upper };
}

describe('inferbench eval', () => {
  const fp16 = (): string => path.join(dir, 'fp16.json');
  const int4 = (): string => path.join(dir, 'int4.json');
  /** the fp16 run over the whole mini suite, shared by the tests that read it (started by whichever runs first) */
  let fp16Run: ReturnType<typeof runInferbench> | undefined;
  const runFp16 = (): ReturnType<typeof runInferbench> =>
    (fp16Run ??= runInferbench(evalArgs('sim-fp16', '--concurrency', '16', '--out', fp16())));

  it('runs the mini suite, prints the task table and suite score, and writes every item record', async () => {
    const r = await runFp16();
    expect(r.stderr).not.toMatch(/inferbench:/);
    expect(r.code, r.stderr).toBe(0);
    // non-TTY progress: plain lines with items done/total, items/s, parse failures
    expect(r.stderr).toMatch(/\d+\/427 items {2}[\d.]+ items\/s {2}\d+ parse failures/);
    expect(r.stdout).toMatch(
      /^task\s+mode\s+status\s+items\s+metric\s+score\s+95% CI\s+parse fail\s+errors/m,
    );
    expect(r.stdout).toMatch(
      /suite score: [\d.]+ \(mean of 8 task scores\) {2}[\d.]+ \(item-weighted, 427 items\)/,
    );

    const res = await readResult(fp16());
    expect(res).toMatchObject({
      kind: 'inferbench.eval-result',
      v: 1,
      tool: { name: 'inferbench' },
      status: 'completed',
      model: 'sim-fp16',
      target: { baseUrl: sim.url, api: null, hasApiKey: false },
      suite: { name: 'inferbench-mini', source: 'builtin:mini' },
      config: { concurrency: 16, seed: 1234, limit: null },
    });
    expect(res.tasks.map((t) => t.taskId)).toEqual([
      'larger-mc',
      'larger-mc-circular',
      'arith',
      'sentiment',
      'capitals',
      'translate-en-fr',
      'translate-en-de',
      'capitals-json',
    ]);
    expect(res.records).toHaveLength(427);
    checkAccounting(res);
    // CircularEval: one request per rotation (4 options)
    const circ = res.records.find((x) => x.taskId === 'larger-mc-circular')!;
    expect(circ.samples).toHaveLength(4);
    // the table row of each task shows its score in points and its version hash prefix
    for (const t of res.tasks) {
      const row = r.stdout.split('\n').find((l) => l.startsWith(`${t.taskId} `))!;
      expect(row, t.taskId).toContain((t.summary.score * 100).toFixed(1));
      expect(row).toContain(t.versionHash.slice(0, 12));
    }
    if (ANSWER_KEY) {
      // the answer key answers right with probability 0.72: the pooled accuracy's Wilson interval covers it
      const p = pooled(res);
      expect(p.n).toBe(367);
      expect(0.72).toBeGreaterThanOrEqual(p.lower);
      expect(0.72).toBeLessThanOrEqual(p.upper);
    }
  });

  it('compares two profiles item by item: paired difference, McNemar, flips, items needed', async () => {
    expect((await runFp16()).code).toBe(0);
    const r = await runInferbench(evalArgs('sim-int4-awq', '--concurrency', '16', '--out', int4()));
    expect(r.code, r.stderr).toBe(0);
    const a = await readResult(fp16());
    const b = await readResult(int4());
    checkAccounting(b);
    if (ANSWER_KEY) {
      const p = pooled(b);
      expect(0.69).toBeGreaterThanOrEqual(p.lower);
      expect(0.69).toBeLessThanOrEqual(p.upper);
    }

    const cmp = await runInferbench(['eval', '--compare', fp16(), int4()]);
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stdout).toContain(`A: ${fp16()}`);
    expect(cmp.stdout).toContain('sim-int4-awq');
    expect(cmp.stdout).toMatch(/^task\s+paired\s+A acc\s+B acc\s+B-A\s+95% CI\s+McNemar p/m);
    expect(cmp.stdout).not.toContain('WARNING');

    const js = await runInferbench(['--json', 'eval', '--compare', fp16(), int4(), '--drop', '3']);
    expect(js.code, js.stderr).toBe(0);
    const c = JSON.parse(js.stdout) as {
      drop: number;
      tasks: Array<{
        taskId: string;
        hashesDiffer: boolean;
        itemsNeeded: number;
        paired: {
          n: number;
          difference: { estimate: number; lower: number; upper: number };
          mcnemar: { pValue: number; discordant: number };
          flips: { rightToWrong: string[]; wrongToRight: string[] };
        };
      }>;
    };
    expect(c.drop).toBeCloseTo(0.03, 12);
    expect(c.tasks).toHaveLength(8);
    for (const t of c.tasks) {
      const ra = new Map(a.records.filter((x) => x.taskId === t.taskId).map((x) => [x.itemId, x.correct]));
      const rb = new Map(b.records.filter((x) => x.taskId === t.taskId).map((x) => [x.itemId, x.correct]));
      const r2w = [...ra].filter(([id, ok]) => ok && rb.get(id) === false).map(([id]) => id);
      const w2r = [...ra].filter(([id, ok]) => !ok && rb.get(id) === true).map(([id]) => id);
      expect(t.paired.n).toBe(ra.size);
      expect(t.paired.flips.rightToWrong.sort()).toEqual(r2w.sort());
      expect(t.paired.flips.wrongToRight.sort()).toEqual(w2r.sort());
      expect(t.paired.difference.estimate).toBeCloseTo((w2r.length - r2w.length) / ra.size, 12);
      expect(t.paired.difference.lower).toBeLessThanOrEqual(t.paired.difference.estimate);
      expect(t.paired.mcnemar.discordant).toBe(r2w.length + w2r.length);
      expect(t.paired.mcnemar.pValue).toBeGreaterThan(0);
      expect(t.paired.mcnemar.pValue).toBeLessThanOrEqual(1);
      expect(t.itemsNeeded).toBeGreaterThan(0);
      expect(t.hashesDiffer).toBe(false);
      // the table row shows the same flips
      const row = cmp.stdout.split('\n').find((l) => l.startsWith(`${t.taskId} `))!;
      const cells = row.trim().split(/\s{2,}/);
      expect(cells[1]).toBe(String(ra.size));
      expect(cells[7]).toBe(String(r2w.length));
      expect(cells[8]).toBe(String(w2r.length));
      if (ANSWER_KEY) {
        // the profiles share the accuracy seed: int4's right items are a subset of fp16's
        expect(w2r).toEqual([]);
      }
    }
  });

  it('warns when the version hashes differ, and compares a baseline file with a fresh run', async () => {
    expect((await runFp16()).code).toBe(0);
    const out = path.join(dir, 'seed7.json');
    const r = await runInferbench(
      evalArgs(
        'sim-fp16',
        '--tasks',
        'arith,capitals',
        '--limit',
        '12',
        '--seed',
        '7',
        '--out',
        out,
        '--compare',
        fp16(),
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    const res = await readResult(out);
    expect(res.tasks.map((t) => [t.taskId, t.summary.n])).toEqual([
      ['arith', 12],
      ['capitals', 12],
    ]);
    expect(res.config).toMatchObject({ seed: 7, limit: 12, tasks: ['arith', 'capitals'] });
    checkAccounting(res);
    // the comparison follows the run's table: 12 paired items per task, the seed changed the version hash
    expect(r.stdout).toMatch(/^arith\s+12\s/m);
    expect(r.stdout).toMatch(/WARNING arith: task version hashes differ/);
    expect(r.stdout).toMatch(/WARNING capitals: task version hashes differ/);
    expect(r.stdout).toContain('tasks only in A: larger-mc, larger-mc-circular, sentiment');
    expect(r.stdout).toMatch(/arith: 88 item\(s\) in only one of the two results/);
  });

  it('exits 4 naming the error class when nothing answers at the target', async () => {
    const port = await closedPort();
    const out = path.join(dir, 'refused.json');
    const r = await runInferbench([
      'eval',
      '--base-url',
      `http://127.0.0.1:${port}/v1`,
      '--model',
      'm',
      '--limit',
      '2',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain(
      `inferbench: cannot reach the target at http://127.0.0.1:${port}/v1 (connect: connect ECONNREFUSED 127.0.0.1:${port})`,
    );
  });

  it('exits 2 when every item of a task failed, naming the error class; failures count as wrong', async () => {
    const out = path.join(dir, 'broken.json');
    const r = await runInferbench(evalArgs('broken', '--tasks', 'arith', '--limit', '5', '--out', out));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/eval failed: task arith: every item failed \(http\): http: HTTP 500/);
    const res = await readResult(out);
    expect(res.status).toBe('failed');
    expect(res.tasks[0]).toMatchObject({ status: 'failed', errorsByClass: { http: 5 } });
    expect(res.tasks[0]!.summary).toMatchObject({ n: 5, errors: 5, score: 0 });
    expect(res.records.every((x) => !x.correct && x.parseStatus === 'no_answer')).toBe(true);
    expect(r.stdout).toMatch(/^arith\s+generate\s+failed\s+5\s+acc\s+0\.0/m);
  });

  it('fails before any item when the server drops echo/logprobs: "likelihood scoring unsupported", exit 2', async () => {
    const out = path.join(dir, 'noecho.json');
    const r = await runInferbench(
      evalArgs('no-logprobs', '--suite', 'mini-likelihood', '--limit', '3', '--out', out),
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/eval failed: task larger-loglik: likelihood scoring unsupported: /);
    expect(r.stderr).toMatch(/eval failed: task larger-next-token: next-token scoring unsupported: /);
    const res = await readResult(out);
    expect(res.status).toBe('failed');
    expect(res.records).toHaveLength(0);
    expect(res.tasks.map((t) => t.status)).toEqual(['failed', 'failed']);
  });

  it('the same against a plain HTTP server whose completions carry no logprobs', async () => {
    let requests = 0;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (req.url?.endsWith('/models')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ object: 'list', data: [{ id: 'plain', object: 'model' }] }));
          return;
        }
        requests++;
        const prompt = String((JSON.parse(body) as { prompt?: unknown }).prompt ?? '');
        res.writeHead(200, { 'content-type': 'application/json' });
        // echo honoured in the text, but no logprobs at all
        res.end(
          JSON.stringify({
            object: 'text_completion',
            model: 'plain',
            choices: [{ index: 0, text: `${prompt} yes`, logprobs: null, finish_reason: 'length' }],
            usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const r = await runInferbench([
        'eval',
        '--base-url',
        `http://127.0.0.1:${port}`,
        '--model',
        'plain',
        '--suite',
        'mini-likelihood',
        '--tasks',
        'larger-loglik',
      ]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(
        'eval failed: task larger-loglik: likelihood scoring unsupported: response has no logprobs.token_logprobs / text_offset',
      );
      // only the probe was sent: no item ran
      expect(requests).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('Ctrl-C keeps the finished items: partial result written, exit 130', async () => {
    const out = path.join(dir, 'interrupted.json');
    const child = spawn(
      process.execPath,
      [CLI_BIN, ...evalArgs('slow', '--tasks', 'arith,capitals', '--concurrency', '2', '--out', out)],
      { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    // the first progress line comes about 1 s into the run
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/\d+\/147 items/.test(stderr)) resolve();
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, stderr).toBe(130);
    const res = await readResult(out);
    expect(res.status).toBe('cancelled');
    expect(res.records.length).toBeGreaterThan(0);
    expect(res.records.length).toBeLessThan(147);
    // items cut short are dropped, not counted as failed or wrong
    expect(res.records.every((x) => x.error === undefined)).toBe(true);
    const arith = res.tasks.find((t) => t.taskId === 'arith')!;
    expect(arith.status).toBe('cancelled');
    expect(arith.summary.n).toBe(res.records.filter((x) => x.taskId === 'arith').length);
    expect(res.tasks.find((t) => t.taskId === 'capitals')!.summary.n).toBe(0);
    expect(stdout).toContain('status cancelled');
    expect(stderr).toMatch(/eval interrupted: \d+ finished item\(s\) kept/);
  });

  it('rejects unknown tasks and suites with a clear message', async () => {
    const r = await runInferbench(evalArgs('sim-fast', '--tasks', 'nope'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--tasks: no task "nope" in suite inferbench-mini');
    const s = await runInferbench(evalArgs('sim-fast', '--suite', path.join(dir, 'missing.yaml')));
    expect(s.code).toBe(1);
    expect(s.stderr).toContain('--suite: no built-in suite or file');
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

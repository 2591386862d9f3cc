/**
 * API commands against a real node:http server that answers like the inferbench API (contract-shaped
 * JSON, the error envelope, SSE on /runs/:id/events), and against a port where nothing listens.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  isTerminalRunStatus,
  type ExperimentListItem,
  type LoadPoint,
  type RequestSample,
  type Run,
  type RunSpec,
  type RunStatus,
} from '@inferbench/contracts';
import { summarizeSamples } from '@inferbench/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInferbench } from '../testing/run-cli-process.js';
import { runCli } from '../cli.js';
import type { CliIo } from '../io.js';

const NOW = '2026-01-02T03:04:05.000Z';

function sample(idx: number, ttftUs: number): RequestSample {
  return {
    idx,
    warmup: false,
    sentUs: idx * 1000,
    firstChunkUs: idx * 1000 + ttftUs,
    endUs: idx * 1000 + ttftUs + 30_000,
    chunkGapsUs: [10_000, 10_000, 10_000],
    inputTokens: 10,
    outputTokens: 4,
    reasoningTokens: 0,
    tokenSource: 'server',
    httpStatus: 200,
  };
}

const SUMMARY = summarizeSamples(
  Array.from({ length: 20 }, (_, i) => sample(i, 40_000 + i * 1000)),
  { warnings: ['The load generator fell behind its schedule (test warning).'] },
);

function experiment(id: string, name: string): ExperimentListItem {
  return {
    id,
    name,
    description: '',
    tags: ['nightly'],
    variants: [{ id: `${id}-v1`, targetId: 't1', label: 'fp16', optimization: { features: {} }, params: {} }],
    createdAt: NOW,
    updatedAt: NOW,
    recentRuns: [],
    lastRun: { id: 'old-run', status: 'completed', trigger: 'ci', createdAt: NOW, finishedAt: NOW },
    baselineRunId: null,
    archivedAt: null,
  };
}

function loadPoint(runId: string, ordinal: number, status: RunStatus, withSummary: boolean): LoadPoint {
  return {
    id: `${runId}-lp${ordinal}`,
    variantId: 'v1',
    variantLabel: 'fp16',
    ordinal,
    level: { kind: 'concurrency', concurrency: ordinal === 0 ? 1 : 8 },
    levelLabel: ordinal === 0 ? 'c=1' : 'c=8',
    status,
    shards: 1,
    samplesStored: withSummary ? 20 : 0,
    startedAt: NOW,
    finishedAt: withSummary ? NOW : null,
    error: null,
    summary: withSummary ? SUMMARY : null,
    shardHealth: [],
    startSkewMs: null,
    telemetry: null,
    tokenizer: null,
    imported: null,
  };
}

/** The frozen spec every fake run carries (a contract-valid `RunSpec`). */
const SPEC: RunSpec = {
  v: 1,
  experiment: { id: 'exp1', name: 'Nightly latency', description: '', tags: ['nightly'] },
  workload: {
    kind: 'synthetic',
    inputTokens: { kind: 'fixed', value: 10 },
    outputTokens: { kind: 'fixed', value: 4 },
  },
  loadPlan: { kind: 'concurrency', levels: [1, 8], requests: 20 },
  slo: null,
  variants: [
    {
      id: 'v1',
      label: 'fp16',
      optimization: { features: {} },
      params: {},
      target: {
        id: 't1',
        name: 'sim',
        baseUrl: 'http://127.0.0.1:9/v1',
        apiKind: 'chat',
        model: 'sim-fp16',
        headers: {},
        pool: 'default',
        metricsUrl: null,
        hasApiKey: false,
      },
    },
  ],
};

function run(id: string, status: RunStatus, error: string | null = null): Run {
  const done = isTerminalRunStatus(status);
  return {
    id,
    experimentId: 'exp1',
    experimentName: 'Nightly latency',
    status,
    trigger: 'ci',
    metadata: { gitSha: 'abc123' },
    spec: SPEC,
    error,
    createdAt: NOW,
    startedAt: NOW,
    finishedAt: done ? NOW : null,
    loadPoints: [
      loadPoint(id, 0, done ? (status === 'completed' ? 'completed' : status) : 'queued', done),
      loadPoint(id, 1, done ? status : 'queued', done),
    ],
    hints: [],
    source: null,
    idempotencyKey: null,
    evaluation: null,
    evals: null,
  };
}

/** run id → final status, chosen by the experiment that was started */
const FINAL: Record<string, RunStatus> = {};
const polls: Record<string, number> = {};
const started: { experimentId: string; body: unknown }[] = [];

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const p = url.pathname;
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    if (req.method === 'GET' && p === '/experiments') {
      const items = [
        experiment('exp1', 'Nightly latency'),
        experiment('exp2', 'Quant A/B'),
        experiment('exp3', 'Twin'),
        experiment('exp4', 'Twin'),
        experiment('exp-bad', 'Broken'),
        experiment('exp-cancel', 'Cancelled one'),
        experiment('exp-poll', 'Polled'),
      ];
      return send(res, 200, { items, total: items.length });
    }
    const expMatch = /^\/experiments\/([^/]+)$/.exec(p);
    if (req.method === 'GET' && expMatch) {
      return send(res, 404, { error: { code: 'NOT_FOUND', message: `experiment ${expMatch[1]} not found` } });
    }
    const startMatch = /^\/experiments\/([^/]+)\/runs$/.exec(p);
    if (req.method === 'POST' && startMatch) {
      const expId = startMatch[1]!;
      started.push({ experimentId: expId, body: JSON.parse(body || '{}') });
      if (expId === 'exp-bad') {
        return send(res, 400, {
          error: {
            code: 'VALIDATION_FAILED',
            message: 'invalid request',
            details: { issues: [{ path: 'metadata.gitSha', message: 'Too long' }] },
          },
        });
      }
      const id = `run-${expId}`;
      FINAL[id] = expId === 'exp-cancel' ? 'cancelled' : expId === 'exp2' ? 'failed' : 'completed';
      polls[id] = 0;
      return send(res, 201, run(id, 'queued'));
    }
    const eventsMatch = /^\/runs\/([^/]+)\/events$/.exec(p);
    if (eventsMatch) {
      const id = eventsMatch[1]!;
      if (id === 'run-exp-poll') return send(res, 503, { error: { code: 'INTERNAL', message: 'no stream' } });
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const ev = (e: unknown): boolean => res.write(`data: ${JSON.stringify(e)}\n\n`);
      ev({ type: 'loadpoint.status', runId: id, loadPointId: `${id}-lp0`, status: 'running' });
      ev({
        type: 'loadpoint.progress',
        runId: id,
        loadPointId: `${id}-lp0`,
        shardIndex: 0,
        window: { tSec: 0, completed: 10, errors: 0, outputTokens: 400 },
        totals: { done: 10, errors: 0, planned: 20, elapsedSec: 1 },
      });
      ev({ type: 'loadpoint.status', runId: id, loadPointId: `${id}-lp0`, status: 'completed' });
      ev({
        type: 'run.status',
        runId: id,
        status: FINAL[id],
        error: FINAL[id] === 'failed' ? 'agent lost' : null,
      });
      res.end();
      return;
    }
    const runMatch = /^\/runs\/([^/]+)$/.exec(p);
    if (req.method === 'GET' && runMatch) {
      const id = runMatch[1]!;
      if (!(id in FINAL))
        return send(res, 404, { error: { code: 'NOT_FOUND', message: `run ${id} not found` } });
      polls[id] = (polls[id] ?? 0) + 1;
      // the polled run stays running for two polls
      if (id === 'run-exp-poll' && polls[id]! <= 2) return send(res, 200, run(id, 'running'));
      const status = FINAL[id]!;
      return send(
        res,
        200,
        run(
          id,
          status,
          status === 'failed' ? 'agent lost' : status === 'cancelled' ? 'cancelled by user' : null,
        ),
      );
    }
    const cancelMatch = /^\/runs\/([^/]+)\/cancel$/.exec(p);
    if (req.method === 'POST' && cancelMatch) return send(res, 200, run(cancelMatch[1]!, 'cancelled'));
    if (p === '/targets') {
      return send(res, 200, {
        items: [
          {
            id: 't1',
            name: 'sim',
            baseUrl: 'http://127.0.0.1:8100',
            apiKind: 'chat',
            model: 'sim-fp16',
            headers: {},
            hasApiKey: false,
            pool: 'default',
            metricsUrl: null,
            createdAt: NOW,
            updatedAt: NOW,
          },
        ],
        total: 1,
      });
    }
    if (p === '/agents') {
      return send(res, 200, {
        items: [
          {
            id: 'agent-1',
            pool: 'default',
            host: 'h1',
            version: '0.1.0',
            state: 'busy',
            capabilities: {},
            currentJob: { runId: 'r1', loadPointId: 'lp1', shardIndex: 0 },
            lastHeartbeatAt: NOW,
          },
        ],
      });
    }
    send(res, 404, { error: { code: 'NOT_FOUND', message: 'no route' } });
  });
});

let apiUrl: string;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: { INFERBENCH_API_URL: apiUrl },
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe('API commands', () => {
  it('experiments list prints a table with id, name, tags, variants and last run', async () => {
    const r = await cli('experiments', 'list');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^id\s+name\s+tags\s+variants\s+last run$/);
    expect(r.stdout).toMatch(/exp1\s+Nightly latency\s+nightly\s+fp16\s+completed 2026-01-02 03:04:05Z/);
    const json = await cli('experiments', 'list', '--json');
    expect((JSON.parse(json.stdout) as unknown[]).length).toBe(7);
  });

  it('targets list and agents list', async () => {
    const t = await cli('targets', 'list');
    expect(t.stdout).toMatch(/t1\s+sim\s+http:\/\/127\.0\.0\.1:8100\s+chat\s+sim-fp16\s+default\s+no/);
    const a = await cli('--json', 'agents', 'list');
    expect(JSON.parse(a.stdout)).toMatchObject([{ id: 'agent-1', state: 'busy' }]);
    const a2 = await cli('agents', 'list');
    expect(a2.stdout).toMatch(/agent-1\s+default\s+h1\s+busy\s+r1\/lp1#0/);
  });

  it('run start by exact name sends trigger and metadata; without --wait prints the run id', async () => {
    const r = await cli(
      'run',
      'start',
      'Nightly latency',
      '--trigger',
      'ci',
      '--meta',
      'gitSha=abc123',
      '--meta',
      'branch=main',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('started run run-exp1 of "Nightly latency" (2 load points)');
    expect(started.at(-1)).toEqual({
      experimentId: 'exp1',
      body: { trigger: 'ci', metadata: { gitSha: 'abc123', branch: 'main' } },
    });
  });

  it('run start --wait follows the stream, prints the summary table and exits 0 on completion', async () => {
    const r = await cli('run', 'start', 'exp1', '--wait');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/fp16 c=1\s+completed\s+10\/20 done\s+0 errors\s+400 tok\/s/);
    const header = r.stdout.split('\n').find((l) => l.startsWith('variant'))!;
    expect(header).toMatch(
      /variant\s+level\s+status\s+ok\s+failed\s+TTFT p50\s+TTFT p99\s+TPOT p50\s+TPOT p99\s+ITL p50\s+ITL p99\s+E2E p50\s+E2E p99\s+req\/s\s+out tok\/s\s+warnings/,
    );
    const row = r.stdout.split('\n').find((l) => l.startsWith('fp16') && l.includes('c=8'))!;
    const cells = row.trim().split(/\s+/);
    const ttft = SUMMARY.latency.ttftMs!;
    expect(cells.slice(0, 5)).toEqual(['fp16', 'c=8', 'completed', '20', '0']);
    expect(Number(cells[5])).toBeCloseTo(ttft.p50, 0);
    expect(Number(cells[6])).toBeCloseTo(ttft.p99, 0);
    expect(r.stdout).toContain('! fp16 c=1: The load generator fell behind its schedule (test warning).');
  });

  it('exits 2 for a failed run and 3 for a cancelled one, with the reason', async () => {
    const f = await cli('run', 'start', 'Quant A/B', '--wait');
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('run run-exp2 failed: agent lost');
    const c = await cli('run', 'start', 'Cancelled one', '--wait');
    expect(c.code).toBe(3);
    expect(c.stderr).toContain('run run-exp-cancel was cancelled: cancelled by user');
  });

  it('falls back to polling when the live stream is unavailable', async () => {
    const io: CliIo = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };
    let stdout = '';
    let stderr = '';
    io.stdout.write = (s: string) => (stdout += s);
    io.stderr.write = (s: string) => (stderr += s);
    const { startRun } = await import('./api-commands.js');
    const { ApiClient } = await import('@inferbench/api-client');
    const code = await startRun(
      { api: new ApiClient({ baseUrl: apiUrl }), apiUrl, json: false, io },
      'Polled',
      { wait: true, trigger: 'api', metadata: {}, pollIntervalMs: 20 },
    );
    expect(code).toBe(0);
    expect(stderr).toContain('live stream unavailable');
    expect(polls['run-exp-poll']).toBe(3);
    expect(stdout).toContain('status completed');
  });

  it('explains a missing experiment, an ambiguous name and a 400 with its field issues', async () => {
    const missing = await cli('run', 'start', 'Nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'inferbench: no experiment named "Nope" (and no experiment with that id); list them with: inferbench experiments list\n',
    );
    const twin = await cli('run', 'start', 'Twin');
    expect(twin.stderr).toContain('2 experiments are named "Twin"; give one of their ids: exp3, exp4');
    const bad = await cli('run', 'start', 'Broken');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'inferbench: the API rejected the request: invalid request\n  metadata.gitSha: Too long\n',
    );
  });

  it('run get and run cancel', async () => {
    const g = await cli('run', 'get', 'run-exp1');
    expect(g.code).toBe(0);
    expect(g.stdout).toContain('run run-exp1  experiment "Nightly latency" (exp1)');
    expect(g.stdout).toContain('gitSha=abc123');
    const nf = await cli('run', 'get', 'nope');
    expect(nf.code).toBe(1);
    expect(nf.stderr).toBe('inferbench: API error 404 NOT_FOUND: run nope not found\n');
    const c = await cli('run', 'cancel', 'run-exp1', '--json');
    expect(JSON.parse(c.stdout)).toMatchObject({ id: 'run-exp1', status: 'cancelled' });
  });

  it('a global --api given after the command works too', async () => {
    const r = await runCli(['targets', 'list', '--api', apiUrl, '--json'], {
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: { INFERBENCH_API_URL: 'http://127.0.0.1:1' },
    });
    expect(r).toBe(0);
  });
});

describe('unreachable API', () => {
  it('names the URL, hints how to start it, exits 4 (real process)', async () => {
    // a port that was just free: nothing listens there
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const r = await runInferbench(['--api', `http://127.0.0.1:${port}`, 'experiments', 'list']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`inferbench: cannot reach the inferbench API at http://127.0.0.1:${port}.`);
    expect(r.stderr).toContain('pnpm --filter @inferbench/api start');
    const env = await runInferbench(['agents', 'list'], { INFERBENCH_API_URL: `http://127.0.0.1:${port}` });
    expect(env.code).toBe(4);
    expect(env.stderr).toContain(`http://127.0.0.1:${port}`);
    // `run start --wait` in a CI job: an unreachable API is told apart from a failed (2) or cancelled (3) run
    const wait = await runInferbench([
      '--api',
      `http://127.0.0.1:${port}`,
      'run',
      'start',
      'nightly',
      '--wait',
    ]);
    expect(wait.code).toBe(4);
    expect(wait.stderr).toContain(`inferbench: cannot reach the inferbench API at http://127.0.0.1:${port}.`);
  });
});

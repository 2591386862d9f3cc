/**
 * B2: schedule accuracy of the open-loop engine. Poisson arrivals at 1,000 req/s for 30 s (after a 2 s warm-up),
 * measured as schedule delay = sentUs − scheduledUs (METRICS.md) over the measured window. Two runs:
 *  - `http`: the real OpenAiCompatibleClient against a trivially fast SSE server in a child process (what a user
 *    gets; includes undici's write path up to the socket write, where the client stamps sentUs);
 *  - `noop`: an in-process LlmClient that answers at once (the scheduler and engine alone).
 * Target: p99 ≤ 2 ms on the http run. Prints one JSON object.
 * Run from the repo root: `npx tsx bench/b2-schedule-accuracy.ts` (env B2_RATE, B2_DURATION_SEC, B2_WARMUP_SEC
 * shorten it for a smoke run).
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { LimitsSchema, type LoadLevel, type RequestSample, type WorkloadSpec } from '@inferbench/contracts';
import {
  type Clock,
  type LlmClient,
  type LlmOutcome,
  type LlmRequest,
  OpenAiCompatibleClient,
  SystemClock,
  createTokenizer,
  runLoadPoint,
} from '@inferbench/loadgen';
import { percentileOfSorted } from '@inferbench/metrics';

const RATE = Number(process.env.B2_RATE ?? 1000);
const DURATION_SEC = Number(process.env.B2_DURATION_SEC ?? 30);
const WARMUP_SEC = Number(process.env.B2_WARMUP_SEC ?? 2);
const TARGET_P99_MS = 2;

// A minimal OpenAI-style SSE server: one content chunk, a usage chunk, [DONE]. Plain JS so the child needs no tsx.
const SERVER_JS = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"choices":[{"index":0,"text":"ok","finish_reason":null}]}\\n\\n');
    res.end('data: {"choices":[],"usage":{"prompt_tokens":16,"completion_tokens":1,"total_tokens":17}}\\n\\ndata: [DONE]\\n\\n');
  });
});
server.keepAliveTimeout = 120000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => process.exit(0));
`;

async function startChildServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['-e', SERVER_JS], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { port: number }).port));
  });
  return { url: `http://127.0.0.1:${port}/v1`, stop: () => child.kill('SIGTERM') };
}

/** Answers every request at once with one chunk: isolates the scheduler from HTTP. */
class NoopClient implements LlmClient {
  constructor(private readonly clock: Clock) {}
  async send(_req: LlmRequest): Promise<LlmOutcome> {
    const t = this.clock.nowUs();
    return {
      sentUs: t,
      chunkTimesUs: [t],
      firstContentUs: t,
      endUs: t,
      httpStatus: 200,
      usage: { promptTokens: 16, completionTokens: 1 },
      text: 'ok',
      reasoningText: '',
      toolCallText: '',
    };
  }
  async close(): Promise<void> {}
}

async function measure(name: string, client: LlmClient, clock: Clock, baseUrl: string) {
  const samples: RequestSample[] = [];
  const workload: WorkloadSpec = {
    kind: 'synthetic',
    inputTokens: { kind: 'fixed', value: 16 },
    outputTokens: { kind: 'fixed', value: 1 },
  };
  const load: LoadLevel = { kind: 'rate', rate: RATE, arrival: 'poisson' };
  const result = await runLoadPoint(
    {
      target: { baseUrl, apiKind: 'completions', model: 'bench', headers: {} },
      params: {},
      workload,
      load,
      durationSec: DURATION_SEC,
      warmup: { durationSec: WARMUP_SEC },
      limits: LimitsSchema.parse({ maxDurationSec: DURATION_SEC + WARMUP_SEC + 30 }),
      seed: 2,
    },
    {
      client,
      clock,
      tokenizer: await createTokenizer('o200k_base'),
      signal: new AbortController().signal,
      onSample: (s) => samples.push(s),
    },
  );
  const measured = samples.filter(
    (s) => !s.warmup && s.errorClass === undefined && s.scheduledUs !== undefined,
  );
  const delaysMs = Float64Array.from(measured.map((s) => (s.sentUs - s.scheduledUs!) / 1000)).sort();
  const first = Math.min(...measured.map((s) => s.scheduledUs!));
  const last = Math.max(...measured.map((s) => s.scheduledUs!));
  return {
    run: name,
    status: result.status,
    sent: result.sent,
    measured: measured.length,
    errors: samples.filter((s) => s.errorClass !== undefined && s.errorClass !== 'cancelled').length,
    cancelledTail: result.cancelledTail,
    offeredRatePerSec: measured.length / ((last - first) / 1e6),
    scheduleDelayMs: {
      p50: percentileOfSorted(delaysMs, 50),
      p90: percentileOfSorted(delaysMs, 90),
      p99: percentileOfSorted(delaysMs, 99),
      p999: percentileOfSorted(delaysMs, 99.9),
      max: delaysMs[delaysMs.length - 1] ?? NaN,
    },
    selfCheck: result.selfCheck,
    warnings: result.warnings,
  };
}

async function main(): Promise<void> {
  const clock = new SystemClock();
  const loadavgBefore = loadavg();
  const server = await startChildServer();
  let http;
  try {
    const client = new OpenAiCompatibleClient({ clock, maxConnections: 256 });
    http = await measure('http', client, clock, server.url);
    await client.close();
  } finally {
    server.stop();
  }
  const noop = await measure('noop', new NoopClient(clock), clock, 'http://127.0.0.1:9/v1');
  const p99 = http.scheduleDelayMs.p99;
  console.log(
    JSON.stringify(
      {
        benchmark: 'b2-schedule-accuracy',
        figure: 'schedule delay p99, ms (real HTTP client, Poisson)',
        value: p99,
        target: `<= ${TARGET_P99_MS} ms`,
        met: p99 <= TARGET_P99_MS,
        config: {
          ratePerSec: RATE,
          durationSec: DURATION_SEC,
          warmupSec: WARMUP_SEC,
          arrival: 'poisson',
          tokenizer: 'o200k_base',
        },
        runs: { http, noop },
        machine: {
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model,
          node: process.version,
          loadavgBefore: loadavgBefore.map((x) => Number(x.toFixed(2))),
          loadavgAfter: loadavg().map((x) => Number(x.toFixed(2))),
          note: 'shared machine; the child SSE server runs on the same cores',
        },
      },
      null,
      2,
    ),
  );
}

await main();

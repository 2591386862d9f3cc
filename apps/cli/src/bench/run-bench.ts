import { createWriteStream, type WriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { RequestSample, TargetConn } from '@inferbench/contracts';
import { createTokenizer, OpenAiCompatibleClient, runLoadPoint, SystemClock } from '@inferbench/loadgen';
import { annotateSummary, LoadPointAccumulator } from '@inferbench/metrics';
import type { CliStream } from '../io.js';
import { ProgressBar } from './progress-bar.js';
import type { BenchConfig, BenchEnvironment, BenchResult } from './result.js';

const CLI_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** Upper bound on connections for an open-loop run without --max-concurrency. */
const OPEN_LOOP_MAX_CONNECTIONS = 1024;

export interface RunBenchOptions {
  config: BenchConfig;
  /** never written to the result */
  apiKey?: string;
  /** write one RequestSample JSON per line here */
  outRequestsPath?: string;
  /** progress bar destination (stderr) */
  progress: CliStream;
  signal: AbortSignal;
}

/** Facts about this machine and process (recorded with every result). */
export function benchEnvironment(): BenchEnvironment {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    totalMemoryMb: Math.round(os.totalmem() / (1024 * 1024)),
    inferbenchVersion: CLI_VERSION,
  };
}

/**
 * Run one load point locally with the real engine (no API, no Redis) and summarize it with the metrics
 * accumulator, exactly as the API would summarize the same samples.
 */
export async function runBench(opts: RunBenchOptions): Promise<BenchResult> {
  const { config } = opts;
  const clock = new SystemClock();
  const maxConnections =
    config.load.kind === 'concurrency' ? config.load.concurrency : (config.load.maxConcurrency ?? OPEN_LOOP_MAX_CONNECTIONS);
  const client = new OpenAiCompatibleClient({ clock, maxConnections });
  const tokenizer = await createTokenizer(config.tokenizer);
  const target: TargetConn = {
    baseUrl: config.baseUrl,
    apiKind: config.apiKind,
    model: config.model,
    headers: {},
    ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
  };
  const acc = new LoadPointAccumulator({ timeSeries: true });
  let requestsOut: WriteStream | undefined;
  if (opts.outRequestsPath) requestsOut = createWriteStream(opts.outRequestsPath, { encoding: 'utf8' });
  const bar = new ProgressBar(opts.progress, config.requests, config.durationSec);

  let status: BenchResult['status'];
  let reason: string | undefined;
  let engine: BenchResult['engine'] = { sent: 0, completed: 0, cancelledTail: 0, warmup: 0, startedAtEpochMs: Date.now() };
  let warnings: string[] = [];
  try {
    const result = await runLoadPoint(
      {
        target,
        params: {
          ...(config.ignoreEos ? { ignoreEos: true } : {}),
          ...(config.temperature === undefined ? {} : { temperature: config.temperature }),
        },
        workload: {
          kind: 'synthetic',
          inputTokens: { kind: 'fixed', value: config.inputTokens },
          outputTokens: { kind: 'fixed', value: config.outputTokens },
        },
        load: config.load,
        ...(config.requests === undefined ? {} : { requests: config.requests }),
        ...(config.durationSec === undefined ? {} : { durationSec: config.durationSec }),
        ...(config.warmupRequests > 0 ? { warmup: { requests: config.warmupRequests } } : {}),
        limits: { maxDurationSec: config.maxDurationSec },
        seed: config.seed,
      },
      {
        client,
        clock,
        tokenizer,
        signal: opts.signal,
        onSample: (s: RequestSample) => {
          acc.add(s);
          requestsOut?.write(`${JSON.stringify(s)}\n`);
        },
        onTick: (t) => bar.update(t),
      },
    );
    status = result.status;
    reason = result.reason;
    warnings = result.warnings;
    engine = {
      sent: result.sent,
      completed: result.completed,
      cancelledTail: result.cancelledTail,
      warmup: result.warmup,
      startedAtEpochMs: result.startedAtEpochMs,
    };
  } catch (err) {
    status = 'failed';
    reason = `load engine error: ${(err as Error)?.message ?? String(err)}`;
  } finally {
    bar.finish();
    await client.close().catch(() => undefined);
    if (requestsOut) {
      const stream = requestsOut;
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
    }
  }
  const summary = annotateSummary(acc.summary({ warnings, includeTimeSeries: true }));
  return {
    kind: 'inferbench.bench-result',
    v: 1,
    createdAt: new Date().toISOString(),
    status,
    ...(reason === undefined ? {} : { reason }),
    config,
    summary: summary as BenchResult['summary'],
    engine,
    environment: benchEnvironment(),
  };
}

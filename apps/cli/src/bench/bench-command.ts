import { writeFile } from 'node:fs/promises';
import { describeLoadLevel } from '@inferbench/contracts';
import { CliError, EXIT } from '../errors.js';
import { fmtNum } from '../format/numbers.js';
import { LATENCY_HEADERS, latencyRows } from '../format/summary.js';
import { renderTable } from '../format/table.js';
import type { CliIo } from '../io.js';
import { comparisonJson, formatComparison, readBenchResult } from './compare.js';
import type { BenchConfig, BenchResult } from './result.js';
import { runBench } from './run-bench.js';

/** Raw commander options of `inferbench bench` (strings as typed, parsed here). */
export interface BenchCliOptions {
  baseUrl?: string;
  model?: string;
  api?: string;
  concurrency?: string;
  rate?: string;
  arrival?: string;
  burstiness?: string;
  maxConcurrency?: string;
  requests?: string;
  duration?: string;
  inputTokens: string;
  outputTokens: string;
  warmup: string;
  seed: string;
  tokenizer: string;
  maxDuration: string;
  ignoreEos?: boolean;
  temperature?: string;
  out?: string;
  outRequests?: string;
  apiKey?: string;
  compare?: string[];
}

function num(name: string, v: string, opts: { int?: boolean; min?: number; positive?: boolean } = {}): number {
  const x = Number(v);
  const bad =
    v.trim() === '' ||
    !Number.isFinite(x) ||
    (opts.int && !Number.isInteger(x)) ||
    (opts.min !== undefined && x < opts.min) ||
    (opts.positive && x <= 0);
  if (bad) {
    const what = `${opts.int ? 'an integer' : 'a number'}${opts.positive ? ' > 0' : opts.min !== undefined ? ` >= ${opts.min}` : ''}`;
    throw new CliError(`--${name} must be ${what}, got "${v}"`);
  }
  return x;
}

/** Validate and convert the command-line options into a {@link BenchConfig}. */
export function parseBenchOptions(o: BenchCliOptions, env: Record<string, string | undefined>): { config: BenchConfig; apiKey?: string } {
  if (!o.baseUrl) throw new CliError('--base-url is required (e.g. --base-url http://127.0.0.1:8000)');
  try {
    const u = new URL(o.baseUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new CliError(`--base-url must be an http(s) URL, got "${o.baseUrl}"`);
  }
  if (!o.model) throw new CliError('--model is required (the model name the server serves)');
  const apiKind = o.api ?? 'chat';
  if (apiKind !== 'chat' && apiKind !== 'completions') throw new CliError(`--api must be chat or completions, got "${apiKind}"`);
  if (o.concurrency !== undefined && o.rate !== undefined) throw new CliError('give either --concurrency or --rate, not both');

  let load: BenchConfig['load'];
  if (o.rate !== undefined) {
    const arrival = o.arrival ?? 'poisson';
    if (arrival !== 'poisson' && arrival !== 'constant' && arrival !== 'gamma') {
      throw new CliError(`--arrival must be poisson, constant or gamma, got "${arrival}"`);
    }
    load = {
      kind: 'rate',
      rate: num('rate', o.rate, { positive: true }),
      arrival,
      ...(o.burstiness === undefined ? {} : { burstiness: num('burstiness', o.burstiness, { positive: true }) }),
      ...(o.maxConcurrency === undefined ? {} : { maxConcurrency: num('max-concurrency', o.maxConcurrency, { int: true, min: 1 }) }),
    };
  } else {
    if (o.arrival !== undefined) throw new CliError('--arrival only applies with --rate');
    load = { kind: 'concurrency', concurrency: o.concurrency === undefined ? 1 : num('concurrency', o.concurrency, { int: true, min: 1 }) };
  }
  const durationSec = o.duration === undefined ? undefined : num('duration', o.duration, { positive: true });
  // neither given: a short, bounded default run
  const requests =
    o.requests !== undefined ? num('requests', o.requests, { int: true, min: 1 }) : durationSec === undefined ? 100 : undefined;
  const apiKey = o.apiKey ?? env.INFERBENCH_BENCH_API_KEY ?? env.OPENAI_API_KEY;
  const config: BenchConfig = {
    baseUrl: o.baseUrl,
    model: o.model,
    apiKind,
    load,
    ...(requests === undefined ? {} : { requests }),
    ...(durationSec === undefined ? {} : { durationSec }),
    warmupRequests: num('warmup', o.warmup, { int: true, min: 0 }),
    inputTokens: num('input-tokens', o.inputTokens, { int: true, min: 1 }),
    outputTokens: num('output-tokens', o.outputTokens, { int: true, min: 1 }),
    ignoreEos: o.ignoreEos === true,
    ...(o.temperature === undefined ? {} : { temperature: num('temperature', o.temperature, { min: 0 }) }),
    seed: num('seed', o.seed, { int: true }),
    tokenizer: o.tokenizer,
    maxDurationSec: num('max-duration', o.maxDuration, { positive: true }),
    hasApiKey: Boolean(apiKey),
  };
  return { config, ...(apiKey ? { apiKey } : {}) };
}

/** The human summary printed at the end of `bench`. */
export function formatBenchSummary(r: BenchResult): string {
  const s = r.summary;
  const c = r.config;
  const lines: string[] = [];
  lines.push(
    `${c.model} @ ${c.baseUrl} (${c.apiKind})  ${describeLoadLevel(c.load)}${c.load.kind === 'rate' ? ` ${c.load.arrival}` : ''}  in/out ${c.inputTokens}/${c.outputTokens} tokens  status ${r.status}${r.reason ? ` (${r.reason})` : ''}`,
  );
  const errs = Object.entries(s.errorsByClass)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  lines.push(
    `requests: ${s.requests.succeeded} ok, ${s.requests.failed} failed${errs ? ` (${errs})` : ''}, ${s.requests.cancelled} cancelled, ${s.requests.warmup} warm-up`,
  );
  lines.push(
    `duration ${fmtNum(s.durationSec, 2)} s  ${fmtNum(s.requestThroughput, 3)} req/s  ${fmtNum(s.outputTokenThroughput, 1)} output tok/s  ${fmtNum(s.totalTokenThroughput, 1)} total tok/s  concurrency ${fmtNum(s.achievedConcurrency, 2)}  ${fmtNum(s.tokens.tokensPerChunk, 2)} tokens/chunk`,
  );
  lines.push('');
  const rows = latencyRows(s);
  const table = rows.length ? renderTable(LATENCY_HEADERS, rows) : 'no successful request: no latency figures\n';
  const warnings = s.warnings.map((w) => `! ${w}`);
  return `${lines.join('\n')}\n${table}${warnings.length ? `${warnings.join('\n')}\n` : ''}`;
}

/** `inferbench bench ...` and `inferbench bench --compare a.json b.json`. */
export async function benchCommand(o: BenchCliOptions, json: boolean, io: CliIo, signal: AbortSignal): Promise<number> {
  if (o.compare) {
    if (o.compare.length !== 2) throw new CliError('--compare takes exactly two result files: --compare a.json b.json');
    const [pa, pb] = o.compare as [string, string];
    const [a, b] = await Promise.all([readBenchResult(pa), readBenchResult(pb)]);
    io.stdout.write(json ? `${JSON.stringify(comparisonJson(a, b), null, 2)}\n` : formatComparison(a, b, [pa, pb]));
    return EXIT.ok;
  }
  const { config, apiKey } = parseBenchOptions(o, io.env);
  if (!json) {
    const extent = config.requests !== undefined ? `${config.requests} requests` : `${config.durationSec} s`;
    io.stderr.write(`bench ${config.model} @ ${config.baseUrl}: ${describeLoadLevel(config.load)}, ${extent}\n`);
  }
  const result = await runBench({
    config,
    ...(apiKey ? { apiKey } : {}),
    ...(o.outRequests ? { outRequestsPath: o.outRequests } : {}),
    progress: io.stderr,
    signal,
  });
  if (o.out) await writeFile(o.out, `${JSON.stringify(result, null, 2)}\n`);
  io.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : formatBenchSummary(result));
  if (o.out && !json) io.stderr.write(`result written to ${o.out}\n`);

  if (signal.aborted) return EXIT.interrupted;
  if (result.status === 'failed' || result.status === 'aborted') {
    io.stderr.write(`bench ${result.status}: ${result.reason ?? 'no reason given'}\n`);
    return EXIT.failed;
  }
  if (result.summary.requests.succeeded === 0) {
    const first = Object.keys(result.summary.errorsByClass)[0];
    io.stderr.write(`no request succeeded${first ? ` (errors: ${first})` : ''}; is ${config.baseUrl} serving model "${config.model}"?\n`);
    return EXIT.error;
  }
  return EXIT.ok;
}

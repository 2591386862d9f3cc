import type { SummaryFigure } from '@inferbench/metrics';
import { InteropError } from '../errors.js';
import type { FigureSource, ImportResult, ImportedPoint, ImportedStats } from '../types.js';
import {
  at,
  emptyPoint,
  isObject,
  optNum,
  pKey,
  scaleStats,
  setReported,
  setScalar,
  type Json,
} from '../util.js';

/**
 * GuideLLM report (`benchmarks.json` / `.yaml`, `GenerativeBenchmarksReport`): `benchmarks[]`, each with
 * `metrics.<name>` = StatusDistributionSummary `{successful, incomplete, errored, total}` of
 * DistributionSummary `{mean, median, mode, variance, std_dev, min, max, count, total_sum,
 * percentiles{p001,p01,p05,p10,p25,p50,p75,p90,p95,p99,p999}}`; `metrics.request_totals` (newer) or
 * `total_count` (0.2); strategy in `config.strategy` (newer) or `args.strategy` (0.2). Field names
 * from GuideLLM's pydantic schemas (guidellm/benchmark/schemas, guidellm/schemas/statistics.py).
 */

const PCT: Record<string, number> = {
  p001: 0.1,
  p01: 1,
  p05: 5,
  p10: 10,
  p25: 25,
  p50: 50,
  p75: 75,
  p90: 90,
  p95: 95,
  p99: 99,
  p999: 99.9,
};

export function looksLikeGuidellm(o: Json): boolean {
  const b = o.benchmarks;
  return Array.isArray(b) && b.length > 0 && isObject(b[0]) && isObject((b[0] as Json).metrics);
}

function distribution(d: unknown, path: string): ImportedStats | undefined {
  if (d === undefined || d === null) return undefined;
  if (!isObject(d)) throw new InteropError('guidellm', path, 'expected a distribution summary object');
  const s: ImportedStats = { percentiles: {} };
  const num = (k: string) => optNum('guidellm', d, k, path + '.');
  const count = num('count');
  if (count !== undefined) s.count = count;
  const mean = num('mean');
  if (mean !== undefined) s.mean = mean;
  const std = num('std_dev');
  if (std !== undefined) s.std = std;
  const min = num('min');
  if (min !== undefined) s.min = min;
  const max = num('max');
  if (max !== undefined) s.max = max;
  const pct = d.percentiles;
  if (isObject(pct))
    for (const [k, p] of Object.entries(PCT)) {
      const v = optNum('guidellm', pct, k, path + '.percentiles.');
      if (v !== undefined) s.percentiles[pKey(p)] = v;
    }
  if (s.percentiles['50'] === undefined) {
    const med = num('median');
    if (med !== undefined) s.percentiles['50'] = med;
  }
  return s;
}

export function importGuidellm(report: Json, detectedBy: 'shape' | 'forced'): ImportResult {
  const benches = report.benchmarks;
  if (!Array.isArray(benches) || benches.length === 0)
    throw new InteropError('guidellm', 'benchmarks', 'missing or empty');
  const warnings: string[] = [];
  const points = benches.map((b, i) => guidellmPoint(b, `benchmarks[${i}]`, warnings));
  const result: ImportResult = {
    tool: 'guidellm',
    format: 'guidellm-report',
    detectedBy,
    metadata: {},
    points,
    warnings,
  };
  const version = at(report, 'metadata.guidellm_version') ?? at(report, 'metadata.version');
  if (typeof version === 'string') result.toolVersion = version;
  const model = at(report, 'args.model') ?? at(benches[0], 'worker.backend_model');
  if (typeof model === 'string') result.metadata.model = model;
  return result;
}

function guidellmPoint(b: unknown, path: string, warnings: string[]): ImportedPoint {
  if (!isObject(b)) throw new InteropError('guidellm', path, 'expected a benchmark object');
  const metrics = b.metrics;
  if (!isObject(metrics)) throw new InteropError('guidellm', `${path}.metrics`, 'missing');
  const newer = isObject(b.scheduler_metrics);
  const strategy = (isObject(b.config) ? b.config.strategy : undefined) ?? at(b, 'args.strategy');
  const point = emptyPoint(strategyLabel(strategy), 'aggregates');
  if (isObject(strategy)) {
    const t = strategy.type_;
    if (t === 'concurrent' && typeof strategy.streams === 'number')
      point.load = { kind: 'concurrency', concurrency: strategy.streams };
    else if (t === 'synchronous') point.load = { kind: 'concurrency', concurrency: 1 };
    else if ((t === 'constant' || t === 'poisson') && typeof strategy.rate === 'number')
      point.load = { kind: 'rate', rate: strategy.rate };
    else point.load = { kind: 'other', description: String(t) };
  }
  const totals = (isObject(metrics.request_totals) ? metrics.request_totals : b.total_count) as unknown;
  const tpath = isObject(metrics.request_totals) ? `${path}.metrics.request_totals` : `${path}.total_count`;
  if (!isObject(totals)) throw new InteropError('guidellm', `${path}.metrics.request_totals`, 'missing');
  const succ = optNum('guidellm', totals, 'successful', tpath + '.');
  const err = optNum('guidellm', totals, 'errored', tpath + '.');
  const inc = optNum('guidellm', totals, 'incomplete', tpath + '.');
  if (succ === undefined) throw new InteropError('guidellm', `${tpath}.successful`, 'missing');
  point.requests.succeeded = succ;
  point.sources['requests.succeeded'] = { key: `${tpath}.successful`, relation: 'same' };
  if (err !== undefined) {
    point.requests.failed = err;
    point.requests.total = succ + err + (inc ?? 0);
    point.sources['requests.failed'] = { key: `${tpath}.errored`, relation: 'same' };
    if (succ + err > 0)
      setScalar(point, 'errorRate', err / (succ + err), {
        key: 'errored / (successful + errored)',
        relation: 'same',
      });
  }
  if (inc !== undefined && inc > 0)
    point.flags.push(
      `${inc} incomplete (cancelled at the end of the benchmark) requests, excluded like our cancelled tails`,
    );
  const dur = optNum('guidellm', b, 'duration', path + '.');
  setScalar(point, 'durationSec', dur, {
    key: 'duration',
    relation: 'approx',
    note: 'GuideLLM: measurement window (measure_end − measure_start)',
  });

  const m = (name: string) =>
    distribution(at(metrics, `${name}.successful`), `${path}.metrics.${name}.successful`);
  const map = (name: string, figure: SummaryFigure, scale: number, source: FigureSource) => {
    const d = m(name);
    if (d) setReported(point, figure, scale === 1 ? d : scaleStats(d, scale), source);
  };
  map('time_to_first_token_ms', 'ttftMs', 1, {
    key: 'metrics.time_to_first_token_ms.successful',
    relation: 'same',
  });
  map('time_to_first_output_token_ms', 'ttftContentMs', 1, {
    key: 'metrics.time_to_first_output_token_ms.successful',
    relation: 'same',
  });
  map('request_latency', 'e2eMs', 1000, {
    key: 'metrics.request_latency.successful',
    relation: 'same',
    note: 'seconds in the file',
  });
  map('inter_token_latency_ms', 'tpotMs', 1, {
    key: 'metrics.inter_token_latency_ms.successful',
    relation: 'approx',
    note: 'GuideLLM calls TPOT "ITL": per request (last token − first token)/(output tokens − 1); its distribution is weighted by output tokens − 1, so mean/percentiles are token-weighted, ours per request',
  });
  if (newer) {
    map('time_per_output_token_ms', 'ntpotMs', 1, {
      key: 'metrics.time_per_output_token_ms.successful',
      relation: 'approx',
      note: 'GuideLLM "TPOT" = (last token − request start)/output tokens (includes TTFT) = our NTPOT up to last token vs end of stream; weighted by output tokens',
    });
  } else if (at(metrics, 'time_per_output_token_ms') !== undefined) {
    point.extras.time_per_output_token_ms = at(metrics, 'time_per_output_token_ms.successful');
    warnings.push(
      `${path}: GuideLLM's time_per_output_token_ms changed definition across versions (0.2.x: (last − first token)/output tokens; later: (last token − start)/output tokens); this older report shape does not say which, so it is kept unmapped in extras`,
    );
  }
  const rps = m('requests_per_second');
  setScalar(point, 'requestThroughput', rps?.mean, {
    key: 'metrics.requests_per_second.successful.mean',
    relation: 'approx',
    note: 'time-weighted mean rate over the measurement window = successful completions / window',
  });
  setScalar(point, 'outputTokenThroughput', m('output_tokens_per_second')?.mean, {
    key: 'metrics.output_tokens_per_second.successful.mean',
    relation: 'approx',
    note: 'time-weighted mean over the measurement window',
  });
  setScalar(point, 'totalTokenThroughput', m('tokens_per_second')?.mean, {
    key: 'metrics.tokens_per_second.successful.mean',
    relation: 'approx',
    note: 'prompt + output tokens, time-weighted mean over the measurement window',
  });
  const conc = distribution(
    at(metrics, 'request_concurrency.total'),
    `${path}.metrics.request_concurrency.total`,
  );
  setScalar(point, 'achievedConcurrency', conc?.mean, {
    key: 'metrics.request_concurrency.total.mean',
    relation: 'approx',
    note: 'time-averaged requests in flight (incomplete requests included)',
  });
  const tin =
    m('prompt_token_count')?.count !== undefined
      ? distributionSum(at(metrics, 'prompt_token_count.successful'))
      : undefined;
  const tout = distributionSum(at(metrics, 'output_token_count.successful'));
  if (tin !== undefined) {
    point.tokens.input = tin;
    point.sources['tokens.input'] = {
      key: 'metrics.prompt_token_count.successful.total_sum',
      relation: 'same',
    };
  }
  if (tout !== undefined) {
    point.tokens.output = tout;
    point.sources['tokens.output'] = {
      key: 'metrics.output_token_count.successful.total_sum',
      relation: 'same',
    };
  }
  return point;
}

function distributionSum(d: unknown): number | undefined {
  return isObject(d) && typeof d.total_sum === 'number' ? d.total_sum : undefined;
}

function strategyLabel(s: unknown): string {
  if (!isObject(s)) return 'benchmark';
  const t = String(s.type_ ?? 'strategy');
  if (typeof s.streams === 'number') return `${t} streams=${s.streams}`;
  if (typeof s.rate === 'number') return `${t} rate=${s.rate}`;
  return t;
}

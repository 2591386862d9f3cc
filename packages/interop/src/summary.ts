import type {
  AggregatesOnlySummary,
  ImportedPointInfo,
  LoadLevel,
  LoadPointSummary,
  PartialStats,
} from '@inferbench/contracts';
import type { ImportedPoint, ImportedStats, ImportResult } from './types.js';

/** What a point of an imported file becomes in storage (`LoadPoint.summary`, `histograms`, `imported`). */
export type StoredImportedPoint =
  | { detail: 'samples'; summary: LoadPointSummary; histograms: string; info: ImportedPointInfo }
  | { detail: 'aggregates'; summary: AggregatesOnlySummary; histograms: null; info: ImportedPointInfo };

/** Our Stats field for each percentile key a file may state. */
const PERCENTILE_FIELDS: Record<string, 'p50' | 'p90' | 'p95' | 'p99' | 'p999'> = {
  '50': 'p50',
  '90': 'p90',
  '95': 'p95',
  '99': 'p99',
  '99.9': 'p999',
};

/** A reported distribution as partial Stats: only the fields the file states (other percentiles are dropped). */
export function reportedToPartialStats(r: ImportedStats): PartialStats {
  const out: PartialStats = {};
  if (r.count !== undefined && Number.isInteger(r.count) && r.count >= 0) out.count = r.count;
  if (r.mean !== undefined) out.mean = r.mean;
  if (r.std !== undefined) out.std = r.std;
  if (r.min !== undefined) out.min = r.min;
  if (r.max !== undefined) out.max = r.max;
  for (const [k, v] of Object.entries(r.percentiles)) {
    const f = PERCENTILE_FIELDS[k];
    if (f) out[f] = v;
  }
  return out;
}

/**
 * The summary of an aggregates-only point: exactly the figures the file holds, under LoadPointSummary names.
 * Nothing is derived (not even an error rate from counts the file did not turn into one).
 */
export function aggregatesOnlySummary(p: ImportedPoint): AggregatesOnlySummary {
  const s: AggregatesOnlySummary = {
    aggregatesOnly: true,
    requests: {},
    tokens: {},
    latency: {},
    warnings: [],
  };
  const int = (x: number | undefined): number | undefined =>
    x !== undefined && Number.isInteger(x) ? x : undefined;
  const total = int(p.requests.total);
  const succeeded = int(p.requests.succeeded);
  const failed = int(p.requests.failed);
  if (total !== undefined) s.requests.total = total;
  if (succeeded !== undefined) s.requests.succeeded = succeeded;
  if (failed !== undefined) s.requests.failed = failed;
  if (p.tokens.input !== undefined) s.tokens.input = p.tokens.input;
  if (p.tokens.output !== undefined) s.tokens.output = p.tokens.output;
  for (const k of [
    'durationSec',
    'requestThroughput',
    'outputTokenThroughput',
    'totalTokenThroughput',
    'goodput',
    'achievedConcurrency',
    'errorRate',
  ] as const) {
    const v = p.scalars[k];
    if (v !== undefined) s[k] = v;
  }
  for (const [fig, r] of Object.entries(p.reported)) {
    if (r) s.latency[fig] = reportedToPartialStats(r);
  }
  return s;
}

/**
 * The summary of a point rebuilt from per-request records: our accumulator's summary (distributions, counts,
 * tokens, histograms for CDFs and intervals), with the load-point scalars the file states taking precedence
 * where the records cannot give them (vLLM records hold no start times, so the duration, throughputs and
 * goodput are the file's; achieved concurrency is re-divided by the file's duration).
 */
export function rebuiltSummary(p: ImportedPoint): { summary: LoadPointSummary; histograms: string } {
  const acc = p.rebuilt!.accumulator;
  const summary = acc.summary();
  const d = p.scalars.durationSec;
  if (d !== undefined && d > 0) {
    if (summary.durationSec > 0)
      summary.achievedConcurrency = (summary.achievedConcurrency * summary.durationSec) / d;
    summary.durationSec = d;
    summary.requestThroughput = summary.requests.succeeded / d;
    summary.outputTokenThroughput = summary.tokens.output / d;
    summary.totalTokenThroughput = (summary.tokens.input + summary.tokens.output) / d;
  }
  for (const k of ['requestThroughput', 'outputTokenThroughput', 'totalTokenThroughput'] as const) {
    const v = p.scalars[k];
    if (v !== undefined) summary[k] = v;
  }
  if (p.scalars.goodput !== undefined) summary.goodput = p.scalars.goodput;
  return { summary, histograms: acc.encode() };
}

/** The stored form of one imported point: summary (full or aggregates only), histograms and the file's info. */
export function storedImportedPoint(p: ImportedPoint): StoredImportedPoint {
  const base = {
    label: p.label,
    ...(p.load ? { load: p.load } : {}),
    reported: Object.fromEntries(Object.entries(p.reported).filter((e) => e[1] !== undefined)) as Record<
      string,
      ImportedStats
    >,
    scalars: Object.fromEntries(Object.entries(p.scalars).filter((e) => e[1] !== undefined)) as Record<
      string,
      number
    >,
    sources: p.sources,
    flags: p.flags,
  };
  if (p.detail === 'samples' && p.rebuilt) {
    const { summary, histograms } = rebuiltSummary(p);
    return { detail: 'samples', summary, histograms, info: { ...base, detail: 'samples', aggregates: null } };
  }
  const summary = aggregatesOnlySummary(p);
  return {
    detail: 'aggregates',
    summary,
    histograms: null,
    info: { ...base, detail: 'aggregates', aggregates: summary },
  };
}

/**
 * The closest LoadLevel to the load a file states, so imported points line up with measured ones (`c=8` with
 * `c=8`): closed loop → concurrency; an infinite rate capped at N in flight (vLLM `--request-rate inf
 * --max-concurrency N`) → concurrency N; a finite rate → rate (vLLM burstiness 1 is Poisson, other values
 * gamma; otherwise constant). Null when the file states no load this can express.
 */
export function importedLoadLevel(p: ImportedPoint): LoadLevel | null {
  const l = p.load;
  if (!l) return null;
  const positiveInt = (x: number): boolean => Number.isInteger(x) && x >= 1;
  if (l.kind === 'concurrency')
    return positiveInt(l.concurrency) ? { kind: 'concurrency', concurrency: l.concurrency } : null;
  if (l.kind === 'rate') {
    if (l.rate === 'inf')
      return l.maxConcurrency !== undefined && positiveInt(l.maxConcurrency)
        ? { kind: 'concurrency', concurrency: l.maxConcurrency }
        : null;
    if (!(l.rate > 0)) return null;
    const b = l.burstiness;
    const level: LoadLevel = {
      kind: 'rate',
      rate: l.rate,
      arrival: b === undefined ? 'constant' : b === 1 ? 'poisson' : 'gamma',
    };
    if (b !== undefined && b !== 1 && b > 0) level.burstiness = b;
    if (l.maxConcurrency !== undefined && positiveInt(l.maxConcurrency))
      level.maxConcurrency = l.maxConcurrency;
    return level;
  }
  return null;
}

/** `vllm 0.8.3 (import)`, or `k6 (import)` when the file records no version. */
export function importSourceLabel(r: Pick<ImportResult, 'tool' | 'toolVersion'>): string {
  return `${r.tool}${r.toolVersion ? ` ${r.toolVersion}` : ''} (import)`;
}

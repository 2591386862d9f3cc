import type { Stats } from '@inferbench/contracts';
import type { SummaryFigure } from '@inferbench/metrics';
import { InteropError } from './errors.js';
import type { FigureSource, ImportedPoint, ImportedStats, SourceTool } from './types.js';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Value at a dotted path (`a.b.c`), undefined when any step is missing. */
export function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** A finite number at `path`, or undefined when absent/null; throws when present but not a number. */
export function optNum(tool: SourceTool, obj: unknown, path: string, prefix = ''): number | undefined {
  const v = at(obj, path);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new InteropError(tool, prefix + path, `expected a number, got ${JSON.stringify(v)}`);
  return v;
}

/** A finite number at `path`; throws naming the field when missing or invalid. */
export function reqNum(tool: SourceTool, obj: unknown, path: string, prefix = ''): number {
  const v = optNum(tool, obj, path, prefix);
  if (v === undefined) throw new InteropError(tool, prefix + path, 'missing');
  return v;
}

/** Percentile key as a decimal string: 99 → '99', 99.9 → '99.9'. */
export function pKey(p: number): string {
  return String(Number(p.toFixed(6)));
}

export function emptyPoint(label: string, detail: ImportedPoint['detail']): ImportedPoint {
  return {
    label,
    detail,
    requests: {},
    tokens: {},
    scalars: {},
    reported: {},
    sources: {},
    extras: {},
    flags: [],
  };
}

/** Record a reported distribution and its source; skips empty stats. */
export function setReported(
  point: ImportedPoint,
  figure: SummaryFigure,
  stats: ImportedStats,
  source: FigureSource,
): void {
  const hasAny =
    stats.count !== undefined ||
    stats.mean !== undefined ||
    stats.std !== undefined ||
    stats.min !== undefined ||
    stats.max !== undefined ||
    Object.keys(stats.percentiles).length > 0;
  if (!hasAny) return;
  point.reported[figure] = stats;
  point.sources[`latency.${figure}`] = source;
}

export function setScalar(
  point: ImportedPoint,
  name: keyof ImportedPoint['scalars'],
  value: number | undefined,
  source: FigureSource,
): void {
  if (value === undefined) return;
  point.scalars[name] = value;
  point.sources[`scalars.${name}`] = source;
}

/** Scale every value of an ImportedStats (e.g. seconds → ms). count is not scaled. */
export function scaleStats(s: ImportedStats, k: number): ImportedStats {
  const out: ImportedStats = { percentiles: {} };
  if (s.count !== undefined) out.count = s.count;
  if (s.mean !== undefined) out.mean = s.mean * k;
  if (s.std !== undefined) out.std = s.std * k;
  if (s.min !== undefined) out.min = s.min * k;
  if (s.max !== undefined) out.max = s.max * k;
  for (const [p, v] of Object.entries(s.percentiles)) out.percentiles[p] = v * k;
  return out;
}

/** Our Stats as ImportedStats (for comparisons and exports). */
export function statsToImported(s: Stats): ImportedStats {
  return {
    count: s.count,
    mean: s.mean,
    std: s.std,
    min: s.min,
    max: s.max,
    percentiles: { '50': s.p50, '90': s.p90, '95': s.p95, '99': s.p99, '99.9': s.p999 },
  };
}

/**
 * Percentile with linear interpolation between closest ranks — numpy's default
 * (`np.percentile(a, p)`, method 'linear'): h = (n − 1)·p/100, x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]).
 * `sorted` must be ascending. Used to compare with peers that report numpy percentiles (vLLM,
 * inference-perf) from exact values; our own summaries use HDR nearest-rank.
 */
export function linearPercentile(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('linearPercentile of an empty list');
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

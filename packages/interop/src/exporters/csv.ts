import type { AggregatesOnlySummary, LoadPointSummary, Stats } from '@inferbench/contracts';
import { SUMMARY_FIGURES } from '@inferbench/metrics';

/** One row of the summaries CSV: a label (run/variant/point) and its summary. */
export interface CsvRow {
  label: string;
  /** a full summary, or an imported aggregates-only one (its missing figures stay empty cells) */
  summary: LoadPointSummary | AggregatesOnlySummary;
  /** extra columns placed after `label` (e.g. variant, load level) */
  columns?: Record<string, string | number>;
}

const STAT_FIELDS: (keyof Stats)[] = [
  'count',
  'mean',
  'std',
  'min',
  'p50',
  'p90',
  'p95',
  'p99',
  'p999',
  'max',
];

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Summaries as CSV, one row per point: requests, duration, throughput, goodput, error rate, tokens,
 * then `<figure>_<stat>` for every figure (METRICS.md names: ttftMs_p99, tpotMs_mean, …). A figure a
 * point lacks leaves its cells empty; no value is invented.
 */
export function summariesToCsv(rows: readonly CsvRow[]): string {
  const extra = [...new Set(rows.flatMap((r) => Object.keys(r.columns ?? {})))];
  const figures = SUMMARY_FIGURES.filter((f) => rows.some((r) => r.summary.latency[f] !== undefined));
  const header = [
    'label',
    ...extra,
    'requests_total',
    'requests_succeeded',
    'requests_failed',
    'durationSec',
    'requestThroughput',
    'outputTokenThroughput',
    'totalTokenThroughput',
    'goodput',
    'sloAttainmentPct',
    'achievedConcurrency',
    'errorRate',
    'tokens_input',
    'tokens_output',
    ...figures.flatMap((f) => STAT_FIELDS.map((s) => `${f}_${s}`)),
  ];
  const lines = [header.map(cell).join(',')];
  for (const r of rows) {
    const s = r.summary;
    const full = 'aggregatesOnly' in s ? undefined : s;
    const vals: unknown[] = [
      r.label,
      ...extra.map((k) => r.columns?.[k]),
      s.requests.total,
      s.requests.succeeded,
      s.requests.failed,
      s.durationSec,
      s.requestThroughput,
      s.outputTokenThroughput,
      s.totalTokenThroughput,
      s.goodput,
      full?.sloAttainmentPct,
      s.achievedConcurrency,
      s.errorRate,
      s.tokens.input,
      s.tokens.output,
      ...figures.flatMap((f) => STAT_FIELDS.map((k) => s.latency[f]?.[k])),
    ];
    lines.push(vals.map(cell).join(','));
  }
  return lines.join('\n') + '\n';
}

import type {
  LoadPointSummary,
  PercentileCi,
  Stats,
  ThresholdEntry,
  ThresholdsSpec,
} from '@inferbench/contracts';
import type { SummaryFigure } from './accumulator.js';
import type { FigureAccumulator } from './figure.js';
import { isBeyondNoise, percentileCi } from './histogram-stats.js';
import { normalQuantile } from './stats.js';

// CI thresholds in k6's syntax (`ttft: ['p(95)<500']`), judged per load point, and the baseline regression gate.
// One home for this math: the CLI judges live figures with it (abortOnFail), the API judges the finished run
// (`POST /runs/:id/evaluate`) with the stored histograms.

/** Latency metrics (ms) by threshold name → summary figure. */
export const LATENCY_METRICS = {
  ttft: 'ttftMs',
  ttft_content: 'ttftContentMs',
  tpot: 'tpotMs',
  ntpot: 'ntpotMs',
  itl: 'itlMs',
  e2e: 'e2eMs',
} as const satisfies Record<string, SummaryFigure>;
export type LatencyMetric = keyof typeof LATENCY_METRICS;

/** Point-level metrics: name → unit and whether more is better. */
export const SCALAR_METRICS = {
  error_rate: { unit: 'ratio', higherIsBetter: false },
  output_tps: { unit: 'tokens/s', higherIsBetter: true },
  total_tps: { unit: 'tokens/s', higherIsBetter: true },
  request_throughput: { unit: 'req/s', higherIsBetter: true },
  goodput: { unit: 'req/s', higherIsBetter: true },
  slo_attainment: { unit: 'ratio', higherIsBetter: true },
} as const;
export type ScalarMetric = keyof typeof SCALAR_METRICS;
export type ThresholdMetric = LatencyMetric | ScalarMetric;

export type Aggregation =
  { kind: 'p'; p: number } | { kind: 'avg' | 'min' | 'max' | 'med' } | { kind: 'rate' | 'value' };

export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** One threshold, parsed. */
export interface ParsedThreshold {
  /** the metric key as written (`ttft{variant:a}`) */
  key: string;
  metric: ThresholdMetric;
  /** k6-style tag filters: only points of this variant label / level label */
  tags: { variant?: string; level?: string };
  /** the expression as written */
  expression: string;
  aggregation: Aggregation;
  op: ThresholdOp;
  bound: number;
  unit: string;
  abortOnFail: boolean;
  /** no abort before this long after the run started, ms */
  delayAbortMs: number;
}

const EXPR =
  /^\s*(?:p\(\s*(\d+(?:\.\d+)?)\s*\)|(avg|min|max|med|rate|value))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i;
const KEY = /^([a-z][a-z0-9_]*)(?:\{([^}]*)\})?$/;

/** `10s`, `1.5m`, `500ms`, `2h`, or a plain number of seconds → ms. */
export function parseDelay(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}

/** The aggregations a metric accepts (k6: trends take p(N)/avg/min/max/med, rates `rate`, gauges `value`). */
function aggregationAllowed(metric: ThresholdMetric, a: Aggregation): boolean {
  if (metric in LATENCY_METRICS) return a.kind === 'p' || ['avg', 'min', 'max', 'med'].includes(a.kind);
  if (metric === 'error_rate' || metric === 'slo_attainment') return a.kind === 'rate' || a.kind === 'value';
  return a.kind === 'avg' || a.kind === 'value';
}

function allowedText(metric: ThresholdMetric): string {
  if (metric in LATENCY_METRICS) return 'p(N), avg, min, max or med';
  if (metric === 'error_rate' || metric === 'slo_attainment') return 'rate';
  return 'avg or value';
}

/**
 * Parse a thresholds spec. Every problem is collected (`ttft: "p(95)<<5" is not …`), so a config error names all
 * bad entries at once; `thresholds` holds the good ones.
 */
export function parseThresholds(spec: ThresholdsSpec): { thresholds: ParsedThreshold[]; errors: string[] } {
  const thresholds: ParsedThreshold[] = [];
  const errors: string[] = [];
  for (const [key, entries] of Object.entries(spec)) {
    const km = KEY.exec(key.trim());
    const metric = km?.[1] as ThresholdMetric | undefined;
    if (!km || !metric || !(metric in LATENCY_METRICS || metric in SCALAR_METRICS)) {
      errors.push(
        `${key}: unknown metric (use ${[...Object.keys(LATENCY_METRICS), ...Object.keys(SCALAR_METRICS)].join(', ')}, optionally with {variant:x} or {level:c=8})`,
      );
      continue;
    }
    const tags: ParsedThreshold['tags'] = {};
    let tagError = false;
    for (const part of (km[2] ?? '').split(',').filter((p) => p.trim())) {
      const i = part.indexOf(':');
      const name = part.slice(0, i).trim();
      const value = part.slice(i + 1).trim();
      if (i <= 0 || !value || (name !== 'variant' && name !== 'level')) {
        errors.push(`${key}: tag "${part.trim()}" is not variant:<label> or level:<label>`);
        tagError = true;
      } else tags[name] = value;
    }
    if (tagError) continue;
    for (const entry of entries as ThresholdEntry[]) {
      const obj = typeof entry === 'string' ? { threshold: entry, abortOnFail: false } : entry;
      const m = EXPR.exec(obj.threshold);
      if (!m) {
        errors.push(
          `${key}: "${obj.threshold}" is not a threshold like 'p(95)<500', 'avg<200', 'rate<0.01' or 'avg>2000'`,
        );
        continue;
      }
      const aggregation: Aggregation =
        m[1] !== undefined ? { kind: 'p', p: Number(m[1]) } : { kind: m[2]!.toLowerCase() as 'avg' };
      if (aggregation.kind === 'p' && !(aggregation.p > 0 && aggregation.p <= 100)) {
        errors.push(`${key}: "${obj.threshold}": the percentile must be in (0, 100]`);
        continue;
      }
      if (!aggregationAllowed(metric, aggregation)) {
        errors.push(`${key}: "${obj.threshold}": ${metric} takes ${allowedText(metric)}`);
        continue;
      }
      let delayAbortMs = 0;
      if ('delayAbortEval' in obj && obj.delayAbortEval !== undefined) {
        const d = parseDelay(obj.delayAbortEval);
        if (d === undefined) {
          errors.push(`${key}: delayAbortEval "${obj.delayAbortEval}" is not a duration like 10s or 1m`);
          continue;
        }
        delayAbortMs = d;
      }
      const op = (m[3] === '===' ? '==' : m[3]) as ThresholdOp;
      thresholds.push({
        key,
        metric,
        tags,
        expression: obj.threshold.replace(/\s+/g, ''),
        aggregation,
        op,
        bound: Number(m[4]),
        unit: metric in LATENCY_METRICS ? 'ms' : SCALAR_METRICS[metric as ScalarMetric].unit,
        abortOnFail: obj.abortOnFail ?? false,
        delayAbortMs,
      });
    }
  }
  return { thresholds, errors };
}

/** Whether a threshold's tag filters select a point. */
export function thresholdApplies(t: ParsedThreshold, variantLabel: string, levelLabel: string): boolean {
  return (
    (t.tags.variant === undefined || t.tags.variant === variantLabel) &&
    (t.tags.level === undefined || t.tags.level === levelLabel)
  );
}

/**
 * What a threshold reads from one load point. {@link summaryValues} answers from a summary (percentiles only at
 * the summary's p50/p90/p95/p99/p99.9); {@link histogramValues} reads any percentile exactly from the histograms.
 */
export interface ThresholdValues {
  latency(figure: SummaryFigure, a: Aggregation): number | undefined;
  scalar(metric: ScalarMetric): number | undefined;
}

const SUMMARY_PCTS: Record<string, keyof Stats> = {
  '50': 'p50',
  '90': 'p90',
  '95': 'p95',
  '99': 'p99',
  '99.9': 'p999',
  '100': 'max',
};

function scalarOf(s: LoadPointSummary, metric: ScalarMetric): number | undefined {
  switch (metric) {
    case 'error_rate':
      return s.errorRate;
    case 'output_tps':
      return s.outputTokenThroughput;
    case 'total_tps':
      return s.totalTokenThroughput;
    case 'request_throughput':
      return s.requestThroughput;
    case 'goodput':
      return s.goodput;
    case 'slo_attainment':
      return s.sloAttainmentPct === undefined ? undefined : s.sloAttainmentPct / 100;
  }
}

function statOf(st: Stats | undefined, a: Aggregation): number | undefined {
  if (!st || st.count === 0) return undefined;
  if (a.kind === 'p') {
    const k = SUMMARY_PCTS[String(a.p)];
    return k === undefined ? undefined : st[k];
  }
  if (a.kind === 'avg') return st.mean;
  if (a.kind === 'min') return st.min;
  if (a.kind === 'max') return st.max;
  if (a.kind === 'med') return st.p50;
  return undefined;
}

/** Values from a summary alone (what the CLI sees in `GET /runs/:id`). */
export function summaryValues(summary: LoadPointSummary): ThresholdValues {
  return {
    latency: (figure, a) => statOf(summary.latency[figure], a),
    scalar: (metric) => scalarOf(summary, metric),
  };
}

/** Values from a summary and the point's decoded histograms: any percentile is read from the histogram. */
export function histogramValues(
  summary: LoadPointSummary,
  figures: ReadonlyMap<SummaryFigure, FigureAccumulator>,
): ThresholdValues {
  const base = summaryValues(summary);
  return {
    latency: (figure, a) => {
      const fig = figures.get(figure);
      if (fig && a.kind === 'p') return fig.percentile(a.p);
      if (fig && a.kind === 'med') return fig.percentile(50);
      return base.latency(figure, a);
    },
    scalar: base.scalar,
  };
}

/** The value a threshold reads from a point; undefined when the point has none. */
export function thresholdObserved(t: ParsedThreshold, values: ThresholdValues): number | undefined {
  if (t.metric in LATENCY_METRICS)
    return values.latency(LATENCY_METRICS[t.metric as LatencyMetric], t.aggregation);
  return values.scalar(t.metric as ScalarMetric);
}

export function compareOp(observed: number, op: ThresholdOp, bound: number): boolean {
  switch (op) {
    case '<':
      return observed < bound;
    case '<=':
      return observed <= bound;
    case '>':
      return observed > bound;
    case '>=':
      return observed >= bound;
    case '==':
      return observed === bound;
    case '!=':
      return observed !== bound;
  }
}

/** A threshold judged on one point: a point without the value fails (`no data`), as an SLO bound does. */
export function judgeThreshold(
  t: ParsedThreshold,
  values: ThresholdValues,
): { observed: number | undefined; pass: boolean } {
  const observed = thresholdObserved(t, values);
  return { observed, pass: observed !== undefined && compareOp(observed, t.op, t.bound) };
}

/** `ttft p(95)=612.3 ms > 500` style text of a judged threshold. */
export function describeThresholdResult(t: ParsedThreshold, observed: number | undefined): string {
  if (observed === undefined) return `${t.key} ${t.expression}: no data`;
  const agg = t.aggregation.kind === 'p' ? `p(${t.aggregation.p})` : t.aggregation.kind;
  const unit = t.unit === 'ratio' ? '' : ` ${t.unit}`;
  return `${t.key} ${agg}=${round(observed)}${unit} (threshold ${t.expression})`;
}

function round(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

// ---- baseline regression gate ----

/** One `--max-regression` rule, parsed: `ttft.p95=10%` → figure ttft, stat p95, tolerance 10 %. */
export interface RegressionRule {
  key: string;
  metric: ThresholdMetric;
  /** `p` (percentile), `mean`, or `value` for point-level figures */
  stat: { kind: 'p'; p: number } | { kind: 'mean' } | { kind: 'value' };
  tolerancePct: number;
}

const REGRESSION_SCALARS: readonly ScalarMetric[] = [
  'output_tps',
  'total_tps',
  'request_throughput',
  'goodput',
];

/** Parse a rule key (`ttft.p95`, `e2e.p99.9`, `tpot.mean`, `output_tps`). */
export function parseRegressionRule(key: string, tolerancePct: number): RegressionRule | string {
  const k = key.trim();
  const dot = k.indexOf('.');
  const metric = (dot < 0 ? k : k.slice(0, dot)) as ThresholdMetric;
  const statText = dot < 0 ? '' : k.slice(dot + 1);
  if (metric in LATENCY_METRICS) {
    const pm = /^p(\d+(?:\.\d+)?)$/.exec(statText);
    if (pm && Number(pm[1]) > 0 && Number(pm[1]) < 100)
      return { key: k, metric, stat: { kind: 'p', p: Number(pm[1]) }, tolerancePct };
    if (statText === 'mean' || statText === 'avg')
      return { key: k, metric, stat: { kind: 'mean' }, tolerancePct };
    return `${k}: name a statistic of ${metric}: ${metric}.p95, ${metric}.p99, ${metric}.mean`;
  }
  if ((REGRESSION_SCALARS as readonly string[]).includes(metric) && statText === '')
    return { key: k, metric, stat: { kind: 'value' }, tolerancePct };
  return `${k}: unknown figure (use ${Object.keys(LATENCY_METRICS)
    .map((m) => `${m}.p95`)
    .join(', ')}, ${REGRESSION_SCALARS.join(', ')})`;
}

/** One side of a regression check: the point's summary and its decoded histograms (may be empty). */
export interface RegressionSide {
  summary: LoadPointSummary;
  figures: ReadonlyMap<SummaryFigure, FigureAccumulator>;
}

export interface RegressionOutcome {
  baseline: number | undefined;
  current: number | undefined;
  /** positive = worse, percent */
  worsePct: number | undefined;
  beyondNoise: boolean | null;
  baselineCi: PercentileCi | null;
  currentCi: PercentileCi | null;
  pass: boolean;
  note: string | null;
  unit: string;
}

/** 95 % interval of a mean from its summary statistics (normal approximation, n ≥ 2). */
function meanCi(st: Stats | undefined): PercentileCi | null {
  if (!st || st.count < 2) return null;
  const half = (normalQuantile(0.975) * st.std) / Math.sqrt(st.count);
  return {
    estimate: st.mean,
    lower: st.mean - half,
    upper: st.mean + half,
    lowerOpen: false,
    upperOpen: false,
  };
}

function sideValue(
  rule: RegressionRule,
  side: RegressionSide,
): { value: number | undefined; ci: PercentileCi | null; hasCi: boolean } {
  if (rule.metric in LATENCY_METRICS) {
    const figure = LATENCY_METRICS[rule.metric as LatencyMetric];
    const fig = side.figures.get(figure);
    const st = side.summary.latency[figure];
    if (rule.stat.kind === 'p') {
      if (fig) return { value: fig.percentile(rule.stat.p), ci: percentileCi(fig, rule.stat.p), hasCi: true };
      // no histogram stored: the summary's value, without an interval (the gate then judges the tolerance only)
      return { value: statOf(st, { kind: 'p', p: rule.stat.p }), ci: null, hasCi: false };
    }
    return { value: st?.count ? st.mean : undefined, ci: meanCi(st), hasCi: true };
  }
  return { value: scalarOf(side.summary, rule.metric as ScalarMetric), ci: null, hasCi: false };
}

/**
 * Judge one rule on one point against its baseline point: it fails only when the current value is worse than the
 * baseline's by more than the tolerance AND the difference is beyond sampling noise (the two 95 % intervals do
 * not overlap: percentile intervals from the histograms, mean intervals from mean/std/n). Point-level throughputs
 * have no interval; they are judged on the tolerance alone (`beyondNoise: null`).
 */
export function judgeRegression(
  rule: RegressionRule,
  baseline: RegressionSide,
  current: RegressionSide,
): RegressionOutcome {
  const higherIsBetter =
    rule.metric in SCALAR_METRICS && SCALAR_METRICS[rule.metric as ScalarMetric].higherIsBetter;
  const unit = rule.metric in LATENCY_METRICS ? 'ms' : SCALAR_METRICS[rule.metric as ScalarMetric].unit;
  const b = sideValue(rule, baseline);
  const c = sideValue(rule, current);
  const base = { baseline: b.value, current: c.value, baselineCi: b.ci, currentCi: c.ci, unit };
  if (b.value === undefined || c.value === undefined) {
    return {
      ...base,
      worsePct: undefined,
      beyondNoise: null,
      pass: true,
      note: b.value === undefined ? 'no baseline value' : 'no current value',
    };
  }
  const worsePct =
    b.value === 0
      ? c.value === 0
        ? 0
        : higherIsBetter
          ? -Infinity
          : Infinity
      : (100 * (higherIsBetter ? b.value - c.value : c.value - b.value)) / Math.abs(b.value);
  const beyondNoise = b.hasCi && c.hasCi ? isBeyondNoise(b.ci, c.ci) : null;
  const worse = worsePct > rule.tolerancePct;
  const pass = !(worse && beyondNoise !== false);
  const note =
    worse && beyondNoise === false
      ? `worse by ${worsePct.toFixed(1)} % but within noise (intervals overlap)`
      : null;
  return { ...base, worsePct, beyondNoise, pass, note };
}

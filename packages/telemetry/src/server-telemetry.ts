/**
 * Turns a sequence of /metrics scrapes of one load point into `ServerTelemetry`: the gauge series,
 * counter and histogram increases (reset-tolerant), and the TTFT split. Pure (no I/O, no clock);
 * the scraper feeds it.
 */
import {
  SERVER_HISTOGRAM_ROLES,
  type ServerCounterDeltas,
  type ServerEngine,
  type ServerGaugePoint,
  type ServerGaugeStats,
  type ServerHistogramRole,
  type ServerTelemetry,
  type TtftSplit,
  type HistogramSummary,
} from '@inferbench/contracts';
import {
  addHistograms,
  readHistograms,
  seriesKey,
  subtractHistogram,
  summarizeHistogram,
  type CumHistogram,
  type LabelPredicate,
} from './histogram.js';
import {
  COUNTER_SOURCES,
  DEFAULT_EXTRA_GAUGES,
  GAUGE_NAMES,
  HISTOGRAM_NAMES,
  detectEngine,
  type CounterRole,
  type GaugeRole,
} from './metric-names.js';
import { parsePrometheusText, type PromSample } from './prom-parser.js';

/** Options of the accumulator. */
export interface ServerTelemetryOptions {
  /**
   * Keep only label sets whose `model_name` label equals this (series without that label are kept).
   * Unset: sum over every model the server serves.
   */
  model?: string;
  /** more gauge names to record in each point's `extra` (besides `*_perc` gauges and the defaults) */
  extraGauges?: readonly string[];
  /** endpoint, copied into the result */
  url?: string;
}

const COUNTER_ROLES = Object.keys(COUNTER_SOURCES) as CounterRole[];
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Indexes samples by their own name. */
export function indexSamples(families: Iterable<{ samples: PromSample[] }>): Map<string, PromSample[]> {
  const index = new Map<string, PromSample[]>();
  for (const f of families) {
    for (const s of f.samples) {
      const list = index.get(s.name);
      if (list) list.push(s);
      else index.set(s.name, [s]);
    }
  }
  return index;
}

function makePredicate(model: string | undefined): LabelPredicate {
  if (model === undefined) return () => true;
  return (labels) => labels.model_name === undefined || labels.model_name === model;
}

/** Sum (or max) of a gauge over accepted label sets; undefined when absent. */
function readGauge(
  index: ReadonlyMap<string, PromSample[]>,
  name: string,
  accept: LabelPredicate,
  combine: 'sum' | 'max',
): number | undefined {
  const values = (index.get(name) ?? [])
    .filter((s) => accept(s.labels) && !Number.isNaN(s.value))
    .map((s) => s.value);
  if (values.length === 0) return undefined;
  return combine === 'sum' ? values.reduce((a, b) => a + b, 0) : Math.max(...values);
}

function resolveGauge(
  index: ReadonlyMap<string, PromSample[]>,
  role: GaugeRole,
  accept: LabelPredicate,
): number | undefined {
  for (const { name } of GAUGE_NAMES[role]) {
    // several engines/DP ranks: requests add up, KV usage is the fullest cache
    const v = readGauge(index, name, accept, role === 'kvUsage' ? 'max' : 'sum');
    if (v !== undefined) return v;
  }
  return undefined;
}

function readCounterSeries(
  index: ReadonlyMap<string, PromSample[]>,
  role: CounterRole,
  accept: LabelPredicate,
): Map<string, number> | undefined {
  for (const src of COUNTER_SOURCES[role]) {
    const name = 'counter' in src ? src.counter : `${src.histogramSum}_sum`;
    const samples = (index.get(name) ?? []).filter((s) => accept(s.labels));
    if (samples.length === 0) continue;
    return new Map(samples.map((s) => [seriesKey(s.labels), s.value]));
  }
  return undefined;
}

function resolveHistograms(
  index: ReadonlyMap<string, PromSample[]>,
  role: ServerHistogramRole,
  accept: LabelPredicate,
): { metric: string; series: Map<string, CumHistogram> } | undefined {
  for (const { name } of HISTOGRAM_NAMES[role]) {
    const series = readHistograms(index, name, accept);
    if (series.size > 0) return { metric: name, series };
  }
  return undefined;
}

function meanMax(values: (number | undefined)[]): { mean?: number; max?: number } {
  const v = values.filter((x): x is number => x !== undefined);
  if (v.length === 0) return {};
  return { mean: round3(v.reduce((a, b) => a + b, 0) / v.length), max: Math.max(...v) };
}

/**
 * Splits server TTFT into queueing and prefill from histogram deltas. Means are sum/count of each
 * histogram; percentiles come from the buckets (linear interpolation). Shares are of the server's
 * mean TTFT when a TTFT histogram with observations exists, else of queue + prefill.
 * Returns undefined when neither a queue nor a prefill histogram saw an observation.
 */
export function computeTtftSplit(
  histograms: Partial<Record<ServerHistogramRole, HistogramSummary>>,
): TtftSplit | undefined {
  const q = histograms.queue;
  const p = histograms.prefill;
  const t = histograms.ttft;
  const d = histograms.decode;
  const queueMs = q && q.count > 0 ? q.meanMs : undefined;
  const prefillMs = p && p.count > 0 ? p.meanMs : undefined;
  if (queueMs === undefined && prefillMs === undefined) return undefined;
  const split: TtftSplit = {
    queueMsMean: queueMs,
    prefillMsMean: prefillMs,
    serverTtftMsMean: t && t.count > 0 ? t.meanMs : undefined,
    decodeMsMean: d && d.count > 0 ? d.meanMs : undefined,
    queueMsP50: q?.p50Ms,
    queueMsP90: q?.p90Ms,
    queueMsP99: q?.p99Ms,
    prefillMsP50: p?.p50Ms,
    prefillMsP90: p?.p90Ms,
    prefillMsP99: p?.p99Ms,
    serverTtftMsP50: t?.p50Ms,
    serverTtftMsP90: t?.p90Ms,
    serverTtftMsP99: t?.p99Ms,
  };
  const parts = (queueMs ?? 0) + (prefillMs ?? 0);
  const useTtft = split.serverTtftMsMean !== undefined && split.serverTtftMsMean > 0;
  const basis = useTtft ? split.serverTtftMsMean! : parts;
  if (basis > 0) {
    split.shareBasis = useTtft ? 'server-ttft' : 'queue-plus-prefill';
    if (queueMs !== undefined) split.queueSharePct = round3((queueMs / basis) * 100);
    if (prefillMs !== undefined) split.prefillSharePct = round3((prefillMs / basis) * 100);
    split.otherSharePct = round3(Math.max(0, 100 - (parts / basis) * 100));
  }
  // drop undefined keys so the object stays compact on the wire
  return Object.fromEntries(Object.entries(split).filter(([, v]) => v !== undefined)) as TtftSplit;
}

/**
 * Accumulates scrapes of one load point. Counter and histogram increases are summed over
 * consecutive successful scrapes, per label set, so a server restart mid-point (a value that goes
 * down) costs only the part before the restart in that one interval, as with Prometheus `increase()`.
 * A label set that first appears after the first scrape counts in full (it started at 0 in the window).
 */
export class ServerTelemetryAccumulator {
  private readonly accept: LabelPredicate;
  private readonly extraNames: readonly string[];
  private engine: ServerEngine = 'unknown';
  private scrapes = 0;
  private scrapeErrors = 0;
  private lastError: string | undefined;
  private counterResets = 0;
  private firstTSec: number | undefined;
  private lastTSec: number | undefined;
  private readonly series: ServerGaugePoint[] = [];
  private readonly prevCounters = new Map<CounterRole, Map<string, number>>();
  private readonly counterTotals = new Map<CounterRole, number>();
  private readonly prevHists = new Map<ServerHistogramRole, Map<string, CumHistogram>>();
  private readonly histTotals = new Map<ServerHistogramRole, { metric: string; hist: CumHistogram }>();

  constructor(private readonly opts: ServerTelemetryOptions = {}) {
    this.accept = makePredicate(opts.model);
    this.extraNames = [...DEFAULT_EXTRA_GAUGES, ...(opts.extraGauges ?? [])];
  }

  /** Records a failed scrape (never throws). */
  addError(message: string): void {
    this.scrapeErrors++;
    this.lastError = message;
  }

  /**
   * Adds one scrape body taken `tSec` seconds after the start. A body with no readable sample is
   * counted as an error, not as a scrape. Returns whether it was accepted.
   */
  addScrape(tSec: number, body: string): boolean {
    const parsed = parsePrometheusText(body);
    const index = indexSamples(parsed.families.values());
    if (index.size === 0) {
      this.addError(
        parsed.errors.length > 0
          ? `not Prometheus text (line ${parsed.errors[0]!.line}: ${parsed.errors[0]!.message})`
          : 'empty metrics body',
      );
      return false;
    }
    const isBaseline = this.scrapes === 0;
    this.scrapes++;
    if (this.engine === 'unknown') this.engine = detectEngine(index.keys());
    this.firstTSec ??= tSec;
    this.lastTSec = tSec;
    this.recordGauges(tSec, parsed.families, index);
    this.recordCounters(index, isBaseline);
    this.recordHistograms(index, isBaseline);
    return true;
  }

  private recordGauges(
    tSec: number,
    families: ReadonlyMap<string, { type: string; samples: PromSample[] }>,
    index: ReadonlyMap<string, PromSample[]>,
  ): void {
    const point: ServerGaugePoint = { tSec: round3(tSec) };
    const running = resolveGauge(index, 'running', this.accept);
    const waiting = resolveGauge(index, 'waiting', this.accept);
    const kv = resolveGauge(index, 'kvUsage', this.accept);
    if (running !== undefined) point.running = running;
    if (waiting !== undefined) point.waiting = waiting;
    if (kv !== undefined) point.kvUsagePct = round3(kv * 100);
    const kvNames = new Set(GAUGE_NAMES.kvUsage.map((g) => g.name));
    const extra: Record<string, number> = {};
    for (const [name, fam] of families) {
      const wanted = this.extraNames.includes(name) || (fam.type === 'gauge' && name.endsWith('_perc'));
      if (!wanted || kvNames.has(name)) continue;
      const v = readGauge(index, name, this.accept, 'sum');
      if (v !== undefined && Number.isFinite(v)) extra[name] = v;
    }
    if (Object.keys(extra).length > 0) point.extra = extra;
    this.series.push(point);
  }

  private recordCounters(index: ReadonlyMap<string, PromSample[]>, isBaseline: boolean): void {
    for (const role of COUNTER_ROLES) {
      const now = readCounterSeries(index, role, this.accept);
      if (!now) continue;
      const prev = this.prevCounters.get(role);
      if (!isBaseline || prev) {
        let inc = 0;
        for (const [key, value] of now) {
          const before = prev?.get(key);
          if (before === undefined) inc += isBaseline ? 0 : value;
          else if (value < before) {
            this.counterResets++;
            inc += value;
          } else inc += value - before;
        }
        this.counterTotals.set(role, (this.counterTotals.get(role) ?? 0) + inc);
      } else this.counterTotals.set(role, this.counterTotals.get(role) ?? 0);
      this.prevCounters.set(role, now);
    }
  }

  private recordHistograms(index: ReadonlyMap<string, PromSample[]>, isBaseline: boolean): void {
    for (const role of SERVER_HISTOGRAM_ROLES) {
      const now = resolveHistograms(index, role, this.accept);
      if (!now) continue;
      const prev = this.prevHists.get(role);
      let total = this.histTotals.get(role)?.hist;
      for (const [key, h] of now.series) {
        const before = prev?.get(key);
        if (before === undefined && isBaseline) {
          // baseline: contributes an empty histogram with the right bounds
          total = addHistograms(total, {
            buckets: h.buckets.map((b) => ({ le: b.le, count: 0 })),
            sum: 0,
            count: 0,
          });
          continue;
        }
        const { delta, reset } = subtractHistogram(h, before);
        if (reset) this.counterResets++;
        total = addHistograms(total, delta);
      }
      if (total) this.histTotals.set(role, { metric: now.metric, hist: total });
      this.prevHists.set(role, now.series);
    }
  }

  /** The load point's telemetry so far. */
  result(): ServerTelemetry {
    const available = this.scrapes > 0;
    const histograms: Partial<Record<ServerHistogramRole, HistogramSummary>> = {};
    for (const [role, { metric, hist }] of this.histTotals)
      histograms[role] = summarizeHistogram(metric, hist);
    const deltas: ServerCounterDeltas = {};
    for (const [role, v] of this.counterTotals) deltas[role] = v;
    const running = meanMax(this.series.map((p) => p.running));
    const waiting = meanMax(this.series.map((p) => p.waiting));
    const kv = meanMax(this.series.map((p) => p.kvUsagePct));
    const gaugeStats: ServerGaugeStats = Object.fromEntries(
      Object.entries({
        runningMean: running.mean,
        runningMax: running.max,
        waitingMean: waiting.mean,
        waitingMax: waiting.max,
        kvUsagePctMean: kv.mean,
        kvUsagePctMax: kv.max,
      }).filter(([, v]) => v !== undefined),
    );
    const out: ServerTelemetry = {
      available,
      engine: this.engine,
      scrapes: this.scrapes,
      scrapeErrors: this.scrapeErrors,
      counterResets: this.counterResets,
      windowSec: available ? round3((this.lastTSec ?? 0) - (this.firstTSec ?? 0)) : 0,
      series: [...this.series],
      gaugeStats,
      deltas,
      histograms,
    };
    if (this.opts.url !== undefined) out.url = this.opts.url;
    if (this.lastError !== undefined) out.lastError = this.lastError;
    if (!available)
      out.reason = this.lastError ? `no successful scrape: ${this.lastError}` : 'no scrape was taken';
    const split = computeTtftSplit(histograms);
    if (split) out.ttftSplit = split;
    return out;
  }
}

/**
 * Turns a sequence of /metrics scrapes of one load point into `ServerTelemetry`: the gauge series,
 * counter and histogram increases (reset-tolerant), and the TTFT split. Pure (no I/O, no clock);
 * the scraper feeds it.
 */
import {
  SERVER_HISTOGRAM_ROLES,
  type ServerCounterDeltas,
  type ServerDerived,
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
import { missingFigures } from './engine-gaps.js';
import {
  COUNTER_SOURCES,
  DEFAULT_EXTRA_GAUGES,
  GAUGE_NAMES,
  HISTOGRAM_NAMES,
  detectEngine,
  type CounterRole,
  type GaugeRole,
  type GaugeSource,
  type LabelCondition,
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

/** The engine as the server's other endpoints tell it (`/v1/models` `owned_by`, TGI `/info`). */
export interface EngineHint {
  engine: Exclude<ServerEngine, 'unknown'>;
  source: 'v1-models' | 'tgi-info';
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

const hasLabels = (labels: Record<string, string>, want: Readonly<Record<string, string>>): boolean =>
  Object.entries(want).every(([k, v]) => labels[k] === v);

/**
 * `accept` narrowed by a source's label condition: its fixed labels, and for `sameModelAs` only the
 * `model` label values that metric carries (when it is in the scrape).
 */
function withCondition(
  index: ReadonlyMap<string, PromSample[]>,
  cond: LabelCondition,
  accept: LabelPredicate,
): LabelPredicate {
  if (!cond.labels && !cond.sameModelAs) return accept;
  const want = cond.labels;
  let models: Set<string> | undefined;
  if (cond.sameModelAs) {
    const ref = (index.get(cond.sameModelAs) ?? []).map((s) => s.labels.model).filter((m) => m !== undefined);
    if (ref.length > 0) models = new Set(ref);
  }
  return (labels) =>
    accept(labels) &&
    (!want || hasLabels(labels, want)) &&
    (!models || (labels.model !== undefined && models.has(labels.model)));
}

function readGaugeSource(
  index: ReadonlyMap<string, PromSample[]>,
  src: GaugeSource,
  accept: LabelPredicate,
  combine: 'sum' | 'max',
): number | undefined {
  if (src.ratioOf) {
    const { numerator, denominator } = src.ratioOf;
    const num = readGauge(index, src.name, (l) => accept(l) && hasLabels(l, numerator), 'sum');
    const den = readGauge(index, src.name, (l) => accept(l) && hasLabels(l, denominator), 'sum');
    return num !== undefined && den !== undefined && den > 0 ? num / den : undefined;
  }
  return readGauge(index, src.name, withCondition(index, src, accept), combine);
}

function resolveGauge(
  index: ReadonlyMap<string, PromSample[]>,
  role: GaugeRole,
  accept: LabelPredicate,
): number | undefined {
  for (const src of GAUGE_NAMES[role]) {
    // several engines/DP ranks: requests add up, KV usage is the fullest cache
    const v = readGaugeSource(index, src, accept, role === 'kvUsage' ? 'max' : 'sum');
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * One counter role's series in a scrape, by label set. `guard` is set for a product source: the
 * monotone factor (llama.cpp's decode calls), which tells a restart from the rounding of the mean
 * factor (llama.cpp prints 6 significant digits, so the product can step back a little).
 */
interface CounterSeries {
  values: Map<string, number>;
  guard?: Map<string, number>;
}

function readCounterSeries(
  index: ReadonlyMap<string, PromSample[]>,
  role: CounterRole,
  accept: LabelPredicate,
): CounterSeries | undefined {
  for (const src of COUNTER_SOURCES[role]) {
    if ('product' in src) {
      const [meanName, countName] = src.product;
      const means = new Map(
        (index.get(meanName) ?? [])
          .filter((s) => accept(s.labels))
          .map((s) => [seriesKey(s.labels), s.value]),
      );
      const counts = new Map(
        (index.get(countName) ?? [])
          .filter((s) => accept(s.labels))
          .map((s) => [seriesKey(s.labels), s.value]),
      );
      const values = new Map<string, number>();
      for (const [k, m] of means) {
        const c = counts.get(k);
        if (c !== undefined && Number.isFinite(m)) values.set(k, m * c);
      }
      if (values.size === 0) continue;
      return { values, guard: counts };
    }
    const name = 'counter' in src ? src.counter : `${src.histogramSum}_sum`;
    const keep = 'counter' in src ? withCondition(index, src, accept) : accept;
    const scale = 'counter' in src ? (src.scale ?? 1) : 1;
    const samples = (index.get(name) ?? []).filter((s) => keep(s.labels));
    if (samples.length === 0) continue;
    return { values: new Map(samples.map((s) => [seriesKey(s.labels), s.value * scale])) };
  }
  return undefined;
}

function resolveHistograms(
  index: ReadonlyMap<string, PromSample[]>,
  role: ServerHistogramRole,
  accept: LabelPredicate,
): { metric: string; series: Map<string, CumHistogram> } | undefined {
  for (const src of HISTOGRAM_NAMES[role]) {
    const series = readHistograms(index, src.name, withCondition(index, src, accept));
    if (series.size === 0) continue;
    if (src.unit === 'ms') {
      for (const h of series.values()) {
        for (const b of h.buckets) b.le /= 1000;
        h.sum /= 1000;
      }
    }
    return { metric: src.name, series };
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
 * Figures from counter increases where the engine has no histogram for them (llama.cpp): per-request
 * prefill and decode speed (tokens over the seconds the engine spent on them, summed over requests),
 * the prefill share of that time, and the mean number of busy slots per decode call.
 */
export function deriveFigures(d: ServerCounterDeltas): ServerDerived {
  const out: ServerDerived = {};
  if (d.promptTokens !== undefined && d.promptSeconds !== undefined && d.promptSeconds > 0)
    out.prefillTokensPerSec = round3(d.promptTokens / d.promptSeconds);
  if (d.generationTokens !== undefined && d.generationSeconds !== undefined && d.generationSeconds > 0)
    out.decodeTokensPerSec = round3(d.generationTokens / d.generationSeconds);
  if (d.promptSeconds !== undefined && d.generationSeconds !== undefined) {
    const busy = d.promptSeconds + d.generationSeconds;
    if (busy > 0) out.prefillTimeSharePct = round3((d.promptSeconds / busy) * 100);
  }
  if (d.decodeCalls !== undefined && d.decodeCalls > 0 && d.busySlotSteps !== undefined)
    out.busySlotsPerDecode = round3(d.busySlotSteps / d.decodeCalls);
  return out;
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
  private engineHint: EngineHint | undefined;
  private scrapes = 0;
  private scrapeErrors = 0;
  private lastError: string | undefined;
  private counterResets = 0;
  private firstTSec: number | undefined;
  private lastTSec: number | undefined;
  private readonly series: ServerGaugePoint[] = [];
  private readonly prevCounters = new Map<CounterRole, CounterSeries>();
  private readonly counterTotals = new Map<CounterRole, number>();
  private readonly prevHists = new Map<ServerHistogramRole, Map<string, CumHistogram>>();
  private readonly histTotals = new Map<ServerHistogramRole, { metric: string; hist: CumHistogram }>();

  constructor(private readonly opts: ServerTelemetryOptions = {}) {
    this.accept = makePredicate(opts.model);
    this.extraNames = [...DEFAULT_EXTRA_GAUGES, ...(opts.extraGauges ?? [])];
  }

  /**
   * What the server's other endpoints say the engine is. Used when the metric names are not
   * recognised (or no scrape succeeded); the metric names win, since they decide the mapping.
   */
  setEngineHint(hint: EngineHint | undefined): void {
    this.engineHint = hint;
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
        for (const [key, value] of now.values) {
          const before = prev?.values.get(key);
          if (before === undefined) inc += isBaseline ? 0 : value;
          else if (value < before) {
            const guardNow = now.guard?.get(key);
            const guardBefore = prev?.guard?.get(key);
            // a product whose monotone factor did not go down only lost rounding digits
            if (guardNow !== undefined && guardBefore !== undefined && guardNow >= guardBefore) continue;
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
    // seconds and mean × count products carry float noise; tokens and calls are integers anyway
    for (const [role, v] of this.counterTotals) deltas[role] = round3(v);
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
    const engine = this.engine !== 'unknown' ? this.engine : (this.engineHint?.engine ?? 'unknown');
    const out: ServerTelemetry = {
      available,
      engine,
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
    if (this.engine !== 'unknown') out.engineDetectedBy = 'metric-names';
    else if (this.engineHint) out.engineDetectedBy = this.engineHint.source;
    const derived = deriveFigures(deltas);
    if (Object.keys(derived).length > 0) out.derived = derived;
    const missing = missingFigures(out);
    if (missing.length > 0) out.missing = missing;
    return out;
  }
}

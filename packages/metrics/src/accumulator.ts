import {
  LATENCY_FIGURES,
  type LoadPointSummary,
  type RequestSample,
  type SloSpec,
  type Stats,
  type TimeSeriesPoint,
} from '@inferbench/contracts';
import { z } from 'zod';
import { ExactIntSum } from './exact-sum.js';
import { FigureAccumulator, type FigureState } from './figure.js';
import { errorClassOf, sampleKind } from './request-metrics.js';
import { judgeSlo, type SloVerdict } from './slo-judge.js';
import { addCompletionToBucket, SecondBucket, secondOf } from './time-series.js';

/**
 * Every distribution a summary reports, keyed as in `LoadPointSummary.latency`: the
 * LATENCY_FIGURES of contracts (ms) plus tpotAllTokensMs (ms) and two per-request rates in tokens/s.
 */
export const SUMMARY_FIGURES = [
  ...LATENCY_FIGURES,
  'tpotAllTokensMs',
  'decodeTokensPerSec',
  'requestTokensPerSec',
] as const;
export type SummaryFigure = (typeof SUMMARY_FIGURES)[number];

/**
 * Base integer unit each figure is recorded in, as units per reported unit. µs for times taken
 * straight from the clock; ns for the per-token quotients (TPOT, NTPOT, tpotAllTokens), each
 * request's quotient rounded to 1 ns so that sums stay integers and merge exactly; milli-tokens/s
 * for the rates (rounded to 0.001 tokens/s per request).
 */
export const FIGURE_UNITS_PER_OUTPUT: Record<SummaryFigure, number> = {
  ttftMs: 1e3,
  ttftContentMs: 1e3,
  ttstMs: 1e3,
  tpotMs: 1e6,
  ntpotMs: 1e6,
  itlMs: 1e3,
  e2eMs: 1e3,
  scheduleDelayMs: 1e3,
  clientQueueMs: 1e3,
  tpotAllTokensMs: 1e6,
  decodeTokensPerSec: 1e3,
  requestTokensPerSec: 1e3,
};

/** The SLO bounds that decide goodput (the percentile is only used by {@link LoadPointAccumulator.evaluateSlo}). */
type SloBounds = Pick<SloSpec, 'ttftMs' | 'tpotMs' | 'itlMs' | 'e2eMs'>;

/** Options fixed for the life of an accumulator (they must match to merge). */
export interface AccumulatorOptions {
  /**
   * SLO bounds used to classify each successful request as good or not while it is added. Goodput
   * is a per-request property, so it cannot be recomputed later from histograms: an accumulator can
   * only report goodput for the SLO it was built with.
   */
  slo?: SloSpec;
  /** keep per-second buckets for the time series (default true; costs one 2-digit HDR pair per second) */
  timeSeries?: boolean;
}

/** Options of {@link LoadPointAccumulator.summary}. */
export interface SummaryOptions {
  /** must equal the accumulator's SLO if given (see {@link AccumulatorOptions.slo}); default: that SLO */
  slo?: SloSpec;
  /** plain-language warnings copied into the summary (e.g. from clientHealthWarnings) */
  warnings?: string[];
  /** include the per-second series (default false); needs an accumulator built with timeSeries */
  includeTimeSeries?: boolean;
}

const SloBoundsSchema = z.object({
  ttftMs: z.number().positive().optional(),
  tpotMs: z.number().positive().optional(),
  itlMs: z.number().positive().optional(),
  e2eMs: z.number().positive().optional(),
  percentile: z.number().optional(),
});

const FigureStateSchema = z.object({
  count: z.number().int().min(0),
  sum: z.string().regex(/^-?\d+$/),
  sumSq: z.string().regex(/^\d+$/),
  min: z.number().nullable(),
  max: z.number().nullable(),
  hdr: z.string(),
});

const SecondBucketStateSchema = z.object({
  tSec: z.number().int().min(0),
  completed: z.number().int().min(0),
  errors: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  starts: z.number().int().min(0),
  ends: z.number().int().min(0),
  ttftMinUs: z.number().nullable(),
  ttftMaxUs: z.number().nullable(),
  itlMinUs: z.number().nullable(),
  itlMaxUs: z.number().nullable(),
  ttftHdr: z.string(),
  itlHdr: z.string(),
});

/**
 * Serialized accumulator (version 1): exact scalars as JSON numbers or decimal strings (bigints),
 * histograms as HdrHistogram V2 compressed base64. Decoding and merging states from several agents
 * gives exactly the accumulator one agent would have built from all their samples.
 */
export const AccumulatorStateSchema = z.object({
  v: z.literal(1),
  slo: SloBoundsSchema.nullable(),
  timeSeries: z.boolean(),
  requests: z.object({
    succeeded: z.number().int().min(0),
    failed: z.number().int().min(0),
    cancelled: z.number().int().min(0),
    warmup: z.number().int().min(0),
  }),
  errorsByClass: z.record(z.string(), z.number().int().min(0)),
  /** measured requests re-sent after a stale reused connection (absent in older states: 0) */
  connectionRetries: z.number().int().min(0).optional(),
  minSentUs: z.number().nullable(),
  maxEndUs: z.number().nullable(),
  occupancyUs: z.string().regex(/^-?\d+$/),
  tokens: z.object({
    input: z.number().int(),
    output: z.number().int(),
    reasoning: z.number().int(),
    outputChunks: z.number().int(),
    bySource: z.record(z.string(), z.number().int().min(0)),
    disagreements: z.number().int().min(0),
    /** Σ and max of |server − client| output tokens over the disagreeing requests (absent in older states: 0) */
    disagreementAbsSum: z.number().int().min(0).optional(),
    disagreementAbsMax: z.number().int().min(0).optional(),
  }),
  good: z.object({ count: z.number().int().min(0), outputTokens: z.number().int().min(0) }),
  figures: z.record(z.string(), FigureStateSchema),
  seconds: z.array(SecondBucketStateSchema),
});
export type AccumulatorState = z.infer<typeof AccumulatorStateSchema>;

function sloBoundsOf(slo: SloSpec | undefined): SloBounds | undefined {
  if (!slo) return undefined;
  const b: SloBounds = {};
  if (slo.ttftMs !== undefined) b.ttftMs = slo.ttftMs;
  if (slo.tpotMs !== undefined) b.tpotMs = slo.tpotMs;
  if (slo.itlMs !== undefined) b.itlMs = slo.itlMs;
  if (slo.e2eMs !== undefined) b.e2eMs = slo.e2eMs;
  return b;
}

function sameBounds(a: SloBounds | undefined, b: SloBounds | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.ttftMs === b.ttftMs && a.tpotMs === b.tpotMs && a.itlMs === b.itlMs && a.e2eMs === b.e2eMs;
}

function sortedRecord(r: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}

/**
 * Incremental, mergeable, serializable aggregation of one load point's samples
 * (METRICS.md "Per load point").
 *
 * - `add()` is O(1 + number of chunk gaps); `summary()` is O(histogram size), independent of the
 *   number of samples.
 * - The measured window is every sample that is neither warm-up nor cancelled; warm-up and
 *   cancelled samples are only counted (requests.warmup / requests.cancelled).
 * - Exactness: counts, token sums, sums, sums of squares, min and max are kept exactly (integers,
 *   bigints where needed), so mean/std/min/max are exact and `a.merge(b)` gives the same summary,
 *   to the bit, as one accumulator fed all samples. Percentiles come from 3-significant-digit HDR
 *   histograms (≤ 0.1 % above the exact nearest-rank value); histogram merges are exact too.
 *
 * Definitions used in {@link summary}:
 * - requests.total = succeeded + failed + cancelled + warmup (every sample added);
 *   errorRate = failed / (succeeded + failed).
 * - D = last endUs − first sentUs over the window (succeeded and failed requests).
 * - latency figures (TTFT, TPOT, ITL, E2E, …) and token counts cover successful requests only;
 *   schedule delay and client queue time cover every window request.
 * - achievedConcurrency = Σ (endUs − sentUs) over every window request / D (failed requests hold a
 *   slot too).
 * - goodput: a successful request is good when each SLO bound that is set holds for its own
 *   figures: TTFT ≤ ttftMs (a request without output chunks fails a TTFT bound), TPOT ≤ tpotMs
 *   (not applicable with < 2 output tokens), largest ITL gap ≤ itlMs (not applicable with < 2
 *   chunks), E2E ≤ e2eMs. goodput = good / D, tokenGoodput = output tokens of good requests / D,
 *   sloAttainmentPct = 100 · good / (succeeded + failed): a failed request never meets an SLO.
 */
export class LoadPointAccumulator {
  private readonly sloBounds: SloBounds | undefined;
  private readonly sloPercentile: number;
  readonly collectsTimeSeries: boolean;

  private succeeded = 0;
  private failed = 0;
  private cancelled = 0;
  private warmup = 0;
  private errorsByClass: Record<string, number> = {};
  private connectionRetries = 0;
  private minSentUs = Infinity;
  private maxEndUs = -Infinity;
  private readonly occupancyUs = new ExactIntSum();
  private inputTokens = 0;
  private outputTokens = 0;
  private reasoningTokens = 0;
  private outputChunks = 0;
  private bySource: Record<string, number> = {};
  private disagreements = 0;
  private disagreementAbsSum = 0;
  private disagreementAbsMax = 0;
  private goodCount = 0;
  private goodOutputTokens = 0;
  private readonly figures: Record<SummaryFigure, FigureAccumulator>;
  private readonly seconds = new Map<number, SecondBucket>();
  private lastBucket: SecondBucket | undefined;

  constructor(opts: AccumulatorOptions = {}) {
    this.sloBounds = sloBoundsOf(opts.slo);
    this.sloPercentile = opts.slo?.percentile ?? 99;
    this.collectsTimeSeries = opts.timeSeries ?? true;
    const figs = {} as Record<SummaryFigure, FigureAccumulator>;
    for (const f of SUMMARY_FIGURES) figs[f] = new FigureAccumulator(FIGURE_UNITS_PER_OUTPUT[f]);
    this.figures = figs;
  }

  /** The SLO this accumulator judges goodput against (bounds and percentile), if any. */
  get slo(): SloSpec | undefined {
    return this.sloBounds ? { ...this.sloBounds, percentile: this.sloPercentile } : undefined;
  }

  private bucket(sec: number): SecondBucket {
    const last = this.lastBucket;
    if (last !== undefined && last.tSec === sec) return last;
    let b = this.seconds.get(sec);
    if (!b) {
      b = new SecondBucket(sec);
      this.seconds.set(sec, b);
    }
    this.lastBucket = b;
    return b;
  }

  /** Add one sample (any kind: warm-up and cancelled samples are only counted). */
  add(s: RequestSample): void {
    const kind = sampleKind(s);
    if (kind === 'warmup') {
      this.warmup++;
      return;
    }
    if (kind === 'cancelled') {
      this.cancelled++;
      return;
    }
    if (s.connectionRetries) this.connectionRetries += s.connectionRetries;
    const sentUs = s.sentUs;
    const endUs = s.endUs;
    if (sentUs < this.minSentUs) this.minSentUs = sentUs;
    if (endUs > this.maxEndUs) this.maxEndUs = endUs;
    const e2eUs = endUs - sentUs;
    this.occupancyUs.add(e2eUs);
    const f = this.figures;
    if (s.scheduledUs !== undefined) f.scheduleDelayMs.record(sentUs - s.scheduledUs);
    if (s.clientQueueUs !== undefined) f.clientQueueMs.record(s.clientQueueUs);
    const ts = this.collectsTimeSeries;
    if (ts) this.bucket(secondOf(sentUs)).starts++;
    const endBucket = ts ? this.bucket(secondOf(endUs)) : undefined;
    if (endBucket) endBucket.ends++;

    if (kind === 'failed') {
      this.failed++;
      const cls = errorClassOf(s)!;
      this.errorsByClass[cls] = (this.errorsByClass[cls] ?? 0) + 1;
      if (endBucket) addCompletionToBucket(endBucket, s, false);
      return;
    }

    this.succeeded++;
    const out = s.outputTokens;
    this.inputTokens += s.inputTokens;
    this.outputTokens += out;
    this.reasoningTokens += s.reasoningTokens;
    this.bySource[s.tokenSource] = (this.bySource[s.tokenSource] ?? 0) + 1;
    if (s.tokenSource === 'server' && s.clientOutputTokens !== undefined && s.clientOutputTokens !== out) {
      this.disagreements++;
      const diff = Math.abs(s.clientOutputTokens - out);
      this.disagreementAbsSum += diff;
      if (diff > this.disagreementAbsMax) this.disagreementAbsMax = diff;
    }
    if (endBucket) addCompletionToBucket(endBucket, s, true);

    f.e2eMs.record(e2eUs);
    if (out >= 1) f.ntpotMs.record(Math.round((e2eUs * 1000) / out));
    if (e2eUs > 0) f.requestTokensPerSec.record(Math.round((out * 1e9) / e2eUs));
    if (s.firstContentUs !== undefined) f.ttftContentMs.record(s.firstContentUs - sentUs);

    const slo = this.sloBounds;
    let ttftUs: number | undefined;
    let maxGapUs = -1;
    const first = s.firstChunkUs;
    if (first !== undefined) {
      this.outputChunks += 1 + s.chunkGapsUs.length;
      ttftUs = first - sentUs;
      f.ttftMs.record(ttftUs);
      const gaps = s.chunkGapsUs;
      const n = gaps.length;
      if (n > 0) {
        f.ttstMs.record(ttftUs + gaps[0]!);
        f.itlMs.recordMany(gaps);
        if (slo !== undefined && slo.itlMs !== undefined)
          for (let i = 0; i < n; i++) if (gaps[i]! > maxGapUs) maxGapUs = gaps[i]!;
      }
      const decodeUs = endUs - first;
      if (out >= 2) {
        f.tpotMs.record(Math.round((decodeUs * 1000) / (out - 1)));
        if (decodeUs > 0) f.decodeTokensPerSec.record(Math.round(((out - 1) * 1e9) / decodeUs));
      }
      if (out >= 1) f.tpotAllTokensMs.record(Math.round((decodeUs * 1000) / out));
    }

    if (slo !== undefined) {
      let good = true;
      if (slo.ttftMs !== undefined && (ttftUs === undefined || ttftUs > slo.ttftMs * 1000)) good = false;
      if (
        good &&
        slo.tpotMs !== undefined &&
        first !== undefined &&
        out >= 2 &&
        endUs - first > slo.tpotMs * 1000 * (out - 1)
      ) {
        good = false;
      }
      if (good && slo.itlMs !== undefined && maxGapUs >= 0 && maxGapUs > slo.itlMs * 1000) good = false;
      if (good && slo.e2eMs !== undefined && e2eUs > slo.e2eMs * 1000) good = false;
      if (good) {
        this.goodCount++;
        this.goodOutputTokens += out;
      }
    }
  }

  /** Add many samples. */
  addAll(samples: Iterable<RequestSample>): this {
    for (const s of samples) this.add(s);
    return this;
  }

  /**
   * Merge another accumulator into this one (exact). Both must have the same SLO bounds and the
   * same time-series setting.
   */
  merge(o: LoadPointAccumulator): this {
    if (!sameBounds(this.sloBounds, o.sloBounds))
      throw new Error('cannot merge accumulators built with different SLO bounds');
    if (this.collectsTimeSeries !== o.collectsTimeSeries)
      throw new Error('cannot merge accumulators with and without time series');
    this.succeeded += o.succeeded;
    this.failed += o.failed;
    this.cancelled += o.cancelled;
    this.warmup += o.warmup;
    for (const [k, v] of Object.entries(o.errorsByClass))
      this.errorsByClass[k] = (this.errorsByClass[k] ?? 0) + v;
    this.connectionRetries += o.connectionRetries;
    if (o.minSentUs < this.minSentUs) this.minSentUs = o.minSentUs;
    if (o.maxEndUs > this.maxEndUs) this.maxEndUs = o.maxEndUs;
    this.occupancyUs.merge(o.occupancyUs);
    this.inputTokens += o.inputTokens;
    this.outputTokens += o.outputTokens;
    this.reasoningTokens += o.reasoningTokens;
    this.outputChunks += o.outputChunks;
    for (const [k, v] of Object.entries(o.bySource)) this.bySource[k] = (this.bySource[k] ?? 0) + v;
    this.disagreements += o.disagreements;
    this.disagreementAbsSum += o.disagreementAbsSum;
    if (o.disagreementAbsMax > this.disagreementAbsMax) this.disagreementAbsMax = o.disagreementAbsMax;
    this.goodCount += o.goodCount;
    this.goodOutputTokens += o.goodOutputTokens;
    for (const f of SUMMARY_FIGURES) this.figures[f].merge(o.figures[f]);
    for (const [sec, b] of o.seconds) {
      const mine = this.seconds.get(sec);
      if (mine) mine.merge(b);
      else {
        const copy = new SecondBucket(sec);
        copy.merge(b);
        this.seconds.set(sec, copy);
      }
    }
    return this;
  }

  /** Stats of one figure, in the figure's reported unit; undefined when no request had it. */
  stats(figure: SummaryFigure): Stats | undefined {
    return this.figures[figure].stats();
  }

  /** Any percentile (0 < p ≤ 100) of one figure at HDR precision; undefined when empty. */
  percentile(figure: SummaryFigure, p: number): number | undefined {
    return this.figures[figure].percentile(p);
  }

  /**
   * Judge the load point against an SLO at its percentile (default 99): each bound that is set
   * must hold for that percentile of the figure (ITL: pooled gaps). Unlike goodput this works for
   * any SLO, since it only reads histograms. Same as {@link judgeSlo}(this, slo).
   */
  evaluateSlo(slo: SloSpec | undefined = this.slo): SloVerdict {
    return judgeSlo(this, slo);
  }

  /** The per-second series, one point per second from the first to the last second holding data. */
  timeSeries(): TimeSeriesPoint[] {
    if (!this.collectsTimeSeries) throw new Error('this accumulator was built with timeSeries: false');
    if (this.seconds.size === 0) return [];
    const secs = [...this.seconds.keys()];
    const first = Math.min(...secs);
    const last = Math.max(...secs);
    const out: TimeSeriesPoint[] = [];
    let inFlight = 0;
    for (let t = first; t <= last; t++) {
      const b = this.seconds.get(t);
      const p = b ? b.toPoint() : { tSec: t, completed: 0, errors: 0, outputTokens: 0 };
      if (b) inFlight += b.starts - b.ends;
      p.inFlight = inFlight;
      out.push(p);
    }
    return out;
  }

  /** The load point's summary (O(histogram size)). */
  summary(opts: SummaryOptions = {}): LoadPointSummary {
    if (opts.slo !== undefined && !sameBounds(sloBoundsOf(opts.slo), this.sloBounds)) {
      throw new Error(
        'goodput is decided per request while samples are added: build the accumulator with this SLO (new LoadPointAccumulator({ slo })) or use evaluateSlo() for a percentile verdict',
      );
    }
    const windowCount = this.succeeded + this.failed;
    const durationUs = windowCount > 0 ? this.maxEndUs - this.minSentUs : 0;
    const durationSec = durationUs / 1e6;
    const perSec = (x: number): number => (durationUs > 0 ? x / durationSec : 0);

    const latency: Record<string, Stats> = {};
    for (const f of SUMMARY_FIGURES) {
      const st = this.figures[f].stats();
      if (st) latency[f] = st;
    }

    const summary: LoadPointSummary = {
      requests: {
        total: windowCount + this.cancelled + this.warmup,
        succeeded: this.succeeded,
        failed: this.failed,
        cancelled: this.cancelled,
        warmup: this.warmup,
      },
      durationSec,
      requestThroughput: perSec(this.succeeded),
      outputTokenThroughput: perSec(this.outputTokens),
      totalTokenThroughput: perSec(this.outputTokens + this.inputTokens),
      achievedConcurrency: durationUs > 0 ? Number(this.occupancyUs.value()) / durationUs : 0,
      errorRate: windowCount > 0 ? this.failed / windowCount : 0,
      errorsByClass: sortedRecord(this.errorsByClass),
      connectionRetries: this.connectionRetries,
      tokens: {
        input: this.inputTokens,
        output: this.outputTokens,
        reasoning: this.reasoningTokens,
        tokensPerChunk: this.outputChunks > 0 ? this.outputTokens / this.outputChunks : 0,
        bySource: sortedRecord(this.bySource),
        disagreements: this.disagreements,
        ...(this.disagreements > 0
          ? {
              disagreementMeanAbs: this.disagreementAbsSum / this.disagreements,
              disagreementMaxAbs: this.disagreementAbsMax,
            }
          : {}),
      },
      latency,
      warnings: [...(opts.warnings ?? [])],
    };
    if (this.sloBounds !== undefined) {
      summary.goodput = perSec(this.goodCount);
      summary.tokenGoodput = perSec(this.goodOutputTokens);
      summary.sloAttainmentPct = windowCount > 0 ? (100 * this.goodCount) / windowCount : 0;
    }
    if (opts.includeTimeSeries) summary.timeSeries = this.timeSeries();
    return summary;
  }

  /** Serializable state (see {@link AccumulatorStateSchema}). */
  toJSON(): AccumulatorState {
    const figures: Record<string, FigureState> = {};
    for (const f of SUMMARY_FIGURES) figures[f] = this.figures[f].toState();
    const windowCount = this.succeeded + this.failed;
    return {
      v: 1,
      slo: this.sloBounds ? { ...this.sloBounds, percentile: this.sloPercentile } : null,
      timeSeries: this.collectsTimeSeries,
      requests: {
        succeeded: this.succeeded,
        failed: this.failed,
        cancelled: this.cancelled,
        warmup: this.warmup,
      },
      errorsByClass: sortedRecord(this.errorsByClass),
      ...(this.connectionRetries > 0 ? { connectionRetries: this.connectionRetries } : {}),
      minSentUs: windowCount > 0 ? this.minSentUs : null,
      maxEndUs: windowCount > 0 ? this.maxEndUs : null,
      occupancyUs: this.occupancyUs.toString(),
      tokens: {
        input: this.inputTokens,
        output: this.outputTokens,
        reasoning: this.reasoningTokens,
        outputChunks: this.outputChunks,
        bySource: sortedRecord(this.bySource),
        disagreements: this.disagreements,
        disagreementAbsSum: this.disagreementAbsSum,
        disagreementAbsMax: this.disagreementAbsMax,
      },
      good: { count: this.goodCount, outputTokens: this.goodOutputTokens },
      figures,
      seconds: [...this.seconds.keys()].sort((a, b) => a - b).map((k) => this.seconds.get(k)!.toState()),
    };
  }

  /** Rebuild an accumulator from {@link toJSON} output (validated with {@link AccumulatorStateSchema}). */
  static fromJSON(json: unknown): LoadPointAccumulator {
    const st = AccumulatorStateSchema.parse(json);
    const slo = st.slo ? ({ ...st.slo, percentile: st.slo.percentile ?? 99 } as SloSpec) : undefined;
    const a = new LoadPointAccumulator({ timeSeries: st.timeSeries, ...(slo ? { slo } : {}) });
    a.succeeded = st.requests.succeeded;
    a.failed = st.requests.failed;
    a.cancelled = st.requests.cancelled;
    a.warmup = st.requests.warmup;
    a.errorsByClass = { ...st.errorsByClass };
    a.connectionRetries = st.connectionRetries ?? 0;
    a.minSentUs = st.minSentUs ?? Infinity;
    a.maxEndUs = st.maxEndUs ?? -Infinity;
    a.occupancyUs.addBig(BigInt(st.occupancyUs));
    a.inputTokens = st.tokens.input;
    a.outputTokens = st.tokens.output;
    a.reasoningTokens = st.tokens.reasoning;
    a.outputChunks = st.tokens.outputChunks;
    a.bySource = { ...st.tokens.bySource };
    a.disagreements = st.tokens.disagreements;
    a.disagreementAbsSum = st.tokens.disagreementAbsSum ?? 0;
    a.disagreementAbsMax = st.tokens.disagreementAbsMax ?? 0;
    a.goodCount = st.good.count;
    a.goodOutputTokens = st.good.outputTokens;
    for (const f of SUMMARY_FIGURES) {
      const fs = st.figures[f];
      if (fs) a.figures[f] = FigureAccumulator.fromState(fs, FIGURE_UNITS_PER_OUTPUT[f]);
    }
    for (const b of st.seconds) a.seconds.set(b.tSec, SecondBucket.fromState(b));
    return a;
  }

  /** Compact string form: JSON of {@link toJSON} (histograms inside are compressed base64). */
  encode(): string {
    return JSON.stringify(this.toJSON());
  }

  /** Inverse of {@link encode}. */
  static decode(encoded: string): LoadPointAccumulator {
    return LoadPointAccumulator.fromJSON(JSON.parse(encoded));
  }

  /** Merge several accumulators (e.g. one per agent shard) into a new one; inputs are unchanged. */
  static mergeAll(parts: readonly LoadPointAccumulator[], opts?: AccumulatorOptions): LoadPointAccumulator {
    const first = parts[0];
    const out = new LoadPointAccumulator(
      opts ?? { timeSeries: first?.collectsTimeSeries ?? true, ...(first?.slo ? { slo: first.slo } : {}) },
    );
    for (const p of parts) out.merge(p);
    return out;
  }
}

/** Summarize a list of samples in one call (builds an accumulator with opts.slo and time series on). */
export function summarizeSamples(
  samples: Iterable<RequestSample>,
  opts: SummaryOptions = {},
): LoadPointSummary {
  const acc = new LoadPointAccumulator({
    ...(opts.slo ? { slo: opts.slo } : {}),
    timeSeries: opts.includeTimeSeries ?? false,
  });
  acc.addAll(samples);
  return acc.summary(opts);
}

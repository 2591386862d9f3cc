import type { RequestSample, TimeSeriesPoint } from '@inferbench/contracts';
import { FastHdr } from './hdr.js';
import { sampleKind } from './request-metrics.js';

/** Serialized form of one {@link SecondBucket}. */
export interface SecondBucketState {
  tSec: number;
  completed: number;
  errors: number;
  outputTokens: number;
  starts: number;
  ends: number;
  ttftMinUs: number | null;
  ttftMaxUs: number | null;
  itlMinUs: number | null;
  itlMaxUs: number | null;
  ttftHdr: string;
  itlHdr: string;
}

/**
 * What happened in one second [tSec, tSec+1) of a load point: completions, errors and output tokens
 * of requests that ended in it, TTFT and ITL distributions of those requests (2-significant-digit
 * HDR, ≤ 0.8 % relative error, clamped to the exact per-second min/max), and the number of window
 * requests that started / ended in it (for in-flight counts). Mergeable exactly.
 */
export class SecondBucket {
  completed = 0;
  errors = 0;
  outputTokens = 0;
  starts = 0;
  ends = 0;
  ttftMinUs = Infinity;
  ttftMaxUs = -Infinity;
  itlMinUs = Infinity;
  itlMaxUs = -Infinity;
  ttft = new FastHdr(2, 32);
  itl = new FastHdr(2, 32);

  constructor(readonly tSec: number) {}

  recordTtft(us: number): void {
    if (us < this.ttftMinUs) this.ttftMinUs = us;
    if (us > this.ttftMaxUs) this.ttftMaxUs = us;
    this.ttft.record(us);
  }

  recordItl(us: number): void {
    if (us < this.itlMinUs) this.itlMinUs = us;
    if (us > this.itlMaxUs) this.itlMaxUs = us;
    this.itl.record(us);
  }

  recordItlMany(gapsUs: readonly number[]): void {
    let mn = this.itlMinUs;
    let mx = this.itlMaxUs;
    const h = this.itl;
    for (let i = 0; i < gapsUs.length; i++) {
      const g = gapsUs[i]!;
      if (g < mn) mn = g;
      if (g > mx) mx = g;
      h.record(g);
    }
    this.itlMinUs = mn;
    this.itlMaxUs = mx;
  }

  merge(o: SecondBucket): void {
    this.completed += o.completed;
    this.errors += o.errors;
    this.outputTokens += o.outputTokens;
    this.starts += o.starts;
    this.ends += o.ends;
    if (o.ttftMinUs < this.ttftMinUs) this.ttftMinUs = o.ttftMinUs;
    if (o.ttftMaxUs > this.ttftMaxUs) this.ttftMaxUs = o.ttftMaxUs;
    if (o.itlMinUs < this.itlMinUs) this.itlMinUs = o.itlMinUs;
    if (o.itlMaxUs > this.itlMaxUs) this.itlMaxUs = o.itlMaxUs;
    this.ttft.merge(o.ttft);
    this.itl.merge(o.itl);
  }

  /** The point for this second (inFlight left to the caller). */
  toPoint(): TimeSeriesPoint {
    const p: TimeSeriesPoint = {
      tSec: this.tSec,
      completed: this.completed,
      errors: this.errors,
      outputTokens: this.outputTokens,
    };
    if (this.ttft.totalCount > 0) {
      p.ttftP50Ms = clampedMs(this.ttft, 50, this.ttftMinUs, this.ttftMaxUs);
      p.ttftP99Ms = clampedMs(this.ttft, 99, this.ttftMinUs, this.ttftMaxUs);
    }
    if (this.itl.totalCount > 0) {
      p.itlP50Ms = clampedMs(this.itl, 50, this.itlMinUs, this.itlMaxUs);
      p.itlP99Ms = clampedMs(this.itl, 99, this.itlMinUs, this.itlMaxUs);
    }
    return p;
  }

  toState(): SecondBucketState {
    return {
      tSec: this.tSec,
      completed: this.completed,
      errors: this.errors,
      outputTokens: this.outputTokens,
      starts: this.starts,
      ends: this.ends,
      ttftMinUs: Number.isFinite(this.ttftMinUs) ? this.ttftMinUs : null,
      ttftMaxUs: Number.isFinite(this.ttftMaxUs) ? this.ttftMaxUs : null,
      itlMinUs: Number.isFinite(this.itlMinUs) ? this.itlMinUs : null,
      itlMaxUs: Number.isFinite(this.itlMaxUs) ? this.itlMaxUs : null,
      ttftHdr: this.ttft.encode(),
      itlHdr: this.itl.encode(),
    };
  }

  static fromState(s: SecondBucketState): SecondBucket {
    const b = new SecondBucket(s.tSec);
    b.completed = s.completed;
    b.errors = s.errors;
    b.outputTokens = s.outputTokens;
    b.starts = s.starts;
    b.ends = s.ends;
    b.ttftMinUs = s.ttftMinUs ?? Infinity;
    b.ttftMaxUs = s.ttftMaxUs ?? -Infinity;
    b.itlMinUs = s.itlMinUs ?? Infinity;
    b.itlMaxUs = s.itlMaxUs ?? -Infinity;
    b.ttft = FastHdr.decode(s.ttftHdr, 2, 32);
    b.itl = FastHdr.decode(s.itlHdr, 2, 32);
    return b;
  }
}

function clampedMs(h: FastHdr, p: number, minUs: number, maxUs: number): number {
  let v = h.valueAtPercentile(p);
  if (v > maxUs) v = maxUs;
  if (v < minUs) v = minUs;
  return v / 1000;
}

/** Second (≥ 0) that a time in µs falls in. */
export function secondOf(tUs: number): number {
  const s = Math.floor(tUs / 1e6);
  return s < 0 ? 0 : s;
}

/**
 * Add the end-of-request part of a sample to a bucket: a success counts as a completion with its
 * output tokens, TTFT and ITL gaps; a failure counts as an error. Warm-up and cancelled samples are
 * the caller's business (they are outside the measured window).
 */
export function addCompletionToBucket(b: SecondBucket, s: RequestSample, succeeded: boolean): void {
  if (!succeeded) {
    b.errors++;
    return;
  }
  b.completed++;
  b.outputTokens += s.outputTokens;
  if (s.firstChunkUs !== undefined) {
    b.recordTtft(s.firstChunkUs - s.sentUs);
    b.recordItlMany(s.chunkGapsUs);
  }
}

/** Options of {@link LiveWindow}. */
export interface LiveWindowOptions {
  /** first second to emit (e.g. 0 to chart from the load point's start); default: the first sample's second */
  startSec?: number;
}

/**
 * Live per-second aggregation for the agent. Pure: the caller passes times, there are no timers.
 * Feed each completed sample with {@link add} and call {@link advance} with the current time
 * (µs since the load point's start, same clock as the samples); it returns one TimeSeriesPoint per
 * second that has fully elapsed, in order, including empty seconds. Samples are bucketed by the
 * second of `endUs`, exactly as {@link LoadPointAccumulator} buckets its time series, so the live
 * points equal the stored summary's points. A sample whose second was already emitted (it arrived
 * late) is counted in the oldest open second and tallied in {@link lateSamples}. Warm-up samples are
 * ignored and cancelled samples are not counted as errors (both are outside the measured window).
 */
export class LiveWindow {
  private readonly buckets = new Map<number, SecondBucket>();
  private next: number | undefined;
  private maxSec = -1;
  private late = 0;

  constructor(opts: LiveWindowOptions = {}) {
    this.next = opts.startSec;
  }

  /** Samples that arrived after their second had been emitted. */
  get lateSamples(): number {
    return this.late;
  }

  /** The next second {@link advance} will emit; undefined before the first sample (without startSec). */
  get nextSec(): number | undefined {
    return this.next;
  }

  /** Add one completed sample. */
  add(s: RequestSample): void {
    const kind = sampleKind(s);
    if (kind === 'warmup' || kind === 'cancelled') return;
    let sec = secondOf(s.endUs);
    if (this.next === undefined) this.next = sec;
    else if (sec < this.next) {
      sec = this.next;
      this.late++;
    }
    let b = this.buckets.get(sec);
    if (!b) {
      b = new SecondBucket(sec);
      this.buckets.set(sec, b);
    }
    if (sec > this.maxSec) this.maxSec = sec;
    addCompletionToBucket(b, s, kind === 'succeeded');
  }

  /**
   * Emit every second that ended at or before nowUs and was not emitted yet.
   * @param inFlight requests in flight now; attached to the last emitted point
   */
  advance(nowUs: number, inFlight?: number): TimeSeriesPoint[] {
    return this.emitUntil(secondOf(nowUs), inFlight);
  }

  /** Emit every remaining second up to the last one holding data (end of the load point). */
  flush(inFlight?: number): TimeSeriesPoint[] {
    return this.emitUntil(this.maxSec + 1, inFlight);
  }

  private emitUntil(endSecExclusive: number, inFlight: number | undefined): TimeSeriesPoint[] {
    const out: TimeSeriesPoint[] = [];
    if (this.next === undefined) return out;
    while (this.next < endSecExclusive) {
      const b = this.buckets.get(this.next);
      out.push(b ? b.toPoint() : { tSec: this.next, completed: 0, errors: 0, outputTokens: 0 });
      this.buckets.delete(this.next);
      this.next++;
    }
    const last = out[out.length - 1];
    if (last && inFlight !== undefined) last.inFlight = inFlight;
    return out;
  }
}

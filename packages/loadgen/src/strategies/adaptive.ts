import type { LoadLevel, LoadPlanSpec, LoadPointSummary } from '@inferbench/contracts';
import { judgeSlo, type PercentileSource } from '@inferbench/metrics';
import { expandLoadPlan } from './plan.js';

/** One finished load point of a plan: the level it ran, its summary, and its latency distribution. */
export interface AdaptiveHistoryEntry {
  level: LoadLevel;
  summary: LoadPointSummary;
  /**
   * Any percentile of the point's latency figures, for the SLO judge (`judgeSlo` of `@inferbench/metrics`):
   * the point's `LoadPointAccumulator`, live or decoded from its stored state. A summary's reported
   * percentiles are not enough: a p97 SLO must be judged at p97.
   */
  distribution: PercentileSource;
}

type SweepPlan = Extract<LoadPlanSpec, { kind: 'sweep' }>;
type SlaPlan = Extract<LoadPlanSpec, { kind: 'sla' }>;

/**
 * The next load level of a plan given the points already run (in order), or null when the plan is finished.
 * Pure, so the CLI and the API drive plans the same way: run the returned level, append `{ level, summary }`
 * to the history, call again.
 * - static plans (concurrency, rate, stages, trace): the expanded levels one after the other;
 * - `sweep`: see `SweepPlanSchema` (probes, then evenly spaced rates; early stop on over-saturation or errors);
 * - `sla`: see `SlaSearchPlanSchema` (doubling, then bisection); `slaSearchResult` gives the answer.
 */
export function nextAdaptiveLevel(
  plan: LoadPlanSpec,
  history: readonly AdaptiveHistoryEntry[],
): LoadLevel | null {
  switch (plan.kind) {
    case 'sweep':
      return plan.mode === 'rate'
        ? nextRateSweepLevel(plan, history)
        : nextConcurrencySweepLevel(plan, history);
    case 'sla':
      return nextSlaLevel(plan, history);
    default:
      return expandLoadPlan(plan)[history.length] ?? null;
  }
}

/** The offered value of a level: its rate (req/s) or concurrency. */
function levelValue(level: LoadLevel): number {
  if (level.kind === 'rate') return level.rate;
  if (level.kind === 'concurrency') return level.concurrency;
  throw new Error(`adaptive plans only use rate and concurrency levels, got ${level.kind}`);
}

function rateLevel(plan: SweepPlan | SlaPlan, rate: number): LoadLevel {
  return {
    kind: 'rate',
    rate,
    arrival: plan.arrival,
    ...(plan.burstiness !== undefined ? { burstiness: plan.burstiness } : {}),
  };
}

/**
 * A rate point is over-saturated when the server could not keep up with the offered rate (achieved request
 * throughput below (1 − tolerance) × rate) or when too many requests failed.
 */
export function isOverSaturated(
  entry: AdaptiveHistoryEntry,
  opts: { saturationTolerance: number; maxErrorRate: number },
): boolean {
  if (entry.summary.errorRate > opts.maxErrorRate) return true;
  if (entry.level.kind !== 'rate') return false;
  return entry.summary.requestThroughput < (1 - opts.saturationTolerance) * entry.level.rate;
}

function nextRateSweepLevel(plan: SweepPlan, history: readonly AdaptiveHistoryEntry[]): LoadLevel | null {
  if (history.length === 0) return { kind: 'concurrency', concurrency: 1 };
  if (history.length === 1) {
    if (history[0]!.summary.errorRate > plan.maxErrorRate) return null;
    return { kind: 'concurrency', concurrency: plan.maxConcurrency };
  }
  if (history.length >= plan.points) return null;
  const syncRate = history[0]!.summary.requestThroughput;
  const maxRate = history[1]!.summary.requestThroughput;
  // no headroom between one stream and saturation: there is nothing in between to measure
  if (!(syncRate > 0) || !(maxRate > syncRate * 1.05)) return null;
  const last = history[history.length - 1]!;
  if (history.length > 2 && isOverSaturated(last, plan)) return null;
  const n = plan.points - 2;
  const i = history.length - 1; // 1..n
  return rateLevel(plan, syncRate + ((maxRate - syncRate) * i) / n);
}

function nextConcurrencySweepLevel(
  plan: SweepPlan,
  history: readonly AdaptiveHistoryEntry[],
): LoadLevel | null {
  if (history.length === 0) return { kind: 'concurrency', concurrency: 1 };
  if (history.length >= plan.points) return null;
  const last = history[history.length - 1]!;
  if (last.summary.errorRate > plan.maxErrorRate) return null;
  if (history.length >= 2) {
    const prev = history[history.length - 2]!;
    const gain = last.summary.requestThroughput / Math.max(1e-12, prev.summary.requestThroughput) - 1;
    if (gain < plan.minGain) return null;
  }
  const c = levelValue(last.level);
  if (c >= plan.maxConcurrency) return null;
  return { kind: 'concurrency', concurrency: Math.min(plan.maxConcurrency, c * 2) };
}

/** A point passes an SLA search when some request succeeded, the SLO holds (exactly) and it kept up. */
function passesSla(plan: SlaPlan, entry: AdaptiveHistoryEntry): boolean {
  if (entry.summary.requests.succeeded === 0) return false;
  if (!judgeSlo(entry.distribution, plan.slo).pass) return false;
  return !isOverSaturated(entry, plan);
}

/** Result of an SLA search so far: the highest passing value and the lowest failing one. */
export interface SlaSearchResult {
  /** the best level meeting the SLO, or null when none did (yet) */
  best: LoadLevel | null;
  bestValue: number | null;
  /** lowest value that failed, or null when none failed */
  lowestFailing: number | null;
}

/** Reads an SLA search's answer from its history. */
export function slaSearchResult(plan: SlaPlan, history: readonly AdaptiveHistoryEntry[]): SlaSearchResult {
  let best: AdaptiveHistoryEntry | null = null;
  let lowestFailing: number | null = null;
  for (const h of history) {
    const v = levelValue(h.level);
    if (passesSla(plan, h)) {
      if (best === null || v > levelValue(best.level)) best = h;
    } else if (lowestFailing === null || v < lowestFailing) {
      lowestFailing = v;
    }
  }
  return { best: best?.level ?? null, bestValue: best ? levelValue(best.level) : null, lowestFailing };
}

function nextSlaLevel(plan: SlaPlan, history: readonly AdaptiveHistoryEntry[]): LoadLevel | null {
  const make = (v: number): LoadLevel =>
    plan.mode === 'rate'
      ? rateLevel(plan, v)
      : { kind: 'concurrency', concurrency: Math.max(1, Math.round(v)) };
  const min = plan.mode === 'rate' ? plan.min : Math.max(1, Math.ceil(plan.min));
  const max = plan.mode === 'rate' ? plan.max : Math.max(min, Math.floor(plan.max));
  if (history.length === 0) return make(min);
  if (history.length >= plan.maxPoints) return null;
  const { bestValue: lo, lowestFailing: hi } = slaSearchResult(plan, history);
  if (lo === null) return null; // even the minimum fails: nothing to find
  let next: number;
  if (hi === null) {
    if (lo >= max) return null;
    next = Math.min(max, lo * 2);
  } else {
    if (plan.mode === 'rate') {
      if ((hi - lo) / hi <= plan.tolerance) return null;
      next = (lo + hi) / 2;
    } else {
      if (hi - lo <= 1) return null;
      next = Math.floor((lo + hi) / 2);
    }
  }
  // never repeat a value already measured (guards against a non-monotone server ping-ponging)
  const seen = new Set(history.map((h) => levelValue(h.level)));
  if (seen.has(plan.mode === 'rate' ? next : Math.round(next))) return null;
  return make(next);
}

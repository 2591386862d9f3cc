/**
 * Bottleneck hints for a sweep: where does the server's limit come from, with the numbers that say
 * so. Pure; the rules and thresholds are spelled out in {@link BOTTLENECK_THRESHOLDS} and the README.
 */
import type { BottleneckHint, LoadPointSummary, ServerTelemetry } from '@inferbench/contracts';

/** One load point of a sweep as the analysis needs it. */
export interface SweepPoint {
  /** the swept value (concurrency, rate, input length, ...) */
  level: number;
  summary: LoadPointSummary;
  server?: ServerTelemetry;
  /** mean input tokens per request at this point, when the sweep varies it */
  inputTokensMean?: number;
}

/** The thresholds of the rules; every one is a named, documented number. */
export interface BottleneckThresholds {
  /** knee: output-throughput gain from one level to the next below this percent ... */
  kneeThroughputGainPct: number;
  /** ... while p99 TTFT or p99 TPOT grows more than this percent */
  kneeLatencyGrowthPct: number;
  /** queue-bound: queue share of server TTFT at least this percent */
  queueSharePct: number;
  /** prefill-bound: prefill share of server TTFT at least this percent */
  prefillSharePct: number;
  /** correlation (Pearson r) that counts as "rises with" */
  minCorrelation: number;
  /** decode-bound: p50 TPOT grows at least this percent across a step whose throughput gain is below kneeThroughputGainPct */
  decodeTpotGrowthPct: number;
  /** kv-capacity-bound: peak KV-cache usage at least this percent ... */
  kvUsagePct: number;
  /** mean input length varying more than this percent across the sweep makes it a workload sweep (no knee/decode rules) */
  workloadChangePct: number;
}

/** Defaults of {@link analyzeSweep}. */
export const BOTTLENECK_THRESHOLDS: BottleneckThresholds = {
  kneeThroughputGainPct: 10,
  kneeLatencyGrowthPct: 50,
  queueSharePct: 50,
  prefillSharePct: 50,
  minCorrelation: 0.8,
  decodeTpotGrowthPct: 20,
  kvUsagePct: 95,
  workloadChangePct: 20,
};

const r1 = (x: number): number => Math.round(x * 10) / 10;
const r2 = (x: number): number => Math.round(x * 100) / 100;

/** Pearson correlation; undefined with fewer than 3 pairs or no variance. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | undefined {
  const n = Math.min(xs.length, ys.length);
  if (n < 3) return undefined;
  const mx = xs.slice(0, n).reduce((a, b) => a + b, 0) / n;
  const my = ys.slice(0, n).reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return undefined;
  return sxy / Math.sqrt(sxx * syy);
}

const stat = (p: SweepPoint, figure: string, key: 'p50' | 'p99' | 'mean'): number | undefined => {
  const s = p.summary.latency[figure];
  return s && s.count > 0 ? s[key] : undefined;
};

const pct = (from: number, to: number): number => ((to - from) / from) * 100;

/** Pairs (x, y) over points where both are defined. */
function pairs(
  points: readonly SweepPoint[],
  x: (p: SweepPoint) => number | undefined,
  y: (p: SweepPoint) => number | undefined,
) {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const p of points) {
    const a = x(p);
    const b = y(p);
    if (a === undefined || b === undefined) continue;
    xs.push(a);
    ys.push(b);
  }
  return { xs, ys, r: pearson(xs, ys) };
}

function kvHint(points: readonly SweepPoint[], t: BottleneckThresholds): BottleneckHint | undefined {
  for (const p of points) {
    const s = p.server;
    if (!s?.available) continue;
    const kvMax = s.gaugeStats.kvUsagePctMax;
    const preemptions = s.deltas.preemptions ?? 0;
    const waitingMax = s.gaugeStats.waitingMax ?? 0;
    const kvFull = kvMax !== undefined && kvMax >= t.kvUsagePct;
    // a preemption means the scheduler ran out of KV blocks; a full cache with a queue means admission waits for blocks
    if (preemptions > 0 || (kvFull && waitingMax > 0)) {
      const evidence: BottleneckHint['evidence'] = { level: p.level, preemptions, waitingMax };
      if (kvMax !== undefined) evidence.kvUsagePctMax = r1(kvMax);
      if (s.gaugeStats.kvUsagePctMean !== undefined)
        evidence.kvUsagePctMean = r1(s.gaugeStats.kvUsagePctMean);
      if (s.gaugeStats.waitingMean !== undefined) evidence.waitingMean = r2(s.gaugeStats.waitingMean);
      const parts = [
        kvMax !== undefined ? `KV-cache usage peaked at ${r1(kvMax)} %` : undefined,
        preemptions > 0 ? `${preemptions} preemptions` : undefined,
        waitingMax > 0 ? `up to ${waitingMax} requests waiting` : undefined,
      ].filter(Boolean);
      return {
        kind: 'kv-capacity-bound',
        level: p.level,
        message: `KV-cache capacity limits concurrency from level ${p.level}: ${parts.join(', ')}. More KV memory (higher gpu-memory-utilization, smaller max-model-len, KV quantization) or fewer concurrent sequences would help.`,
        evidence,
      };
    }
  }
  return undefined;
}

function queueHint(points: readonly SweepPoint[], t: BottleneckThresholds): BottleneckHint | undefined {
  const corr = pairs(
    points,
    (p) => (p.server?.available ? p.server.gaugeStats.waitingMean : undefined),
    (p) => stat(p, 'ttftMs', 'mean'),
  );
  for (const p of points) {
    const split = p.server?.available ? p.server.ttftSplit : undefined;
    const share = split?.queueSharePct;
    const waitingMean = p.server?.gaugeStats.waitingMean;
    if (share === undefined || share < t.queueSharePct) continue;
    // a high share with nobody waiting is a measurement artefact of tiny TTFTs, not a queue
    if (waitingMean !== undefined && waitingMean <= 0 && (p.server?.gaugeStats.waitingMax ?? 0) <= 0)
      continue;
    const evidence: BottleneckHint['evidence'] = { level: p.level, queueSharePct: r1(share) };
    if (split?.queueMsMean !== undefined) evidence.queueMsMean = r1(split.queueMsMean);
    if (split?.prefillMsMean !== undefined) evidence.prefillMsMean = r1(split.prefillMsMean);
    if (waitingMean !== undefined) evidence.waitingMean = r2(waitingMean);
    const ttftP50 = stat(p, 'ttftMs', 'p50');
    if (ttftP50 !== undefined) evidence.ttftP50Ms = r1(ttftP50);
    if (corr.r !== undefined) evidence.ttftVsWaitingR = r2(corr.r);
    return {
      kind: 'queue-bound',
      level: p.level,
      message: `TTFT is mostly queueing from level ${p.level}: ${r1(share)} % of server TTFT is waiting for a slot (queue ${r1(split?.queueMsMean ?? 0)} ms vs prefill ${r1(split?.prefillMsMean ?? 0)} ms mean)${waitingMean !== undefined ? `, ${r2(waitingMean)} requests waiting on average` : ''}. The server admits no more work; more replicas or a larger batch budget would help.`,
      evidence,
    };
  }
  // no split exposed: TTFT tracking the waiting queue across the sweep is the same story
  if (corr.r !== undefined && corr.r >= t.minCorrelation && Math.max(...corr.xs) >= 1) {
    return {
      kind: 'queue-bound',
      message: `TTFT rises with the server's waiting queue (r = ${r2(corr.r)} over ${corr.xs.length} levels; up to ${r2(Math.max(...corr.xs))} requests waiting on average).`,
      evidence: {
        ttftVsWaitingR: r2(corr.r),
        waitingMeanMax: r2(Math.max(...corr.xs)),
        levels: corr.xs.length,
      },
    };
  }
  return undefined;
}

function prefillHint(points: readonly SweepPoint[], t: BottleneckThresholds): BottleneckHint | undefined {
  // rule (a): a sweep over input length where TTFT follows the input
  const byInput = pairs(
    points,
    (p) => p.inputTokensMean,
    (p) => stat(p, 'ttftMs', 'mean'),
  );
  if (byInput.r !== undefined && byInput.r >= t.minCorrelation) {
    const lo = byInput.xs.indexOf(Math.min(...byInput.xs));
    const hi = byInput.xs.indexOf(Math.max(...byInput.xs));
    const msPer1kTokens = ((byInput.ys[hi]! - byInput.ys[lo]!) / (byInput.xs[hi]! - byInput.xs[lo]!)) * 1000;
    return {
      kind: 'prefill-bound',
      message: `TTFT rises with input length (r = ${r2(byInput.r)}): from ${r1(byInput.ys[lo]!)} ms at ${r1(byInput.xs[lo]!)} input tokens to ${r1(byInput.ys[hi]!)} ms at ${r1(byInput.xs[hi]!)}, about ${r1(msPer1kTokens)} ms per 1k input tokens.`,
      evidence: {
        rule: 'ttft-vs-input-length',
        ttftVsInputR: r2(byInput.r),
        ttftMsPer1kInputTokens: r1(msPer1kTokens),
        inputTokensMin: r1(byInput.xs[lo]!),
        inputTokensMax: r1(byInput.xs[hi]!),
      },
    };
  }
  // rule (b): at the point with the highest server TTFT, prefill dominates
  const ttftOf = (p: SweepPoint): number | undefined =>
    p.server?.ttftSplit?.serverTtftMsMean ?? stat(p, 'ttftMs', 'mean');
  let worst: SweepPoint | undefined;
  for (const p of points) {
    if (!p.server?.available || p.server.ttftSplit?.prefillSharePct === undefined) continue;
    const m = ttftOf(p);
    if (m !== undefined && (worst === undefined || m > ttftOf(worst)!)) worst = p;
  }
  const split = worst?.server?.ttftSplit;
  if (
    worst &&
    split?.prefillSharePct !== undefined &&
    split.prefillSharePct >= t.prefillSharePct &&
    (split.queueSharePct ?? 0) < t.queueSharePct
  ) {
    const evidence: BottleneckHint['evidence'] = {
      rule: 'prefill-share',
      level: worst.level,
      prefillSharePct: r1(split.prefillSharePct),
    };
    if (split.prefillMsMean !== undefined) evidence.prefillMsMean = r1(split.prefillMsMean);
    if (split.queueMsMean !== undefined) evidence.queueMsMean = r1(split.queueMsMean);
    return {
      kind: 'prefill-bound',
      level: worst.level,
      message: `TTFT is mostly prefill: at level ${worst.level} (the slowest TTFT) prefill is ${r1(split.prefillSharePct)} % of server TTFT (${r1(split.prefillMsMean ?? 0)} ms mean vs ${r1(split.queueMsMean ?? 0)} ms queueing). Shorter prompts, prefix caching or a faster prefill (chunked-prefill size, tensor parallelism) would help.`,
      evidence,
    };
  }
  return undefined;
}

function decodeHint(points: readonly SweepPoint[], t: BottleneckThresholds): BottleneckHint | undefined {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const thrA = a.summary.outputTokenThroughput;
    const thrB = b.summary.outputTokenThroughput;
    const tpotA = stat(a, 'tpotMs', 'p50');
    const tpotB = stat(b, 'tpotMs', 'p50');
    if (!(thrA > 0) || tpotA === undefined || tpotB === undefined || !(tpotA > 0)) continue;
    const gain = pct(thrA, thrB);
    const tpotGrowth = pct(tpotA, tpotB);
    if (gain >= t.kneeThroughputGainPct || tpotGrowth < t.decodeTpotGrowthPct) continue;
    const runningA = a.server?.gaugeStats.runningMean;
    const runningB = b.server?.gaugeStats.runningMean;
    const corr = pairs(
      points,
      (p) => p.server?.gaugeStats.runningMean ?? p.summary.achievedConcurrency,
      (p) => stat(p, 'tpotMs', 'p50'),
    );
    const evidence: BottleneckHint['evidence'] = {
      fromLevel: a.level,
      toLevel: b.level,
      outputTokPerSecFrom: r1(thrA),
      outputTokPerSecTo: r1(thrB),
      throughputGainPct: r1(gain),
      tpotP50MsFrom: r2(tpotA),
      tpotP50MsTo: r2(tpotB),
      tpotGrowthPct: r1(tpotGrowth),
    };
    if (runningA !== undefined) evidence.runningMeanFrom = r2(runningA);
    if (runningB !== undefined) evidence.runningMeanTo = r2(runningB);
    if (corr.r !== undefined) evidence.tpotVsBatchR = r2(corr.r);
    const batch =
      runningA !== undefined && runningB !== undefined
        ? ` while running requests went from ${r2(runningA)} to ${r2(runningB)}`
        : '';
    return {
      kind: 'decode-bound',
      level: b.level,
      message: `Decode is saturated from level ${a.level} to ${b.level}: output throughput grew only ${r1(gain)} % (${r1(thrA)} → ${r1(thrB)} tok/s) while p50 TPOT grew ${r1(tpotGrowth)} % (${r2(tpotA)} → ${r2(tpotB)} ms)${batch}. Each decode step is slower as the batch grows, so the GPU's decode (memory bandwidth or compute) is the limit.`,
      evidence,
    };
  }
  return undefined;
}

function kneeHint(points: readonly SweepPoint[], t: BottleneckThresholds): BottleneckHint | undefined {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const thrA = a.summary.outputTokenThroughput;
    const thrB = b.summary.outputTokenThroughput;
    if (!(thrA > 0)) continue;
    const gain = pct(thrA, thrB);
    if (gain >= t.kneeThroughputGainPct) continue;
    const growths: { figure: string; from: number; to: number; pct: number }[] = [];
    for (const figure of ['ttftMs', 'tpotMs']) {
      const from = stat(a, figure, 'p99');
      const to = stat(b, figure, 'p99');
      if (from !== undefined && to !== undefined && from > 0)
        growths.push({ figure, from, to, pct: pct(from, to) });
    }
    const worst = growths.sort((x, y) => y.pct - x.pct)[0];
    if (!worst || worst.pct <= t.kneeLatencyGrowthPct) continue;
    const name = worst.figure === 'ttftMs' ? 'TTFT' : 'TPOT';
    return {
      kind: 'knee',
      level: a.level,
      message: `The knee of the curve is at level ${a.level}: going to ${b.level} adds only ${r1(gain)} % output throughput (${r1(thrA)} → ${r1(thrB)} tok/s) but p99 ${name} grows ${r1(worst.pct)} % (${r1(worst.from)} → ${r1(worst.to)} ms). Run at or below ${a.level}.`,
      evidence: {
        kneeLevel: a.level,
        nextLevel: b.level,
        outputTokPerSecAtKnee: r1(thrA),
        outputTokPerSecNext: r1(thrB),
        throughputGainPct: r1(gain),
        latencyFigure: `${worst.figure}.p99`,
        latencyFromMs: r1(worst.from),
        latencyToMs: r1(worst.to),
        latencyGrowthPct: r1(worst.pct),
      },
    };
  }
  return undefined;
}

/**
 * Finds bottleneck hints in a sweep (points in any order; sorted by level here). Rules, with the
 * default thresholds of {@link BOTTLENECK_THRESHOLDS}:
 * - kv-capacity-bound: the first level with preemptions > 0, or with peak KV usage ≥ 95 % while
 *   requests wait.
 * - queue-bound: the first level where ≥ 50 % of server TTFT is queueing (and requests wait);
 *   without a TTFT split, client mean TTFT correlating (r ≥ 0.8) with the mean waiting queue.
 * - prefill-bound: mean TTFT correlating (r ≥ 0.8) with mean input length over ≥ 3 levels; or at
 *   the level with the slowest server TTFT, prefill ≥ 50 % of it and queueing < 50 %.
 * - decode-bound: the first step between adjacent levels where output throughput gains < 10 %
 *   while p50 TPOT grows ≥ 20 %.
 * - knee: the first level L whose next level adds < 10 % output throughput while p99 TTFT or p99
 *   TPOT grows > 50 %; L is the knee.
 * decode-bound and knee are skipped when mean input length varies by more than 20 % across the
 * points (a sweep over the workload, not the load). Each rule yields at most one hint, in the
 * order above.
 */
export function analyzeSweep(
  points: readonly SweepPoint[],
  opts: { variant?: string; thresholds?: Partial<BottleneckThresholds> } = {},
): BottleneckHint[] {
  const t = { ...BOTTLENECK_THRESHOLDS, ...opts.thresholds };
  const sorted = [...points].sort((a, b) => a.level - b.level);
  // a sweep that changes the input length changes the work per request: flat throughput with
  // rising latency is then expected, not a load knee, so the load-curve rules stay quiet
  const inputs = sorted.map((p) => p.inputTokensMean).filter((x): x is number => x !== undefined && x > 0);
  const isWorkloadSweep =
    inputs.length >= 2 && Math.max(...inputs) / Math.min(...inputs) > 1 + t.workloadChangePct / 100;
  const loadRules = isWorkloadSweep ? [] : [decodeHint(sorted, t), kneeHint(sorted, t)];
  const hints = [kvHint(sorted, t), queueHint(sorted, t), prefillHint(sorted, t), ...loadRules].filter(
    (h): h is BottleneckHint => h !== undefined,
  );
  if (opts.variant !== undefined) for (const h of hints) h.variant = opts.variant;
  return hints;
}

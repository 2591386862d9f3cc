import type {
  LengthDist,
  LoadPlanSpec,
  OptimizationDescriptor,
  SloSpec,
  WorkloadSpec,
} from '@inferbench/contracts';

/** Plain-language descriptions of experiment specs, for people who did not write the JSON. */

export function describeLengthDist(d: LengthDist): string {
  switch (d.kind) {
    case 'fixed':
      return `${d.value} tokens`;
    case 'uniform':
      return `${d.min}–${d.max} tokens (uniform)`;
    case 'normal':
      return `~${d.mean} ± ${d.std} tokens (normal${bounds(d.min, d.max)})`;
    case 'lognormal':
      return `median ${d.median} tokens (log-normal, σ ${d.sigma}${bounds(d.min, d.max)})`;
  }
}

function bounds(min?: number, max?: number): string {
  if (min === undefined && max === undefined) return '';
  return `, clamped to ${min ?? 1}–${max ?? '∞'}`;
}

export function describeWorkload(w: WorkloadSpec): string {
  if (w.kind === 'synthetic') {
    const prefix = w.sharedPrefix
      ? `; ${w.sharedPrefix.groups} group(s) sharing a ${w.sharedPrefix.prefixTokens}-token prefix`
      : '';
    const turns = w.multiTurn
      ? `; multi-turn sessions of ${describeLengthDist(w.multiTurn.turns).replace(' tokens', '')} turns`
      : '';
    return `Synthetic prompts of ${describeLengthDist(w.inputTokens)} in, ${describeLengthDist(w.outputTokens)} out${prefix}${turns}.`;
  }
  const range =
    w.minInputTokens !== undefined || w.maxInputTokens !== undefined
      ? `, prompts of ${w.minInputTokens ?? 0}–${w.maxInputTokens ?? '∞'} tokens`
      : '';
  const out = w.outputTokens ? `, asking for ${describeLengthDist(w.outputTokens)} out` : '';
  const turns = w.multiTurn
    ? `, replayed turn by turn${w.multiTurn.maxTurns ? ` (at most ${w.multiTurn.maxTurns} turns)` : ''}`
    : '';
  return `Prompts from dataset ${w.source} (${w.format} format${range}${out})${turns}.`;
}

export function describeLoadPlan(p: LoadPlanSpec): string {
  const extent = [
    p.requests !== undefined ? `${p.requests} measured requests` : undefined,
    p.durationSec !== undefined ? `${p.durationSec} s` : undefined,
  ]
    .filter(Boolean)
    .join(' or ');
  const warm = p.warmup?.requests
    ? `, after ${p.warmup.requests} warm-up requests`
    : p.warmup?.durationSec
      ? `, after ${p.warmup.durationSec} s of warm-up`
      : '';
  const limits: string[] = [];
  if (p.limits?.maxDurationSec !== undefined) limits.push(`stops after ${p.limits.maxDurationSec} s`);
  if (p.limits?.maxErrorRate !== undefined)
    limits.push(`aborts above ${(p.limits.maxErrorRate * 100).toFixed(1)}% errors`);
  const tail = `${warm}${limits.length ? `; ${limits.join(', ')}` : ''}. ${p.seed === undefined ? 'Fresh seed per run' : `Seed ${p.seed}`}.`;
  const each = `each load point runs ${extent || 'until its limit'}`;
  const arrivals = (arrival: string, burstiness?: number) =>
    `${arrival} arrivals${burstiness !== undefined ? ` (burstiness ${burstiness})` : ''}`;
  switch (p.kind) {
    case 'concurrency':
      return `Closed loop at concurrency ${p.levels.join(', ')}${p.rampUpSec ? ` (slots opened over ${p.rampUpSec} s)` : ''}; ${each}${tail}`;
    case 'rate':
      return `Open loop at ${p.levels.join(', ')} req/s with ${arrivals(p.arrival, p.burstiness)}${p.maxConcurrency !== undefined ? `, at most ${p.maxConcurrency} in flight` : ''}; ${each}${tail}`;
    case 'stages': {
      const unit = p.mode === 'rate' ? 'req/s' : 'concurrent';
      const start = p.startTarget ?? (p.mode === 'concurrency' ? 1 : 0);
      const steps = p.stages.map((s) => `${s.target} ${unit} over ${s.durationSec} s`).join(', then ');
      return `Staged ${p.mode} load starting at ${start}: ${steps}${p.mode === 'rate' ? ` (${arrivals(p.arrival, p.burstiness)})` : ''}${tail}`;
    }
    case 'trace':
      return `Replay of trace ${p.source ?? `(${p.entries?.length ?? 0} inline entries)`}${p.speedup !== 1 ? ` at ${p.speedup}× speed` : ''}${p.maxConcurrency !== undefined ? `, at most ${p.maxConcurrency} in flight` : ''}${tail}`;
    case 'sweep':
      return p.mode === 'rate'
        ? `Automatic rate sweep: up to ${p.points} load points from the synchronous rate to saturation (probe at concurrency ${p.maxConcurrency}), ${arrivals(p.arrival, p.burstiness)}; ${each}${tail}`
        : `Automatic concurrency sweep: 1, 2, 4, … up to ${p.maxConcurrency}, until throughput grows by less than ${(p.minGain * 100).toFixed(0)}%; ${each}${tail}`;
    case 'sla':
      return `SLA search (${p.mode}) between ${p.min} and ${p.max} for the highest load meeting ${describeSlo(p.slo).replace(/\.$/, '')}, in at most ${p.maxPoints} load points; ${each}${tail}`;
  }
}

/** How many load points per variant the plan produces ("at most" for adaptive plans). */
export function plannedLevels(p: LoadPlanSpec): { count: number; isUpperBound: boolean } {
  switch (p.kind) {
    case 'concurrency':
    case 'rate':
      return { count: p.levels.length, isUpperBound: false };
    case 'stages':
    case 'trace':
      return { count: 1, isUpperBound: false };
    case 'sweep':
      return { count: p.points, isUpperBound: true };
    case 'sla':
      return { count: p.maxPoints, isUpperBound: true };
  }
}

export function describeSlo(slo: SloSpec | null | undefined): string {
  if (!slo) return 'No SLOs: goodput is not computed.';
  const parts = [
    slo.ttftMs !== undefined ? `TTFT ≤ ${slo.ttftMs} ms` : undefined,
    slo.tpotMs !== undefined ? `TPOT ≤ ${slo.tpotMs} ms` : undefined,
    slo.itlMs !== undefined ? `ITL ≤ ${slo.itlMs} ms` : undefined,
    slo.e2eMs !== undefined ? `E2E ≤ ${slo.e2eMs} ms` : undefined,
  ].filter(Boolean);
  if (!parts.length) return 'No SLO bounds set.';
  return `${parts.join(', ')} at p${slo.percentile}.`;
}

const FEATURE_LABELS: Record<string, string> = {
  continuousBatching: 'continuous batching',
  chunkedPrefill: 'chunked prefill',
  pdDisaggregation: 'P/D disaggregation',
  speculativeDecoding: 'speculative decoding',
  prefixCaching: 'prefix caching',
};

/** Enabled optimization features, e.g. "chunked prefill, prefix caching". */
export function describeFeatures(o: OptimizationDescriptor): string {
  const on = Object.entries(o.features ?? {})
    .filter(([, v]) => v === true)
    .map(([k]) => FEATURE_LABELS[k] ?? k);
  const parallel = [
    o.tensorParallel ? `TP${o.tensorParallel}` : '',
    o.pipelineParallel ? `PP${o.pipelineParallel}` : '',
  ].filter(Boolean);
  return [...parallel, ...on].join(', ') || '—';
}

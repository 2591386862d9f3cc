import {
  describeLoadLevel,
  type LengthDist,
  type LoadLevel,
  type LoadPlanSpec,
  type WorkloadSpec,
} from '@inferbench/contracts';
import { formatSlo } from './parse-values.js';

/** A length distribution in its command-line form (`256`, `uniform:100-300`, `normal:256,50`, …). */
export function formatDist(d: LengthDist): string {
  const clamp =
    'min' in d && d.kind !== 'uniform' && d.min !== undefined && d.max !== undefined
      ? `,${d.min},${d.max}`
      : '';
  switch (d.kind) {
    case 'fixed':
      return String(d.value);
    case 'uniform':
      return `uniform:${d.min}-${d.max}`;
    case 'normal':
      return `normal:${d.mean},${d.std}${clamp}`;
    case 'lognormal':
      return `lognormal:${d.median},${d.sigma}${clamp}`;
  }
}

/** One line for a workload: `synthetic in 256 / out 128 tokens, 8 prefix groups × 2000` or `dataset builtin:mini-chat (prompts)`. */
export function describeWorkload(w: WorkloadSpec): string {
  if (w.kind === 'synthetic') {
    const extra = [
      w.sharedPrefix ? `${w.sharedPrefix.groups} prefix groups × ${w.sharedPrefix.prefixTokens} tokens` : '',
      w.multiTurn ? `${formatDist(w.multiTurn.turns)} turns per session` : '',
    ].filter(Boolean);
    return `synthetic in/out ${formatDist(w.inputTokens)}/${formatDist(w.outputTokens)} tokens${extra.length ? `, ${extra.join(', ')}` : ''}`;
  }
  return `dataset ${w.source} (${w.format})${w.outputTokens ? `, out ${formatDist(w.outputTokens)} tokens` : ''}${w.multiTurn ? ', multi-turn' : ''}`;
}

/** One line for a load plan: its kind, levels and extent, e.g. `concurrency c=1,4,8, 100 requests/point`. */
export function describePlan(plan: LoadPlanSpec): string {
  const extent = [
    plan.requests !== undefined ? `${plan.requests} requests` : '',
    plan.durationSec !== undefined ? `${plan.durationSec}s` : '',
  ]
    .filter(Boolean)
    .join(' or ');
  const per = extent ? `, ${extent}/point` : '';
  const warm = plan.warmup?.requests
    ? `, warm-up ${plan.warmup.requests}`
    : plan.warmup?.durationSec
      ? `, warm-up ${plan.warmup.durationSec}s`
      : '';
  switch (plan.kind) {
    case 'concurrency':
      return `concurrency c=${plan.levels.join(',')}${per}${warm}`;
    case 'rate':
      return `rate r=${plan.levels.join(',')}/s ${plan.arrival}${plan.maxConcurrency ? ` max ${plan.maxConcurrency} in flight` : ''}${per}${warm}`;
    case 'stages':
      return `${describeLoadLevel({ ...plan })}${warm}`;
    case 'trace':
      return `trace ${plan.source ?? `(${plan.entries?.length ?? 0} entries)`}${plan.speedup !== 1 ? ` x${plan.speedup}` : ''}${warm}`;
    case 'sweep':
      return `automatic ${plan.mode} sweep, up to ${plan.points} points (saturation probe c=${plan.maxConcurrency})${per}${warm}`;
    case 'sla':
      return `SLA search (${plan.mode} ${plan.min}..${plan.max}) for ${formatSlo(plan.slo)}${per}${warm}`;
  }
}

/**
 * The label of a load point, as `describeLoadLevel` (`c=8`, `stages …`, `trace x2`) but with a rate rounded to
 * 4 significant digits (`r=36.3/s`): adaptive sweeps compute rates that would otherwise print 15 digits.
 * `--compare` matches points by this label.
 */
export function pointLabel(level: LoadLevel): string {
  if (level.kind === 'rate') return `r=${Number(level.rate.toPrecision(4))}/s`;
  return describeLoadLevel(level);
}

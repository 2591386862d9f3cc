import type { LoadLevel, LoadPlanSpec } from '@inferbench/contracts';

/** True for plans whose next load point depends on the previous result (drive them with `nextAdaptiveLevel`). */
export function isAdaptivePlan(plan: LoadPlanSpec): plan is Extract<LoadPlanSpec, { kind: 'sweep' | 'sla' }> {
  return plan.kind === 'sweep' || plan.kind === 'sla';
}

/**
 * The load levels of a static plan, in order: one per concurrency or rate level; one for a staged plan or a
 * trace replay. Adaptive plans (`sweep`, `sla`) have no fixed list: this throws for them; use
 * `nextAdaptiveLevel(plan, history)` (which also walks static plans).
 */
export function expandLoadPlan(plan: LoadPlanSpec): LoadLevel[] {
  switch (plan.kind) {
    case 'concurrency':
      return plan.levels.map((c) => ({
        kind: 'concurrency' as const,
        concurrency: c,
        ...(plan.rampUpSec !== undefined ? { rampUpSec: plan.rampUpSec } : {}),
      }));
    case 'rate':
      return plan.levels.map((r) => ({
        kind: 'rate' as const,
        rate: r,
        arrival: plan.arrival,
        ...(plan.burstiness !== undefined ? { burstiness: plan.burstiness } : {}),
        ...(plan.maxConcurrency !== undefined ? { maxConcurrency: plan.maxConcurrency } : {}),
      }));
    case 'stages': {
      const { kind, mode, startTarget, stages, arrival, burstiness, maxConcurrency } = plan;
      return [
        {
          kind,
          mode,
          stages,
          arrival,
          ...(startTarget !== undefined ? { startTarget } : {}),
          ...(burstiness !== undefined ? { burstiness } : {}),
          ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
        },
      ];
    }
    case 'trace': {
      const { kind, source, entries, speedup, maxConcurrency } = plan;
      return [
        {
          kind,
          speedup,
          ...(source !== undefined ? { source } : {}),
          ...(entries !== undefined ? { entries } : {}),
          ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
        },
      ];
    }
    case 'sweep':
    case 'sla':
      throw new Error(`a ${plan.kind} plan is adaptive: drive it with nextAdaptiveLevel(plan, history)`);
  }
}

/**
 * This shard's part of a total count (requests, warm-up requests, concurrency): floor(total / count), plus one
 * for the lowest `total % count` shard indexes. The parts sum to `total`.
 */
export function splitCount(total: number, shard: { index: number; count: number }): number {
  const base = Math.floor(total / shard.count);
  return base + (shard.index < total % shard.count ? 1 : 0);
}

/**
 * This shard's part of a load level: rates and staged-rate targets divided by the shard count; concurrency and
 * maxConcurrency split with `splitCount` (each staged-concurrency target likewise, remainders to low indexes).
 * A trace is split by the engine (every count-th entry). Returns null when this shard gets no load at all
 * (more shards than slots).
 */
export function shardLoadLevel(level: LoadLevel, shard: { index: number; count: number }): LoadLevel | null {
  if (shard.count <= 1) return level;
  const splitCap = (c: number | undefined): { maxConcurrency?: number } => {
    if (c === undefined) return {};
    return { maxConcurrency: Math.max(1, splitCount(c, shard)) };
  };
  switch (level.kind) {
    case 'concurrency': {
      const c = splitCount(level.concurrency, shard);
      return c === 0 ? null : { ...level, concurrency: c };
    }
    case 'rate':
      return { ...level, rate: level.rate / shard.count, ...splitCap(level.maxConcurrency) };
    case 'stages': {
      if (level.mode === 'rate') {
        return {
          ...level,
          ...(level.startTarget !== undefined ? { startTarget: level.startTarget / shard.count } : {}),
          stages: level.stages.map((s) => ({ ...s, target: s.target / shard.count })),
          ...splitCap(level.maxConcurrency),
        };
      }
      const split = (v: number): number => splitCount(Math.floor(v), shard) + (v % 1) / shard.count;
      const stages = level.stages.map((s) => ({ ...s, target: split(s.target) }));
      const startTarget = split(level.startTarget ?? 1);
      if (Math.max(startTarget, ...stages.map((s) => s.target)) < 1) return null;
      return { ...level, startTarget, stages };
    }
    case 'trace':
      return { ...level, ...splitCap(level.maxConcurrency) };
  }
}

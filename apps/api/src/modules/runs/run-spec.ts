import { randomInt } from 'node:crypto';
import {
  describeLoadLevel,
  type FrozenVariant,
  type LoadLevel,
  type LoadPlanSpec,
  type LoadPointJob,
  type RunSpec,
  type StartSync,
  PROTOCOL_VERSION,
} from '@inferbench/contracts';
import {
  expandLoadPlan,
  isAdaptivePlan,
  nextAdaptiveLevel,
  type AdaptiveHistoryEntry,
} from '@inferbench/loadgen/plan';
import { toTargetConn } from '../targets/targets.mapper.js';

/** `RunSpec` and `FrozenVariant` (the frozen `Run.spec`) are defined once in packages/contracts (stored.ts). */
export type { FrozenVariant, RunSpec } from '@inferbench/contracts';

/** Default per-point cap when the plan gives no limits (LimitsSchema's default). */
export const DEFAULT_MAX_DURATION_SEC = 600;
/** Samples per batch an agent sends back. */
export const DEFAULT_BATCH_SIZE = 500;

/** A load point to create: one (variant, level) pair. */
export interface PlannedPoint {
  variant: FrozenVariant;
  level: LoadLevel;
  levelLabel: string;
}

/**
 * The load points a run starts with, in execution order (variant by variant, level by level). Static plans
 * expand fully; adaptive plans (sweep, SLA search) start with their first level per variant and grow as
 * each point's summary arrives ({@link nextLevel}).
 */
export function planInitialPoints(spec: RunSpec): PlannedPoint[] {
  const levels = isAdaptivePlan(spec.loadPlan)
    ? [nextAdaptiveLevel(spec.loadPlan, [])].filter((l): l is LoadLevel => l !== null)
    : expandLoadPlan(spec.loadPlan);
  return spec.variants.flatMap((variant) =>
    levels.map((level) => ({ variant, level, levelLabel: describeLoadLevel(level) })),
  );
}

/** The next level of an adaptive plan for one variant, given its finished points in order; null when done. */
export function nextLevel(spec: RunSpec, history: readonly AdaptiveHistoryEntry[]): LoadLevel | null {
  if (!isAdaptivePlan(spec.loadPlan)) return null;
  return nextAdaptiveLevel(spec.loadPlan, history);
}

/** The plan with its seed: the plan's own, or a fresh random one for this run. */
export function withRunSeed(plan: LoadPlanSpec): LoadPlanSpec & { seed: number } {
  return { ...plan, seed: plan.seed ?? randomInt(1, 2 ** 31 - 1) };
}

/**
 * Key of the chain a variant's points belong to. Points that share a target run one after another (a sweep
 * hits a server one level at a time; two load points never load the same server at once).
 */
export function chainKey(variant: FrozenVariant): string {
  return variant.target.id;
}

/** Payload of one shard's `loadpoint.execute` job, from the frozen spec and the target's current API key. */
export function buildLoadPointJob(args: {
  runId: string;
  loadPointId: string;
  spec: RunSpec;
  variant: FrozenVariant;
  level: LoadLevel;
  shard: { index: number; count: number };
  /** the target's decrypted key (checked at dispatch); only whether there is one goes into the job */
  apiKey: string | undefined;
  /** execution attempt of the shard (default 0) */
  attempt?: number;
  /** common start with the point's other shards */
  startSync?: StartSync;
}): LoadPointJob {
  const plan = args.spec.loadPlan;
  return {
    v: PROTOCOL_VERSION,
    runId: args.runId,
    loadPointId: args.loadPointId,
    shard: args.shard,
    target: toTargetConn(args.variant.target, args.apiKey),
    params: args.variant.params,
    workload: args.spec.workload,
    load: args.level,
    ...(plan.requests !== undefined ? { requests: plan.requests } : {}),
    ...(plan.durationSec !== undefined ? { durationSec: plan.durationSec } : {}),
    ...(plan.warmup !== undefined ? { warmup: plan.warmup } : {}),
    limits: plan.limits ?? { maxDurationSec: DEFAULT_MAX_DURATION_SEC },
    ...(args.spec.slo ? { slo: args.spec.slo } : {}),
    // runs frozen before seeds became optional always carry one; 1 was the old default
    seed: plan.seed ?? 1,
    batchSize: DEFAULT_BATCH_SIZE,
    attempt: args.attempt ?? 0,
    ...(args.startSync ? { startSync: args.startSync } : {}),
  };
}

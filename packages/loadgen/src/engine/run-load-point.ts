import type { LoadLevel, RequestSample, TraceEntry } from '@inferbench/contracts';
import { type AccumulatorOptions, LoadPointAccumulator } from '@inferbench/metrics';
import { shardLoadLevel, splitCount } from '../strategies/plan.js';
import { deriveSeed } from '../strategies/rng.js';
import { normalizeTrace, parseTrace } from '../strategies/trace.js';
import { defaultLoadDataset } from '../workloads/dataset-source.js';
import { createWorkload, type WorkloadSource } from '../workloads/workload.js';
import { buildConstraints, createWarmupPolicy, type ShardCounts } from './constraints/index.js';
import { PointRunner } from './point-runner.js';
import type { RunLoadPointDeps, RunLoadPointInput, RunLoadPointResult } from './point-types.js';
import { createReleaseStrategy } from './release/index.js';

export type {
  LoadPointEndStatus,
  LoadTick,
  RunLoadPointDeps,
  RunLoadPointInput,
  RunLoadPointResult,
} from './point-types.js';
export { ERROR_RATE_MIN_REQUESTS } from './constraints/index.js';
export { CANCEL_GRACE_US } from './point-runner.js';

/**
 * Runs one shard of one load point: sends requests by the load level's release strategy (closed-loop concurrency,
 * open-loop rate, stages, trace), with warm-up, stopped by its constraints (request count, duration and the
 * limits, error rate, the caller's cancel); records every request as a `RequestSample` through `onSample`.
 * Resolves this shard's part of the level and its workload, then composes a `PointRunner`.
 * Never throws for per-request failures (they are samples); throws only for bad input (e.g. unreadable dataset).
 */
export async function runLoadPoint(
  input: RunLoadPointInput,
  deps: RunLoadPointDeps,
): Promise<RunLoadPointResult> {
  const prepared = await preparePoint(input, deps);
  if ('empty' in prepared) return prepared.empty;
  const { load, seed, workload, trace, counts, warnings } = prepared;
  const onSample = deps.accumulator ? accumulating(deps, deps.accumulator) : undefined;
  const constraints = buildConstraints(input, load, counts, deps.signal, warnings);
  const runner = new PointRunner(input, onSample ? { ...deps, onSample: onSample.onSample } : deps, {
    workload,
    release: createReleaseStrategy(load, { seed, workload, trace }),
    constraints,
    isWarmup: createWarmupPolicy({
      warmupRequests: counts.warmupRequests,
      warmupDurationSec: input.warmup?.durationSec ?? 0,
    }),
    planned: prepared.planned,
    warnings,
  });
  const result = await runner.execute();
  return onSample ? { ...result, accumulator: onSample.acc.encode() } : result;
}

/** Wraps the caller's onSample so every sample also goes into one accumulator (`deps.accumulator`). */
function accumulating(
  deps: RunLoadPointDeps,
  opts: AccumulatorOptions,
): { acc: LoadPointAccumulator; onSample: (s: RequestSample) => void } {
  const acc = new LoadPointAccumulator(opts);
  return {
    acc,
    onSample: (s) => {
      acc.add(s);
      deps.onSample(s);
    },
  };
}

/** A shard resolved for running: its level, seed, workload, trace entries and counts. */
export interface PreparedPoint {
  load: LoadLevel;
  seed: number;
  workload: WorkloadSource;
  trace: TraceEntry[] | undefined;
  counts: ShardCounts;
  /** total requests planned (warm-up included) when known */
  planned: number | undefined;
  warnings: string[];
}

/**
 * Resolves this shard's part of a load point (level, counts, seed) and builds its workload and trace. The same for
 * one in-process runner and for the worker-thread runner (whose main thread builds every prompt from it).
 * `{ empty }`: the shard has nothing to do (its result says why).
 */
export async function preparePoint(
  input: RunLoadPointInput,
  deps: Pick<RunLoadPointDeps, 'tokenizer' | 'loadDataset'>,
): Promise<PreparedPoint | { empty: RunLoadPointResult }> {
  const shard = input.shard ?? { index: 0, count: 1 };
  if (!(shard.count >= 1 && shard.index >= 0 && shard.index < shard.count)) {
    throw new RangeError(`bad shard ${shard.index}/${shard.count}`);
  }
  // The load level is part of the seed: each point of a sweep gets its own prompts. With one seed for all
  // points, every point after the first would resend the first one's prompts, and a server with prefix
  // caching (vLLM's default) would answer them from cache and look faster than it is.
  const seed = deriveSeed(input.seed, 'shard', shard.index, shard.count, 'level', JSON.stringify(input.load));
  const warnings: string[] = [];
  const load = shardLoadLevel(input.load, shard);
  const requests = input.requests !== undefined ? splitCount(input.requests, shard) : undefined;
  const warmupRequests =
    input.warmup?.requests !== undefined ? splitCount(input.warmup.requests, shard) : undefined;
  const maxRequests =
    input.limits.maxRequests !== undefined
      ? Math.max(1, splitCount(input.limits.maxRequests, shard))
      : undefined;

  const empty = (why: string): { empty: RunLoadPointResult } => ({
    empty: {
      status: 'completed',
      sent: 0,
      completed: 0,
      cancelledTail: 0,
      warmup: 0,
      warnings: [why],
      startedAtEpochMs: Date.now(),
      selfCheck: { wallSec: 0 },
    },
  });
  if (load === null)
    return empty(`shard ${shard.index} of ${shard.count} has no load: the level is too small to split`);
  if (requests === 0)
    return empty(
      `shard ${shard.index} of ${shard.count} has no requests: ${input.requests} split ${shard.count} ways`,
    );

  const loadText = deps.loadDataset ?? defaultLoadDataset;
  const workload = await createWorkload(input.workload, {
    tokenizer: deps.tokenizer,
    seed,
    apiKind: input.target.apiKind,
    loadDataset: loadText,
  });
  warnings.push(...workload.notes);

  let trace: TraceEntry[] | undefined;
  if (load.kind === 'trace') {
    const all = load.entries
      ? normalizeTrace(load.entries)
      : load.source
        ? parseTrace(await loadText(load.source))
        : undefined;
    if (!all) throw new Error('a trace load level needs source or entries');
    trace = all.filter((_, i) => i % shard.count === shard.index);
    if (input.workload.kind !== 'synthetic' || input.workload.sharedPrefix || input.workload.multiTurn) {
      warnings.push(
        "trace replay sends plain synthetic prompts of the trace's lengths; the workload's prompts are not used",
      );
    }
  }
  return {
    load,
    seed,
    workload,
    trace,
    counts: { requests, warmupRequests, maxRequests },
    planned: requests !== undefined ? requests + (warmupRequests ?? 0) : trace ? trace.length : undefined,
    warnings,
  };
}

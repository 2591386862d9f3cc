import type { TraceEntry } from '@inferbench/contracts';
import { shardLoadLevel, splitCount } from '../strategies/plan.js';
import { deriveSeed } from '../strategies/rng.js';
import { normalizeTrace, parseTrace } from '../strategies/trace.js';
import { defaultLoadDataset } from '../workloads/dataset-source.js';
import { createWorkload } from '../workloads/workload.js';
import { buildConstraints, createWarmupPolicy } from './constraints/index.js';
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

  const empty = (why: string): RunLoadPointResult => ({
    status: 'completed',
    sent: 0,
    completed: 0,
    cancelledTail: 0,
    warmup: 0,
    warnings: [why],
    startedAtEpochMs: Date.now(),
    selfCheck: { wallSec: 0 },
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

  const counts = { requests, warmupRequests, maxRequests };
  const constraints = buildConstraints(input, load, counts, deps.signal, warnings);
  const runner = new PointRunner(input, deps, {
    workload,
    release: createReleaseStrategy(load, { seed, workload, trace }),
    constraints,
    isWarmup: createWarmupPolicy({ warmupRequests, warmupDurationSec: input.warmup?.durationSec ?? 0 }),
    planned: requests !== undefined ? requests + (warmupRequests ?? 0) : trace ? trace.length : undefined,
    warnings,
  });
  return runner.execute();
}

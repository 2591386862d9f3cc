import type { LoadLevel, TraceEntry } from '@inferbench/contracts';
import {
  type ArrivalSchedule,
  createRateSchedule,
  createStagedRateSchedule,
  createTraceSchedule,
} from '../../strategies/arrivals.js';
import { createFixedConcurrency, createStagedConcurrency } from '../../strategies/concurrency.js';
import { createRng, deriveSeed } from '../../strategies/rng.js';
import type { WorkItem, WorkloadSource } from '../../workloads/workload.js';
import { createClosedLoop } from './closed-loop.js';
import { createOpenLoop } from './open-loop.js';
import type { ReleaseStrategy } from './release-strategy.js';

export type { ReleaseContext, ReleaseStrategy, Ticket } from './release-strategy.js';
export { YIELD_EVERY, yieldToLoop } from './release-strategy.js';

/**
 * The release strategy of a (shard's) load level: closed loop for concurrency levels (fixed or staged), open
 * loop for rates (constant, Poisson, gamma, staged) and trace replay (the trace's lengths, this shard's entries).
 */
export function createReleaseStrategy(
  load: LoadLevel,
  opts: { seed: number; workload: WorkloadSource; trace: TraceEntry[] | undefined },
): ReleaseStrategy {
  const { workload } = opts;
  const next = (): WorkItem => workload.next();
  if (load.kind === 'concurrency')
    return createClosedLoop(createFixedConcurrency(load.concurrency, load.rampUpSec), next);
  if (load.kind === 'stages' && load.mode === 'concurrency')
    return createClosedLoop(createStagedConcurrency(load.startTarget ?? 1, load.stages), next);
  const arrivals = createArrivals(load, opts)!;
  return createOpenLoop(arrivals.schedule, load.maxConcurrency, arrivals.nextItem);
}

/**
 * The open-loop arrivals of a level (rate, staged rate, trace): the seeded schedule and the request made for each
 * arrival, in arrival order. Null for closed-loop levels. The worker-thread runner deals these to its workers.
 */
export function createArrivals(
  load: LoadLevel,
  opts: { seed: number; workload: WorkloadSource; trace: TraceEntry[] | undefined },
): { schedule: ArrivalSchedule; nextItem: () => WorkItem } | null {
  const { workload } = opts;
  const next = (): WorkItem => workload.next();
  const arrivalsRng = createRng(deriveSeed(opts.seed, 'arrivals'));
  switch (load.kind) {
    case 'concurrency':
      return null;
    case 'stages':
      if (load.mode === 'concurrency') return null;
      return {
        schedule: createStagedRateSchedule(load.startTarget ?? 0, load.stages, load, arrivalsRng),
        nextItem: next,
      };
    case 'rate':
      return { schedule: createRateSchedule(load.rate, load, arrivalsRng), nextItem: next };
    case 'trace': {
      const entries = opts.trace ?? [];
      let i = 0;
      const lengths = (): WorkItem => {
        const e = entries[i++]!;
        return workload.nextWithLengths(e.inputTokens, e.outputTokens);
      };
      return {
        schedule: createTraceSchedule(
          entries.map((e) => e.tMs),
          load.speedup,
        ),
        nextItem: lengths,
      };
    }
  }
}

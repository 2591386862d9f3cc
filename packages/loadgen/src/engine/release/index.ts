import type { LoadLevel, TraceEntry } from '@inferbench/contracts';
import {
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
  const arrivalsRng = createRng(deriveSeed(opts.seed, 'arrivals'));
  switch (load.kind) {
    case 'concurrency':
      return createClosedLoop(createFixedConcurrency(load.concurrency, load.rampUpSec), next);
    case 'stages':
      if (load.mode === 'concurrency')
        return createClosedLoop(createStagedConcurrency(load.startTarget ?? 1, load.stages), next);
      return createOpenLoop(
        createStagedRateSchedule(load.startTarget ?? 0, load.stages, load, arrivalsRng),
        load.maxConcurrency,
        next,
      );
    case 'rate':
      return createOpenLoop(createRateSchedule(load.rate, load, arrivalsRng), load.maxConcurrency, next);
    case 'trace': {
      const entries = opts.trace ?? [];
      let i = 0;
      const lengths = (): WorkItem => {
        const e = entries[i++]!;
        return workload.nextWithLengths(e.inputTokens, e.outputTokens);
      };
      return createOpenLoop(
        createTraceSchedule(
          entries.map((e) => e.tMs),
          load.speedup,
        ),
        load.maxConcurrency,
        lengths,
      );
    }
  }
}

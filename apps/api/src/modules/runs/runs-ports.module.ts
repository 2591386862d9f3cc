import { Global, Module } from '@nestjs/common';
import { EVAL_POINT_READS } from '../evals/ports/eval-point-reads.js';
import { EXPERIMENT_RUN_READS } from '../experiments/ports/experiment-run-reads.js';
import { EvalPointReadsAdapter, ExperimentRunReadsAdapter } from './run-reads.adapters.js';
import { RunsModule } from './runs.module.js';

/**
 * The ports that modules below runs declare (experiments: `EXPERIMENT_RUN_READS`, evals: `EVAL_POINT_READS`),
 * answered by the runs module's adapters. Global, so those modules inject the token without importing runs (which
 * would be a cycle): the module imports still point one way.
 */
@Global()
@Module({
  imports: [RunsModule],
  providers: [
    { provide: EXPERIMENT_RUN_READS, useExisting: ExperimentRunReadsAdapter },
    { provide: EVAL_POINT_READS, useExisting: EvalPointReadsAdapter },
  ],
  exports: [EXPERIMENT_RUN_READS, EVAL_POINT_READS],
})
export class RunsPortsModule {}

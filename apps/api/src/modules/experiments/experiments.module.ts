import { Module } from '@nestjs/common';
import { SamplesModule } from '../samples/samples.module.js';
import { TargetsModule } from '../targets/targets.module.js';
import { ExperimentsController } from './experiments.controller.js';
import { ExperimentsRepository } from './experiments.repository.js';
import { ExperimentsService } from './experiments.service.js';
import { TargetUsageAdapter } from './target-usage.adapter.js';

/**
 * Experiments: the Experiment and Variant tables. Depends on targets and samples; reads runs through the
 * `EXPERIMENT_RUN_READS` port it declares (bound by `RunsPortsModule`), and answers targets' `TARGET_USAGE` port
 * with `TargetUsageAdapter` (bound by `ExperimentsPortsModule`).
 */
@Module({
  imports: [TargetsModule, SamplesModule],
  controllers: [ExperimentsController],
  providers: [ExperimentsRepository, ExperimentsService, TargetUsageAdapter],
  exports: [ExperimentsService, TargetUsageAdapter],
})
export class ExperimentsModule {}

import { Module } from '@nestjs/common';
import { ExperimentsModule } from '../experiments/experiments.module.js';
import { RunsModule } from '../runs/runs.module.js';
import { SamplesModule } from '../samples/samples.module.js';
import { TargetsModule } from '../targets/targets.module.js';
import { ImportsController } from './imports.controller.js';
import { ImportsRepository } from './imports.repository.js';
import { ImportsService } from './imports.service.js';

/** Interop: result files of other tools in (`POST /imports`), vLLM/CSV/k6 out. */
@Module({
  imports: [ExperimentsModule, TargetsModule, RunsModule, SamplesModule],
  controllers: [ImportsController],
  providers: [ImportsRepository, ImportsService],
})
export class ImportsModule {}

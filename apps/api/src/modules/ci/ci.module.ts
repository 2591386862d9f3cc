import { Module } from '@nestjs/common';
import { ExperimentsModule } from '../experiments/experiments.module.js';
import { RunsModule } from '../runs/runs.module.js';
import { CiController } from './ci.controller.js';
import { CiService } from './ci.service.js';

/** CI gates: `POST /runs/:id/evaluate` (thresholds, baseline gate). Owns no table; verdicts are stored through runs. */
@Module({
  imports: [RunsModule, ExperimentsModule],
  controllers: [CiController],
  providers: [CiService],
})
export class CiModule {}

import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module.js';
import { SamplesModule } from '../samples/samples.module.js';
import { CompareController } from './compare.controller.js';
import { CompareService } from './compare.service.js';

/**
 * Cross-run and cross-variant comparison, distributions and the paged raw-samples table. Owns no table: runs and
 * points come from the runs module, samples from the samples module.
 */
@Module({
  imports: [RunsModule, SamplesModule],
  controllers: [CompareController],
  providers: [CompareService],
})
export class CompareModule {}

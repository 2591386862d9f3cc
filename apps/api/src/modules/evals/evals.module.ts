import { Module } from '@nestjs/common';
import { EvalsController } from './evals.controller.js';
import { EvalsRepository } from './evals.repository.js';
import { EvalsService } from './evals.service.js';

/**
 * Accuracy evals run through the platform (EvalWorkItem, EvalRecord, EvalBatch, EvalScore): idempotent record
 * storage, per (variant, task) summaries, item pages, paired comparisons, re-scoring. Depends on nothing; runs (the
 * eval work-item kind) and ingest (record batches) use it.
 */
@Module({
  controllers: [EvalsController],
  providers: [EvalsRepository, EvalsService],
  exports: [EvalsService],
})
export class EvalsModule {}

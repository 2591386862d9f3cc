import { Module } from '@nestjs/common';
import { EvalsModule } from '../evals/evals.module.js';
import { RunsModule } from '../runs/runs.module.js';
import { SamplesModule } from '../samples/samples.module.js';
import { AgentEventAuth } from './agent-event-auth.js';
import { IngestService } from './ingest.service.js';
import { IngestWorker } from './ingest.worker.js';

/** The `ingest` queue consumer: sample batches to the samples module, run reports to the runs module (one-way). */
@Module({
  imports: [RunsModule, SamplesModule, EvalsModule],
  providers: [IngestService, IngestWorker, AgentEventAuth],
  exports: [IngestService],
})
export class IngestModule {}

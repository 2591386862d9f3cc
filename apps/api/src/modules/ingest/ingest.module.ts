import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module.js';
import { SamplesModule } from '../samples/samples.module.js';
import { IngestService } from './ingest.service.js';
import { IngestWorker } from './ingest.worker.js';

/** The `ingest` queue consumer: sample batches to the samples module, run reports to the runs module (one-way). */
@Module({
  imports: [RunsModule, SamplesModule],
  providers: [IngestService, IngestWorker],
  exports: [IngestService],
})
export class IngestModule {}

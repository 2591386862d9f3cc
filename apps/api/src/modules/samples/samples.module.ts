import { Module } from '@nestjs/common';
import { SamplesRepository } from './samples.repository.js';
import { SamplesService } from './samples.service.js';

/** Raw request samples and the ingest ledger (RequestSample, IngestBatch): storage, summaries, reads, deletion. */
@Module({
  providers: [SamplesRepository, SamplesService],
  exports: [SamplesService],
})
export class SamplesModule {}

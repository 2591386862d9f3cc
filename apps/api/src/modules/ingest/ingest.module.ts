import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module.js';
import { IngestService } from './ingest.service.js';
import { IngestWorker } from './ingest.worker.js';
import { SamplesController } from './samples.controller.js';
import { SamplesRepository } from './samples.repository.js';
import { SamplesService } from './samples.service.js';

@Module({
  imports: [RunsModule],
  controllers: [SamplesController],
  providers: [SamplesRepository, IngestService, IngestWorker, SamplesService],
  exports: [IngestService, SamplesRepository],
})
export class IngestModule {}

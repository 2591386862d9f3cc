import { Module } from '@nestjs/common';
import { SamplesModule } from '../samples/samples.module.js';
import { TargetsModule } from '../targets/targets.module.js';
import { ExperimentsController } from './experiments.controller.js';
import { ExperimentsRepository } from './experiments.repository.js';
import { ExperimentsService } from './experiments.service.js';

@Module({
  imports: [TargetsModule, SamplesModule],
  controllers: [ExperimentsController],
  providers: [ExperimentsRepository, ExperimentsService],
  exports: [ExperimentsService],
})
export class ExperimentsModule {}

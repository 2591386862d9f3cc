import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { ExperimentsModule } from '../experiments/experiments.module.js';
import { TargetsModule } from '../targets/targets.module.js';
import { RunEventsPublisher } from './run-events.publisher.js';
import { RunLifecycleService } from './run-lifecycle.service.js';
import { RunStreamService } from './run-stream.service.js';
import { RunTelemetryRepository } from './run-telemetry.repository.js';
import { RunTelemetryService } from './run-telemetry.service.js';
import { RunSweeper } from './run-sweeper.js';
import { RunsController } from './runs.controller.js';
import { RunsRepository } from './runs.repository.js';
import { RunsService } from './runs.service.js';

@Module({
  imports: [ExperimentsModule, TargetsModule, AgentsModule],
  controllers: [RunsController],
  providers: [
    RunsRepository,
    RunsService,
    RunLifecycleService,
    RunEventsPublisher,
    RunStreamService,
    RunSweeper,
    RunTelemetryRepository,
    RunTelemetryService,
  ],
  exports: [RunLifecycleService, RunEventsPublisher, RunsService],
})
export class RunsModule {}

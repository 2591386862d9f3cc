import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { EvalsModule } from '../evals/evals.module.js';
import { ExperimentsModule } from '../experiments/experiments.module.js';
import { SamplesModule } from '../samples/samples.module.js';
import { TargetsModule } from '../targets/targets.module.js';
import { AgentSecretsController } from './agent-secrets.controller.js';
import { LoadPointSamplesController } from './load-point-samples.controller.js';
import { PointActivity } from './point-activity.js';
import { RunEventsPublisher } from './run-events.publisher.js';
import { RunEndedHooks } from './run-ended-hooks.js';
import { EvalPointReadsAdapter, ExperimentRunReadsAdapter } from './run-reads.adapters.js';
import { RunLocks } from './run-locks.js';
import { RunRecordsService } from './run-records.service.js';
import { RunStreamService } from './run-stream.service.js';
import { RunSweeper } from './run-sweeper.js';
import { RunTelemetryRepository } from './run-telemetry.repository.js';
import { RunTelemetryService } from './run-telemetry.service.js';
import { RunsController } from './runs.controller.js';
import { RunsRepository } from './runs.repository.js';
import { RunsService } from './runs.service.js';
import { CancelRun } from './use-cases/cancel-run.js';
import { CancelSignal } from './use-cases/cancel-signal.js';
import { DispatchRun } from './use-cases/dispatch-run.js';
import { FailRun } from './use-cases/fail-run.js';
import { FinalizePoint } from './use-cases/finalize-point.js';
import { HandleAgentLoss } from './use-cases/handle-agent-loss.js';
import { RecordAgentReport } from './use-cases/record-agent-report.js';
import { StartRun } from './use-cases/start-run.js';
import { SweepRuns } from './use-cases/sweep-runs.js';
import { EvalWorkItemKind } from './work-items/eval-work-item.js';
import { ImportWorkItemKind } from './work-items/import-work-item.js';
import { LoadWorkItemKind } from './work-items/load-work-item.js';
import { WorkItemKinds } from './work-items/work-item-kinds.js';

/**
 * Runs: the Run and LoadPoint tables, the lifecycle use cases over work items, live events. Depends on experiments,
 * targets, agents and samples (never the reverse); ingest depends on it (`RecordAgentReport`). Experiments and evals
 * read runs through ports they declare, bound to this module's adapters by `RunsPortsModule`.
 */
@Module({
  imports: [ExperimentsModule, TargetsModule, AgentsModule, SamplesModule, EvalsModule],
  controllers: [RunsController, LoadPointSamplesController, AgentSecretsController],
  providers: [
    RunsRepository,
    RunsService,
    RunRecordsService,
    RunEventsPublisher,
    RunEndedHooks,
    RunStreamService,
    RunSweeper,
    RunTelemetryRepository,
    RunTelemetryService,
    RunLocks,
    PointActivity,
    LoadWorkItemKind,
    ImportWorkItemKind,
    EvalWorkItemKind,
    WorkItemKinds,
    StartRun,
    DispatchRun,
    FinalizePoint,
    RecordAgentReport,
    HandleAgentLoss,
    CancelSignal,
    CancelRun,
    FailRun,
    SweepRuns,
    ExperimentRunReadsAdapter,
    EvalPointReadsAdapter,
  ],
  exports: [
    RunsService,
    RunRecordsService,
    RunEventsPublisher,
    RecordAgentReport,
    RunEndedHooks,
    // the ports of experiments and evals, bound to their tokens by RunsPortsModule
    ExperimentRunReadsAdapter,
    EvalPointReadsAdapter,
  ],
})
export class RunsModule {}

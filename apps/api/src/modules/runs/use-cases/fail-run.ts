import { Inject, Injectable } from '@nestjs/common';
import { isTerminalRunStatus } from '@inferbench/contracts';
import { LOGGER, type Logger } from '../../../common/logging/logger.js';
import { RunEventsPublisher } from '../run-events.publisher.js';
import { RunLocks } from '../run-locks.js';
import { RunTelemetryService } from '../run-telemetry.service.js';
import { RunsRepository } from '../runs.repository.js';
import { WorkItemKinds } from '../work-items/work-item-kinds.js';
import { CancelSignal } from './cancel-signal.js';

/** Fail a whole run (e.g. no live agent): its agents are told to stop, its waiting jobs taken back, its items failed. */
@Injectable()
export class FailRun {
  constructor(
    @Inject(RunsRepository) private readonly repo: RunsRepository,
    @Inject(WorkItemKinds) private readonly kinds: WorkItemKinds,
    @Inject(RunEventsPublisher) private readonly events: RunEventsPublisher,
    @Inject(RunTelemetryService) private readonly telemetry: RunTelemetryService,
    @Inject(RunLocks) private readonly locks: RunLocks,
    @Inject(CancelSignal) private readonly signal: CancelSignal,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(runId: string, reason: string): Promise<void> {
    await this.signal.send(runId);
    await this.locks.run(runId, async () => {
      const run = await this.repo.findRun(runId);
      if (!run || isTerminalRunStatus(run.status)) return;
      for (const kind of new Set(run.loadPoints.map((p) => this.kinds.of(p))))
        await kind.withdraw(
          run,
          run.loadPoints.filter((p) => this.kinds.of(p) === kind),
        );
      const ids = await this.repo.endPoints({ runId }, 'failed', reason);
      for (const id of ids) await this.events.pointStatus(runId, id, 'failed');
      await this.telemetry.storeRunHints(runId);
      if (await this.repo.finishRun(runId, 'failed', reason)) {
        this.logger.warn({ runId, reason }, 'run failed');
        await this.events.runStatus(runId, 'failed', reason);
      }
    });
  }
}

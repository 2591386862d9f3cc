import { Inject, Injectable } from '@nestjs/common';
import { isTerminalRunStatus } from '@inferbench/contracts';
import { RunEventsPublisher } from '../run-events.publisher.js';
import { RunLocks } from '../run-locks.js';
import { RunTelemetryService } from '../run-telemetry.service.js';
import { RunsRepository } from '../runs.repository.js';
import { WorkItemKinds } from '../work-items/work-item-kinds.js';
import { CancelSignal } from './cancel-signal.js';

/**
 * Cancel a run now: agents are told (cancel key and channel), waiting jobs are taken back, active items and the run
 * become `cancelled`. Returns false when the run was already terminal.
 */
@Injectable()
export class CancelRun {
  constructor(
    @Inject(RunsRepository) private readonly repo: RunsRepository,
    @Inject(WorkItemKinds) private readonly kinds: WorkItemKinds,
    @Inject(RunEventsPublisher) private readonly events: RunEventsPublisher,
    @Inject(RunTelemetryService) private readonly telemetry: RunTelemetryService,
    @Inject(RunLocks) private readonly locks: RunLocks,
    @Inject(CancelSignal) private readonly signal: CancelSignal,
  ) {}

  async execute(runId: string): Promise<boolean> {
    await this.signal.send(runId);
    return this.locks.run(runId, async () => {
      const run = await this.repo.findRun(runId);
      if (!run || isTerminalRunStatus(run.status)) return false;
      for (const kind of new Set(run.loadPoints.map((p) => this.kinds.of(p))))
        await kind.withdraw(
          run,
          run.loadPoints.filter((p) => this.kinds.of(p) === kind),
        );
      const ids = await this.repo.endPoints({ runId }, 'cancelled', 'cancelled by request');
      await this.telemetry.storeRunHints(runId);
      const changed = await this.repo.finishRun(runId, 'cancelled', null);
      for (const id of ids) await this.events.pointStatus(runId, id, 'cancelled');
      if (changed) await this.events.runStatus(runId, 'cancelled', null);
      return changed;
    });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { PointActivity } from '../point-activity.js';
import { RunEventsPublisher } from '../run-events.publisher.js';
import { RunLocks } from '../run-locks.js';
import { RunsRepository } from '../runs.repository.js';
import { WorkItemKinds } from '../work-items/work-item-kinds.js';
import { DispatchRun } from './dispatch-run.js';

/**
 * Finalize a work item once its kind says everything it waits for has arrived (for a load point: every shard
 * reported `finished` and every batch it announced is stored): store the summary with the final status (one winner:
 * a conditional update), then move the run on. Safe to call any number of times (after each stored batch, each
 * finished event, each shard the sweeper ended).
 */
@Injectable()
export class FinalizePoint {
  constructor(
    @Inject(RunsRepository) private readonly repo: RunsRepository,
    @Inject(WorkItemKinds) private readonly kinds: WorkItemKinds,
    @Inject(RunEventsPublisher) private readonly events: RunEventsPublisher,
    @Inject(RunLocks) private readonly locks: RunLocks,
    @Inject(PointActivity) private readonly activity: PointActivity,
    @Inject(DispatchRun) private readonly dispatch: DispatchRun,
  ) {}

  async tryFinalize(loadPointId: string): Promise<void> {
    const peek = await this.repo.findPoint(loadPointId);
    if (!peek || peek.summary !== null) return;
    await this.locks.run(peek.runId, async () => {
      const point = await this.repo.findPoint(loadPointId);
      if (!point || point.summary !== null || point.shardState.size < point.shards) return;
      const run = await this.repo.findRunSpec(point.runId);
      if (!run) return;
      const outcome = await this.kinds.of(point).finalize(run.spec, point);
      if (!outcome) return;
      const res = await this.repo.finalizePoint(loadPointId, outcome);
      this.activity.forget(loadPointId);
      if (res.statusChanged) {
        await this.events.pointStatus(point.runId, loadPointId, outcome.status);
        await this.dispatch.advanceLocked(point.runId);
      }
    });
  }
}

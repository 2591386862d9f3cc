import { Inject, Injectable } from '@nestjs/common';
import type { ShardState } from '@inferbench/contracts';
import { LOGGER, type Logger } from '../../../common/logging/logger.js';
import { PointActivity } from '../point-activity.js';
import { RunEventsPublisher } from '../run-events.publisher.js';
import { RunLocks } from '../run-locks.js';
import { RunsRepository } from '../runs.repository.js';
import { FinalizePoint } from './finalize-point.js';

/**
 * What agents report about a work item, as the ingest module hands it over (ingest depends on runs, never the
 * reverse): the item started, a shard ended, results arrived, or just that the agent is alive. Each may finalize
 * the item.
 */
@Injectable()
export class RecordAgentReport {
  constructor(
    @Inject(RunsRepository) private readonly repo: RunsRepository,
    @Inject(RunEventsPublisher) private readonly events: RunEventsPublisher,
    @Inject(RunLocks) private readonly locks: RunLocks,
    @Inject(PointActivity) private readonly activity: PointActivity,
    @Inject(FinalizePoint) private readonly finalizer: FinalizePoint,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** An agent spoke about this item (progress, a batch): it is not stalled. */
  heard(loadPointId: string): void {
    this.activity.touch(loadPointId);
  }

  /** queued → running for the item, and for the run if it was queued. */
  async started(runId: string, loadPointId: string): Promise<void> {
    this.activity.touch(loadPointId);
    await this.locks.run(runId, async () => {
      if (await this.repo.markPointRunning(loadPointId))
        await this.events.pointStatus(runId, loadPointId, 'running');
      if (await this.repo.markRunRunning(runId)) await this.events.runStatus(runId, 'running', null);
    });
  }

  /** A stored batch may have been the last one the item waited for. */
  async resultsStored(loadPointId: string): Promise<void> {
    await this.finalizer.tryFinalize(loadPointId);
  }

  /**
   * Record a shard's end, only if `state.attempt` is the attempt that counts for that shard (a late event of an
   * attempt abandoned after its agent died is ignored), then try to finalize the item.
   */
  async shardFinished(loadPointId: string, shardIndex: number, state: ShardState): Promise<void> {
    this.activity.touch(loadPointId);
    const recorded = await this.repo.recordShardState(loadPointId, shardIndex, state.attempt ?? 0, {
      ...state,
    });
    if (!recorded)
      this.logger.warn(
        { loadPointId, shardIndex, attempt: state.attempt },
        'ignoring the end of a stale shard attempt',
      );
    await this.finalizer.tryFinalize(loadPointId);
  }
}

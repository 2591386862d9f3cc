import { Inject, Injectable } from '@nestjs/common';
import { isTerminalPointStatus, isTerminalRunStatus, type ShardState } from '@inferbench/contracts';
import { LOGGER, type Logger } from '../../../common/logging/logger.js';
import { PointActivity } from '../point-activity.js';
import { RunLocks } from '../run-locks.js';
import { RunsRepository } from '../runs.repository.js';
import { WorkItemKinds } from '../work-items/work-item-kinds.js';
import { DispatchRun } from './dispatch-run.js';
import { FinalizePoint } from './finalize-point.js';

/** Most executions of one shard (the first plus retries after agent loss) before the point fails. */
export const MAX_SHARD_ATTEMPTS = 3;

/** An agent whose heartbeat key expired while it ran a shard, with the job its last heartbeat named. */
export interface LostAgentJob {
  agentId: string;
  job: { runId: string; loadPointId: string; shardIndex: number; attempt: number };
}

/**
 * Per the plan's `onAgentLoss`: `retry` re-dispatches the shard as attempt + 1 for another agent of the pool (the dead
 * attempt's results stay stored but no longer count), `fail` ends the shard as failed ("agent X stopped (no
 * heartbeat) during shard i") with what it delivered, so the item fails once its other shards end. A shard that
 * already reported its end at that attempt, or whose attempt moved on, is left alone.
 */
@Injectable()
export class HandleAgentLoss {
  constructor(
    @Inject(RunsRepository) private readonly repo: RunsRepository,
    @Inject(WorkItemKinds) private readonly kinds: WorkItemKinds,
    @Inject(RunLocks) private readonly locks: RunLocks,
    @Inject(PointActivity) private readonly activity: PointActivity,
    @Inject(DispatchRun) private readonly dispatch: DispatchRun,
    @Inject(FinalizePoint) private readonly finalizer: FinalizePoint,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Returns how many shards were retried or failed. */
  async handle(lost: readonly LostAgentJob[]): Promise<number> {
    let handled = 0;
    for (const { agentId, job } of lost) {
      const done = await this.locks.run(job.runId, () => this.handleLocked(agentId, job));
      if (done) {
        handled++;
        await this.finalizer.tryFinalize(job.loadPointId);
      }
    }
    return handled;
  }

  private async handleLocked(agentId: string, job: LostAgentJob['job']): Promise<boolean> {
    const point = await this.repo.findPoint(job.loadPointId);
    if (!point || isTerminalPointStatus(point.status) || job.shardIndex >= point.shards) return false;
    if ((point.shardAttempts.get(job.shardIndex) ?? 0) !== job.attempt) return false;
    const st = point.shardState.get(job.shardIndex);
    if (st && (st.attempt ?? 0) === job.attempt) return false;
    const run = await this.repo.findRun(job.runId);
    if (!run || isTerminalRunStatus(run.status)) return false;
    const kind = this.kinds.of(point);
    const lostMsg = `agent ${agentId} stopped (no heartbeat) during shard ${job.shardIndex}`;
    const policy = run.spec.loadPlan.onAgentLoss ?? 'retry';
    if (policy === 'retry' && job.attempt + 1 < MAX_SHARD_ATTEMPTS) {
      const next = job.attempt + 1;
      if (!(await this.repo.setShardAttempt(point.id, job.shardIndex, job.attempt, next))) return false;
      this.logger.warn(
        { runId: job.runId, loadPointId: point.id, shard: job.shardIndex, attempt: next },
        `${lostMsg}; retrying the shard`,
      );
      this.activity.touch(point.id);
      const fresh = await this.repo.findPoint(point.id);
      if (fresh) {
        const refused = await kind.dispatch(run, fresh, { shard: job.shardIndex, attempt: next });
        if (refused !== null) await this.dispatch.failItemLocked(run.id, point.id, refused);
      }
      return true;
    }
    const reason = policy === 'retry' ? `${lostMsg} (gave up after ${MAX_SHARD_ATTEMPTS} attempts)` : lostMsg;
    this.logger.warn({ runId: job.runId, loadPointId: point.id, shard: job.shardIndex }, reason);
    // what the dead attempt delivered counts as its batches, so the point can finalize with a partial summary
    const batches = await kind.deliveredBatches(point, { shard: job.shardIndex, attempt: job.attempt });
    await this.repo.recordShardState(point.id, job.shardIndex, job.attempt, {
      status: 'failed',
      batchCount: batches,
      reason,
      warnings: [],
      attempt: job.attempt,
      agentId,
    } satisfies ShardState);
    return true;
  }
}

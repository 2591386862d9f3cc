import { Inject, Injectable } from '@nestjs/common';
import { isTerminalRunStatus } from '@inferbench/contracts';
import { CONFIG, type AppConfig } from '../../../config.js';
import { LOGGER, type Logger } from '../../../common/logging/logger.js';
import { PointActivity } from '../point-activity.js';
import { waitingPools } from '../run-chains.js';
import { RunEventsPublisher } from '../run-events.publisher.js';
import { RunLocks } from '../run-locks.js';
import { RunsRepository } from '../runs.repository.js';
import { DispatchRun } from './dispatch-run.js';
import { FailRun } from './fail-run.js';

/**
 * The sweeper's repairs of runs: re-dispatch runs committed but never handed to the queue, fail items whose agent went
 * silent, fail runs that wait on a pool with no live agent.
 */
@Injectable()
export class SweepRuns {
  constructor(
    @Inject(RunsRepository) private readonly repo: RunsRepository,
    @Inject(RunEventsPublisher) private readonly events: RunEventsPublisher,
    @Inject(RunLocks) private readonly locks: RunLocks,
    @Inject(PointActivity) private readonly activity: PointActivity,
    @Inject(DispatchRun) private readonly dispatch: DispatchRun,
    @Inject(FailRun) private readonly failRun: FailRun,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Re-dispatch runs left `queued` without `enqueuedAt` (the process died between commit and enqueue). */
  async reenqueueStuckRuns(olderThanMs: number): Promise<number> {
    const ids = await this.repo.findUnenqueuedRuns(new Date(Date.now() - olderThanMs));
    for (const id of ids) {
      this.logger.warn({ runId: id }, 're-enqueuing a run that was never handed to the queue');
      await this.dispatch.advance(id);
    }
    return ids.length;
  }

  /** Fail running items whose agent has been silent for STALL_TIMEOUT_SEC. */
  async failStalledPoints(nowMs = Date.now()): Promise<number> {
    const stallMs = this.config.runs.stallTimeoutSec * 1000;
    let failed = 0;
    for (const p of await this.repo.findRunningPoints()) {
      if (nowMs - this.activity.lastSeen(p.id, p.startedAt) <= stallMs) continue;
      const reason = `agent stopped reporting (no event for ${this.config.runs.stallTimeoutSec} s)`;
      await this.locks.run(p.runId, async () => {
        const ids = await this.repo.endPoints({ runId: p.runId, ids: [p.id] }, 'failed', reason);
        if (!ids.length) return;
        failed++;
        this.activity.forget(p.id);
        this.logger.warn({ runId: p.runId, loadPointId: p.id }, reason);
        await this.events.pointStatus(p.runId, p.id, 'failed');
        await this.dispatch.advanceLocked(p.runId);
      });
    }
    return failed;
  }

  /**
   * Fail active runs that wait on a pool with no live agent for longer than NO_AGENT_WAIT_SEC (counted from the later
   * of the run's creation and the pool's last heartbeat).
   */
  async failRunsWithoutAgents(
    livePools: ReadonlySet<string>,
    lastHeartbeatByPool: ReadonlyMap<string, Date>,
    nowMs = Date.now(),
  ): Promise<number> {
    const waitSec = this.config.runs.noAgentWaitSec;
    let failed = 0;
    for (const runId of await this.repo.findActiveRunIds()) {
      const run = await this.repo.findRun(runId);
      if (!run || isTerminalRunStatus(run.status)) continue;
      for (const pool of waitingPools(run)) {
        if (livePools.has(pool)) continue;
        const since = Math.max(run.createdAt.getTime(), lastHeartbeatByPool.get(pool)?.getTime() ?? 0);
        if (nowMs - since <= waitSec * 1000) continue;
        await this.failRun.execute(runId, `no live agent in pool '${pool}' for ${waitSec} s`);
        failed++;
        break;
      }
    }
    return failed;
  }
}

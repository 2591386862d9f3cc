import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, type AppConfig } from '../../config.js';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { AgentsService } from '../agents/agents.service.js';
import { HandleAgentLoss } from './use-cases/handle-agent-loss.js';
import { SweepRuns } from './use-cases/sweep-runs.js';

/** A queued run without `enqueuedAt` is considered stuck after this long (the enqueue normally takes ms). */
export const STUCK_QUEUED_AFTER_MS = 3_000;

/**
 * Periodic repairs, every SWEEP_INTERVAL_MS: refresh the agent registry (marks expired agents offline),
 * retry or fail the shards of agents that died mid-point (the plan's `onAgentLoss`), re-enqueue runs that were committed but never enqueued, fail running points whose agent went silent,
 * and fail runs that wait on a pool with no live agent. Ticks never overlap.
 */
@Injectable()
export class RunSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(SweepRuns) private readonly repairs: SweepRuns,
    @Inject(HandleAgentLoss) private readonly agentLoss: HandleAgentLoss,
    @Inject(AgentsService) private readonly agents: AgentsService,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((err: unknown) => this.logger.error({ err }, 'sweep failed'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.config.runs.sweepIntervalMs);
    this.timer.unref();
  }

  /** One pass of every repair (also called directly by tests). */
  async sweep(): Promise<void> {
    await this.agents.refresh();
    const lost = await this.agents.lostJobs();
    if (lost.length) {
      await this.agentLoss.handle(lost);
      for (const l of lost) await this.agents.forgetLostJob(l.agentId);
    }
    await this.repairs.reenqueueStuckRuns(STUCK_QUEUED_AFTER_MS);
    await this.repairs.failStalledPoints();
    await this.repairs.failRunsWithoutAgents(
      this.agents.livePools(),
      await this.agents.lastHeartbeatByPool(),
    );
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { runEventsChannel, type ProgressEvent, type RunStatus, type RunStreamEvent } from '@inferbench/contracts';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { RedisService } from '../../infra/redis/redis.service.js';

/**
 * Publishes a run's live events on `runEventsChannel(prefix, runId)`; the SSE endpoint relays them.
 * Publishing is best effort: a lost event is corrected by the next snapshot a client fetches.
 */
@Injectable()
export class RunEventsPublisher {
  constructor(
    @Inject(RedisService) private readonly redis: RedisService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  channel(runId: string): string {
    return runEventsChannel(this.redis.prefix, runId);
  }

  runStatus(runId: string, status: RunStatus, error: string | null): Promise<void> {
    return this.publish({ type: 'run.status', runId, status, error });
  }

  pointStatus(runId: string, loadPointId: string, status: RunStatus): Promise<void> {
    return this.publish({ type: 'loadpoint.status', runId, loadPointId, status });
  }

  progress(ev: ProgressEvent): Promise<void> {
    return this.publish({
      type: 'loadpoint.progress',
      runId: ev.runId,
      loadPointId: ev.loadPointId,
      shardIndex: ev.shardIndex,
      window: ev.window,
      totals: ev.totals,
    });
  }

  private async publish(event: RunStreamEvent): Promise<void> {
    try {
      await this.redis.publish(this.channel(event.runId), event);
    } catch (err) {
      this.logger.warn({ err, runId: event.runId, type: event.type }, 'could not publish a run event');
    }
  }
}

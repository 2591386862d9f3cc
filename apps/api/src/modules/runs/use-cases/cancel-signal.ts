import { Inject, Injectable } from '@nestjs/common';
import { cancelChannel, cancelKey } from '@inferbench/contracts';
import { RedisService } from '../../../infra/redis/redis.service.js';

/** Seconds the cancel key lives (agents check it before starting a job). */
const CANCEL_KEY_TTL_SEC = 24 * 3600;

/** Tells agents to stop or skip a run's jobs: the cancel key (TTL a day) and a broadcast of `{runId}`. */
@Injectable()
export class CancelSignal {
  constructor(@Inject(RedisService) private readonly redis: RedisService) {}

  async send(runId: string): Promise<void> {
    const p = this.redis.prefix;
    await this.redis.command.set(cancelKey(p, runId), '1', 'EX', CANCEL_KEY_TTL_SEC);
    await this.redis.publish(cancelChannel(p), { runId });
  }
}

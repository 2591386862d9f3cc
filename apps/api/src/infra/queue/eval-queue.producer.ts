import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { evalJobId, JOBS, parseJob, QUEUES, type EvalJobInput } from '@inferbench/contracts';
import { RedisService } from '../redis/redis.service.js';
import { LOGGER, type Logger } from '../../common/logging/logger.js';

const KEEP_FINISHED_JOBS_SEC = 24 * 3600;

/**
 * Typed producer of the `eval` queue (`eval.execute` on `eval.<pool>`). Job ids are `evalJobId(workItem, attempt)`,
 * so dispatching the same work item twice is a no-op while BullMQ still holds the job.
 */
@Injectable()
export class EvalQueueProducer implements OnModuleDestroy {
  private readonly queues = new Map<string, Queue>();

  constructor(
    @Inject(RedisService) private readonly redis: RedisService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  queue(pool: string): Queue {
    let q = this.queues.get(pool);
    if (!q) {
      q = new Queue(QUEUES.eval.name(pool), { connection: this.redis.bullmq, prefix: this.redis.prefix });
      q.on('error', (err) => this.logger.warn({ err: err.message, pool }, 'eval queue error'));
      this.queues.set(pool, q);
    }
    return q;
  }

  async enqueue(pool: string, payload: EvalJobInput): Promise<string> {
    const data = parseJob('eval.execute', payload);
    const jobId = evalJobId(data.workItemId, data.attempt);
    await this.queue(pool).add('eval.execute', data, {
      jobId,
      attempts: JOBS['eval.execute'].attempts,
      removeOnComplete: { age: KEEP_FINISHED_JOBS_SEC },
      removeOnFail: { age: KEEP_FINISHED_JOBS_SEC },
    });
    return jobId;
  }

  /** Remove jobs no agent has picked up yet (cancel, run failure). */
  async removeWaiting(pool: string, jobIds: readonly string[]): Promise<void> {
    for (const id of jobIds) {
      const state = await this.queue(pool).getJobState(id);
      if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') continue;
      await this.queue(pool)
        .remove(id)
        .catch((err: unknown) => this.logger.debug({ err, jobId: id }, 'could not remove eval job'));
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}

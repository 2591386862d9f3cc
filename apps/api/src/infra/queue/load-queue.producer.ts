import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import {
  JOBS,
  loadPointJobId,
  parseJob,
  QUEUES,
  type JobInput,
  type JobsOn,
  type LoadPointJob,
} from '@inferbench/contracts';
import { RedisService } from '../redis/redis.service.js';
import { LOGGER, type Logger } from '../../common/logging/logger.js';

/** A day: long enough that a re-add of the same jobId (sweeper, duplicate advance) is still deduplicated. */
const KEEP_FINISHED_JOBS_SEC = 24 * 3600;

/**
 * Typed producer of the `load` queue's jobs of the job catalog (`loadpoint.execute` on `load.<pool>`: one
 * BullMQ queue per agent pool, created lazily, all under the configured prefix). Job ids are `loadPointJobId(lp, shard)`, so enqueuing the same
 * shard twice is a no-op while BullMQ still holds the job (finished jobs are kept a day for that reason).
 */
@Injectable()
export class LoadQueueProducer implements OnModuleDestroy {
  private readonly queues = new Map<string, Queue>();

  constructor(
    @Inject(RedisService) private readonly redis: RedisService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The BullMQ queue of an agent pool. */
  queue(pool: string): Queue {
    let q = this.queues.get(pool);
    if (!q) {
      q = new Queue(QUEUES.load.name(pool), { connection: this.redis.bullmq, prefix: this.redis.prefix });
      q.on('error', (err) => this.logger.warn({ err: err.message, pool }, 'load queue error'));
      this.queues.set(pool, q);
    }
    return q;
  }

  /** Pools whose queue this process has opened (enqueued to, withdrew from, or collected metrics of). */
  pools(): string[] {
    return [...this.queues.keys()];
  }

  /** Enqueue one shard of a load point (payload validated against the contract first). */
  async enqueue(pool: string, payload: LoadPointJob): Promise<string> {
    const jobId = loadPointJobId(payload.loadPointId, payload.shard.index, payload.attempt ?? 0);
    await this.add(pool, 'loadpoint.execute', payload, jobId);
    return jobId;
  }

  /** Add one catalog job of the `load` queue: validated with its schema, with the catalog's retry policy. */
  private async add<K extends JobsOn<'load'>>(
    pool: string,
    name: K,
    payload: JobInput<K>,
    jobId: string,
  ): Promise<void> {
    const data = parseJob(name, payload);
    await this.queue(pool).add(name, data, {
      jobId,
      attempts: JOBS[name].attempts,
      removeOnComplete: { age: KEEP_FINISHED_JOBS_SEC },
      removeOnFail: { age: KEEP_FINISHED_JOBS_SEC },
    });
  }

  /**
   * Remove jobs that no agent has picked up yet. An active (locked) job cannot be removed; the agent
   * running it stops on the cancel broadcast instead. Returns how many were removed.
   */
  async removeWaiting(pool: string, jobIds: readonly string[]): Promise<number> {
    let removed = 0;
    for (const id of jobIds) {
      const state = await this.queue(pool).getJobState(id);
      if (
        state !== 'waiting' &&
        state !== 'delayed' &&
        state !== 'prioritized' &&
        state !== 'waiting-children'
      )
        continue;
      try {
        removed += (await this.queue(pool).remove(id)) ? 1 : 0;
      } catch (err) {
        // the job became active between the state check and the removal
        this.logger.debug({ err, jobId: id }, 'could not remove job');
      }
    }
    return removed;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}

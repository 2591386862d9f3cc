import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Queue, Worker, type Job } from 'bullmq';
import { JOBS, parseJob, QUEUES, type JobInput } from '@inferbench/contracts';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { RedisService } from '../../infra/redis/redis.service.js';
import { RunEndedHooks } from '../runs/run-ended-hooks.js';
import { WebhooksService } from './webhooks.service.js';

const JOB = 'webhook.deliver' as const;

/**
 * Producer and consumer of the `webhooks` queue (job catalog: `webhook.deliver`, retried with exponential backoff).
 * Registers with the runs module's run-ended hooks: a run that ends gets its deliveries recorded and enqueued.
 */
@Injectable()
export class WebhooksQueue implements OnApplicationBootstrap, OnModuleDestroy {
  private queue: Queue | undefined;
  private worker: Worker | undefined;

  constructor(
    @Inject(WebhooksService) private readonly webhooks: WebhooksService,
    @Inject(RunEndedHooks) private readonly ended: RunEndedHooks,
    @Inject(RedisService) private readonly redis: RedisService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const opts = { connection: this.redis.bullmq, prefix: this.redis.prefix };
    this.queue = new Queue(QUEUES.webhooks.name(), opts);
    this.queue.on('error', (err) => this.logger.warn({ err: err.message }, 'webhooks queue error'));
    this.worker = new Worker(QUEUES.webhooks.name(), (job) => this.process(job), {
      ...opts,
      concurrency: 4,
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
    });
    this.worker.on('error', (err) => this.logger.warn({ err: err.message }, 'webhooks worker error'));
    this.ended.register(async (runId) => {
      const ids = await this.webhooks.recordRunEnded(runId);
      for (const deliveryId of ids) await this.enqueue({ deliveryId });
    });
  }

  private async enqueue(payload: JobInput<typeof JOB>): Promise<void> {
    const data = parseJob(JOB, payload);
    const def = JOBS[JOB];
    await this.queue!.add(JOB, data, {
      jobId: `delivery-${data.deliveryId}`,
      attempts: def.attempts,
      backoff: def.backoff,
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  private async process(job: Job): Promise<void> {
    if (job.name !== JOB) return;
    const parsed = JOBS[JOB].schema.safeParse(job.data);
    if (!parsed.success) {
      this.logger.error({ jobId: job.id }, 'dropping a webhook job that does not match its schema');
      return;
    }
    await this.webhooks.attempt(parsed.data.deliveryId, job.attemptsMade + 1, job.opts.attempts ?? 1);
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
  }
}

import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Worker, type Job } from 'bullmq';
import { QUEUES } from '@inferbench/contracts';
import { CONFIG, type AppConfig } from '../../config.js';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { RedisService } from '../../infra/redis/redis.service.js';
import { AgentEventAuth } from './agent-event-auth.js';
import { IngestEventSchema } from './ingest-event.schema.js';
import { IngestService } from './ingest.service.js';

/**
 * BullMQ consumer of the `ingest` queue. Never trusts Redis: every job must be signed by a live agent credential of
 * the work item's pool (AgentEventAuth; for a columnar-v2 sample batch the signature covers its base64 payload), and is
 * parsed as an AgentWireEvent (IngestEventSchema: the contract's schema with a cheaper chunk-gap check);
 * an invalid one is logged and dropped (the job completes, so it is not retried). Handler errors (e.g. the
 * database is down) fail the job, and BullMQ retries it as the job catalog's ingest retry policy allows.
 */
@Injectable()
export class IngestWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private worker: Worker | undefined;

  constructor(
    @Inject(IngestService) private readonly ingest: IngestService,
    @Inject(AgentEventAuth) private readonly agentAuth: AgentEventAuth,
    @Inject(RedisService) private readonly redis: RedisService,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = new Worker(QUEUES.ingest.name(), (job) => this.process(job), {
      connection: this.redis.bullmq,
      prefix: this.redis.prefix,
      concurrency: this.config.ingest.concurrency,
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
    });
    this.worker.on('error', (err) => this.logger.warn({ err: err.message }, 'ingest worker error'));
    this.worker.on('failed', (job, err) =>
      this.logger.error({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'ingest job failed'),
    );
  }

  /** Exposed for tests: process one job's data as the worker would. */
  async process(job: Pick<Job, 'id' | 'data'>): Promise<void> {
    const checked = await this.agentAuth.check(job.data);
    if (!checked.ok) {
      this.logger.error(
        { jobId: job.id, reason: checked.reason },
        'dropping an ingest job from no valid agent credential',
      );
      return;
    }
    const parsed = IngestEventSchema.safeParse(checked.body);
    if (!parsed.success) {
      this.logger.error(
        { jobId: job.id, issues: parsed.error.issues.slice(0, 5) },
        'dropping an ingest job that is not a valid AgentEvent',
      );
      return;
    }
    await this.ingest.handle(parsed.data);
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }
}

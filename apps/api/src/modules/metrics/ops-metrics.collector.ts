import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { QUEUES, RunStatusSchema } from '@inferbench/contracts';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { ApiMetrics } from '../../infra/metrics/api-metrics.js';
import { LoadQueueProducer } from '../../infra/queue/load-queue.producer.js';
import { RedisService } from '../../infra/redis/redis.service.js';
import { AgentsService } from '../agents/agents.service.js';
import { RunRecordsService } from '../runs/run-records.service.js';

/** Scrapes within this long of the last collection reuse it (Prometheus and Grafana may scrape in bursts). */
export const OPS_METRICS_CACHE_MS = 2000;

/** Job states reported per queue. */
export const QUEUE_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

export interface QueueSnapshot {
  queue: string;
  /** the agent pool of a `load.<pool>` queue; empty for the ingest queue */
  pool: string;
  counts: Record<(typeof QUEUE_STATES)[number], number>;
  /** age of the oldest waiting job, seconds (0 when none waits) */
  oldestWaitingAgeSec: number;
}

export interface OpsSnapshot {
  runsByStatus: Map<string, number>;
  queues: QueueSnapshot[];
}

/**
 * Scrape-time gauges: runs by status (one grouped count in PostgreSQL) and, for the ingest queue and every
 * `load.<pool>` queue (pools that have had an agent, plus pools this process enqueued to), job counts by state and
 * the age of the oldest waiting job (BullMQ `getJobCounts` / `getWaiting(0, 0)`). Collected when scraped, at most
 * once per {@link OPS_METRICS_CACHE_MS}, concurrent scrapes sharing one collection.
 */
@Injectable()
export class OpsMetricsCollector implements OnModuleInit, OnModuleDestroy {
  private ingestQueue: Queue | undefined;
  private cached: { at: number; value: Promise<OpsSnapshot> } | undefined;

  constructor(
    @Inject(ApiMetrics) private readonly metrics: ApiMetrics,
    @Inject(RunRecordsService) private readonly runs: RunRecordsService,
    @Inject(AgentsService) private readonly agents: AgentsService,
    @Inject(LoadQueueProducer) private readonly loadQueues: LoadQueueProducer,
    @Inject(RedisService) private readonly redis: RedisService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    if (!this.metrics.enabled) return;
    const registers = [this.metrics.registry];
    const snapshot = () => this.snapshot();
    new Gauge({
      name: 'inferbench_runs',
      help: 'Runs by status (all stored runs).',
      labelNames: ['status'],
      registers,
      async collect() {
        const { runsByStatus } = await snapshot();
        for (const status of RunStatusSchema.options) this.set({ status }, runsByStatus.get(status) ?? 0);
      },
    });
    new Gauge({
      name: 'inferbench_queue_jobs',
      help: 'BullMQ jobs by queue and state (load.<pool> queues and the ingest queue).',
      labelNames: ['queue', 'pool', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const q of (await snapshot()).queues) {
          for (const state of QUEUE_STATES)
            this.set({ queue: q.queue, pool: q.pool, state }, q.counts[state]);
        }
      },
    });
    new Gauge({
      name: 'inferbench_queue_oldest_waiting_age_seconds',
      help: 'Age of the oldest waiting job of each queue, seconds (0 when none waits).',
      labelNames: ['queue', 'pool'],
      registers,
      async collect() {
        this.reset();
        for (const q of (await snapshot()).queues)
          this.set({ queue: q.queue, pool: q.pool }, q.oldestWaitingAgeSec);
      },
    });
  }

  /** The current (or a cached, at most {@link OPS_METRICS_CACHE_MS} old) snapshot. */
  snapshot(now = Date.now()): Promise<OpsSnapshot> {
    if (this.cached && now - this.cached.at < OPS_METRICS_CACHE_MS) return this.cached.value;
    const value = this.collect(now);
    this.cached = { at: now, value };
    // a failed collection is not cached: the next scrape tries again
    value.catch((err: unknown) => {
      if (this.cached?.value === value) this.cached = undefined;
      this.logger.warn({ err }, 'collecting queue/run metrics failed');
    });
    return value;
  }

  private async collect(now: number): Promise<OpsSnapshot> {
    const pools = new Set([...this.loadQueues.pools(), ...this.agents.livePools()]);
    for (const pool of (await this.agents.lastHeartbeatByPool()).keys()) pools.add(pool);
    this.ingestQueue ??= new Queue(QUEUES.ingest.name(), {
      connection: this.redis.bullmq,
      prefix: this.redis.prefix,
    });
    const targets = [
      { queue: QUEUES.ingest.name(), pool: '', handle: this.ingestQueue },
      ...[...pools].sort().map((pool) => ({
        queue: QUEUES.load.name(pool),
        pool,
        handle: this.loadQueues.queue(pool),
      })),
    ];
    const [runsByStatus, queues] = await Promise.all([
      this.runs.countRunsByStatus(),
      Promise.all(targets.map((t) => queueSnapshot(t.queue, t.pool, t.handle, now))),
    ]);
    return { runsByStatus, queues };
  }

  async onModuleDestroy(): Promise<void> {
    await this.ingestQueue?.close();
  }
}

async function queueSnapshot(
  queue: string,
  pool: string,
  handle: Queue,
  now: number,
): Promise<QueueSnapshot> {
  const [raw, oldest] = await Promise.all([handle.getJobCounts(...QUEUE_STATES), handle.getWaiting(0, 0)]);
  const counts = Object.fromEntries(QUEUE_STATES.map((s) => [s, raw[s] ?? 0])) as QueueSnapshot['counts'];
  const ts = oldest[0]?.timestamp;
  return { queue, pool, counts, oldestWaitingAgeSec: ts ? Math.max(0, (now - ts) / 1000) : 0 };
}

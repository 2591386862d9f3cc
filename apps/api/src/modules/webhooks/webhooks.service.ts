import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { RunFinishedWebhook, WebhookDelivery, WebhookDeliveryList } from '@inferbench/contracts';
import { WEBHOOK_HEADERS } from '@inferbench/contracts';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { ExperimentsService } from '../experiments/experiments.service.js';
import { RunRecordsService } from '../runs/run-records.service.js';
import { signWebhook } from './webhook-signature.js';
import { WebhooksRepository, type DeliveryRow } from './webhooks.repository.js';

/** Per-attempt time limit of a delivery, ms. */
export const DELIVERY_TIMEOUT_MS = 10_000;

export function toDelivery(r: DeliveryRow): WebhookDelivery {
  return {
    id: r.id,
    experimentId: r.experimentId,
    runId: r.runId,
    event: r.event,
    url: r.url,
    status: r.status as WebhookDelivery['status'],
    attempts: r.attempts,
    lastStatusCode: r.lastStatusCode,
    lastError: r.lastError,
    createdAt: r.createdAt.toISOString(),
    deliveredAt: r.deliveredAt?.toISOString() ?? null,
    updatedAt: r.updatedAt.toISOString(),
  };
}

/**
 * Experiment webhooks: when a run ends, one delivery per webhook of its experiment is recorded (with the exact body)
 * and queued; each attempt POSTs it signed, and the log keeps how every attempt went.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @Inject(WebhooksRepository) private readonly repo: WebhooksRepository,
    @Inject(RunRecordsService) private readonly runs: RunRecordsService,
    @Inject(ExperimentsService) private readonly experiments: ExperimentsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Record the deliveries of a run that ended; returns the ids to enqueue (none when already recorded). */
  async recordRunEnded(runId: string): Promise<string[]> {
    const run = await this.runs.findRun(runId);
    if (!run) return [];
    const hooks = await this.experiments.webhooksForDelivery(run.experimentId);
    if (!hooks.length) return [];
    const points = run.loadPoints
      .filter((p) => !('kind' in p) || (p as { kind?: unknown }).kind === 'load')
      .map((p) => {
        const s = p.summary && !('aggregatesOnly' in p.summary) ? p.summary : null;
        return {
          variantLabel: p.variantLabel,
          levelLabel: p.levelLabel,
          status: p.status,
          ttftP95Ms: s?.latency.ttftMs?.p95 ?? null,
          ttftP99Ms: s?.latency.ttftMs?.p99 ?? null,
          tpotP95Ms: s?.latency.tpotMs?.p95 ?? null,
          e2eP95Ms: s?.latency.e2eMs?.p95 ?? null,
          outputTokenThroughput: s?.outputTokenThroughput ?? null,
          errorRate: s?.errorRate ?? null,
        };
      });
    const rows = hooks.map((h) => {
      const id = randomUUID();
      const body: RunFinishedWebhook = {
        event: 'run.finished',
        deliveryId: id,
        run: {
          id: run.id,
          experimentId: run.experimentId,
          experimentName: run.experimentName,
          status: run.status,
          error: run.error,
          trigger: run.trigger,
          metadata: run.metadata,
          createdAt: run.createdAt.toISOString(),
          startedAt: run.startedAt?.toISOString() ?? null,
          finishedAt: run.finishedAt?.toISOString() ?? null,
        },
        points,
      };
      return {
        id,
        experimentId: run.experimentId,
        runId,
        event: 'run.finished',
        url: h.url,
        payload: JSON.stringify(body),
      };
    });
    return this.repo.createDeliveries(rows);
  }

  /**
   * One attempt (`attempt` is 1-based, of `maxAttempts`). Throws when it failed so the queue retries it; the last
   * failed attempt marks the delivery `failed`.
   */
  async attempt(deliveryId: string, attempt: number, maxAttempts: number): Promise<void> {
    const d = await this.repo.find(deliveryId);
    if (!d || d.status === 'delivered') return;
    const hook = (await this.experiments.webhooksForDelivery(d.experimentId).catch(() => [])).find(
      (h) => h.url === d.url,
    );
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'inferbench-webhooks',
      [WEBHOOK_HEADERS.event]: d.event,
      [WEBHOOK_HEADERS.delivery]: d.id,
      [WEBHOOK_HEADERS.timestamp]: timestamp,
    };
    if (hook?.secret) headers[WEBHOOK_HEADERS.signature] = signWebhook(hook.secret, timestamp, d.payload);
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers,
        body: d.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      statusCode = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) error = `answered HTTP ${res.status}`;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      error =
        e.name === 'TimeoutError'
          ? `no answer within ${DELIVERY_TIMEOUT_MS / 1000} s`
          : (e.cause?.code ?? e.cause?.message ?? e.message);
    }
    if (error === null) {
      await this.repo.recordAttempt(d.id, {
        status: 'delivered',
        attempts: attempt,
        lastStatusCode: statusCode,
        lastError: null,
        deliveredAt: new Date(),
      });
      return;
    }
    const last = attempt >= maxAttempts;
    await this.repo.recordAttempt(d.id, {
      status: last ? 'failed' : 'pending',
      attempts: attempt,
      lastStatusCode: statusCode,
      lastError: error.slice(0, 500),
    });
    this.logger.warn({ deliveryId: d.id, url: d.url, attempt, error }, 'webhook delivery attempt failed');
    throw new Error(`webhook ${d.url}: ${error}`);
  }

  async list(experimentId: string, limit: number, offset: number): Promise<WebhookDeliveryList> {
    await this.experiments.getRow(experimentId); // 404 for an unknown experiment
    const { rows, total } = await this.repo.list(experimentId, limit, offset);
    return { items: rows.map(toDelivery), total };
  }
}

import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RunStreamEventSchema, type RunStreamEvent } from '@inferbench/contracts';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { RedisService } from '../../infra/redis/redis.service.js';
import { RunEventsPublisher } from './run-events.publisher.js';
import { isTerminal } from './runs.mapper.js';
import { RunsService } from './runs.service.js';

/** Comment line sent this often so proxies keep an idle stream open. */
export const SSE_KEEPALIVE_MS = 15_000;

/**
 * `GET /runs/:id/events`: a Server-Sent Events stream of one run. It subscribes to the run's channel
 * first, then sends a `run.status` snapshot (so no change between the two is lost), relays every
 * RunStreamEvent as a `data:` line with an incrementing `id:`, and ends once the run is terminal.
 */
@Injectable()
export class RunStreamService implements OnModuleDestroy {
  /** open streams, ended on shutdown (an open SSE response would otherwise hold the HTTP server open) */
  private readonly open = new Set<() => void>();

  constructor(
    @Inject(RunsService) private readonly runs: RunsService,
    @Inject(RedisService) private readonly redis: RedisService,
    @Inject(RunEventsPublisher) private readonly events: RunEventsPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async stream(runId: string, reply: FastifyReply): Promise<void> {
    // unknown run → the normal 404 envelope, before any streaming starts
    await this.runs.getRunStatus(runId);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();

    let seq = 0;
    let closed = false;
    let snapshotSent = false;
    const pending: RunStreamEvent[] = [];
    let unsubscribe: (() => Promise<void>) | undefined;
    let keepAlive: NodeJS.Timeout | undefined;

    const close = () => {
      if (closed) return;
      closed = true;
      this.open.delete(close);
      if (keepAlive) clearInterval(keepAlive);
      void unsubscribe?.().catch(() => undefined);
      if (!res.writableEnded) res.end();
    };
    const send = (event: RunStreamEvent) => {
      if (closed) return;
      res.write(`id: ${++seq}\ndata: ${JSON.stringify(event)}\n\n`);
      if (event.type === 'run.status' && isTerminal(event.status)) close();
    };
    res.on('close', close);
    this.open.add(close);

    try {
      unsubscribe = await this.redis.subscribe(this.events.channel(runId), (message) => {
        let json: unknown;
        try {
          json = JSON.parse(message);
        } catch {
          return;
        }
        const parsed = RunStreamEventSchema.safeParse(json);
        if (!parsed.success) return;
        if (snapshotSent) send(parsed.data);
        else pending.push(parsed.data);
      });
      if (closed) {
        await unsubscribe();
        return;
      }
      const snap = await this.runs.getRunStatus(runId);
      send({ type: 'run.status', runId, status: snap.status, error: snap.error });
      snapshotSent = true;
      for (const e of pending.splice(0)) send(e);
      keepAlive = setInterval(() => {
        if (!closed) res.write(': keep-alive\n\n');
      }, SSE_KEEPALIVE_MS);
      keepAlive.unref();
    } catch (err) {
      this.logger.warn({ err, runId }, 'run event stream failed');
      close();
    }
  }

  onModuleDestroy(): void {
    for (const close of [...this.open]) close();
  }
}

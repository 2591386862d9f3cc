import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isTerminalRunStatus, RunStreamEventSchema, type RunStreamEvent } from '@inferbench/contracts';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { ApiMetrics } from '../../infra/metrics/api-metrics.js';
import { RedisService } from '../../infra/redis/redis.service.js';
import { RunEventsPublisher } from './run-events.publisher.js';
import { RunsService } from './runs.service.js';

/** Comment line sent this often so proxies keep an idle stream open. */
export const SSE_KEEPALIVE_MS = 15_000;
/** Entries read per XRANGE call while replaying after a `Last-Event-ID`. */
const REPLAY_PAGE = 500;
/** The SSE id of a snapshot taken while the run's stream is empty: resuming from it replays the whole stream. */
const STREAM_START_ID = '0-0';

/** A Redis Stream entry id `<ms>-<seq>` as two bigints, or null when `s` is not one (a bare `<ms>` means seq 0). */
export function parseStreamId(s: string | undefined | null): [bigint, bigint] | null {
  const m = /^(\d{1,20})(?:-(\d{1,20}))?$/.exec(s?.trim() ?? '');
  return m ? [BigInt(m[1]!), BigInt(m[2] ?? '0')] : null;
}

/** Order of two stream ids (negative when a < b); ids compare by time, then sequence, as Redis orders them. */
export function compareStreamIds(a: string, b: string): number {
  const x = parseStreamId(a) ?? [0n, 0n];
  const y = parseStreamId(b) ?? [0n, 0n];
  if (x[0] !== y[0]) return x[0] < y[0] ? -1 : 1;
  return x[1] === y[1] ? 0 : x[1] < y[1] ? -1 : 1;
}

/** Split a live pub/sub message `<entry id>\n<event JSON>` and validate the event; null when malformed. */
export function parseLiveMessage(message: string): { id: string; event: RunStreamEvent } | null {
  const nl = message.indexOf('\n');
  if (nl < 0) return null;
  const id = message.slice(0, nl);
  if (!parseStreamId(id)) return null;
  const event = parseEventJson(message.slice(nl + 1));
  return event ? { id, event } : null;
}

function parseEventJson(json: string): RunStreamEvent | null {
  try {
    const parsed = RunStreamEventSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** `XINFO STREAM`'s flat reply as a record (ioredis returns `[name, value, name, value, ...]`). */
function infoRecord(reply: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1];
  return out;
}

/**
 * `GET /runs/:id/events`: a Server-Sent Events stream of one run, resumable.
 *
 * Every event the API publishes is an entry of the run's Redis Stream and goes out with that entry's id as the SSE
 * `id:`. Live delivery is pub/sub (one shared subscriber connection, no connection per client); the stream is read
 * only to replay. Without `Last-Event-ID` the client gets a `run.status` snapshot whose id is the stream's last id
 * as of just before the snapshot was read, then every later event. With `Last-Event-ID` it gets exactly the entries
 * after that id (XRANGE), then live ones; if entries after that id were trimmed away (MAXLEN) or the stream expired,
 * it gets a fresh snapshot instead. The seam between replay and live has neither gap nor duplicate: the channel is
 * subscribed before the stream is read (what is published meanwhile is buffered), and a live message is sent only
 * when its id is above the last id sent (the publisher makes pub/sub order equal id order). The stream ends after a
 * terminal `run.status`.
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
    @Inject(ApiMetrics) private readonly metrics: ApiMetrics,
  ) {}

  async stream(runId: string, reply: FastifyReply): Promise<void> {
    // unknown run → the normal 404 envelope, before any streaming starts
    await this.runs.getRunStatus(runId);
    const rawHeader = reply.request.headers['last-event-id'];
    const header = (Array.isArray(rawHeader) ? rawHeader[0] : rawHeader)?.trim();
    const resumeFrom = parseStreamId(header) ? header : undefined;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();

    let closed = false;
    let lastId: string | undefined;
    let ended = false;
    /** live messages that arrive before the replay/snapshot is out; null once live relaying has started */
    let pending: { id: string; event: RunStreamEvent }[] | null = [];
    let unsubscribe: (() => Promise<void>) | undefined;
    let keepAlive: NodeJS.Timeout | undefined;

    const close = () => {
      if (closed) return;
      closed = true;
      this.open.delete(close);
      this.metrics.sseClosed();
      if (keepAlive) clearInterval(keepAlive);
      void unsubscribe?.().catch(() => undefined);
      if (!res.writableEnded) res.end();
    };
    const send = (id: string, event: RunStreamEvent) => {
      if (closed) return;
      res.write(`id: ${id}\ndata: ${JSON.stringify(event)}\n\n`);
      lastId = id;
      if (event.type === 'run.status' && isTerminalRunStatus(event.status)) {
        ended = true;
        close();
      }
    };
    /** a live or replayed entry: sent only if it comes after everything sent so far */
    const sendEntry = (id: string, event: RunStreamEvent) => {
      if (lastId === undefined || compareStreamIds(id, lastId) > 0) send(id, event);
    };
    res.on('close', close);
    this.open.add(close);
    this.metrics.sseOpened();

    try {
      unsubscribe = await this.redis.subscribe(this.events.channel(runId), (message) => {
        const live = parseLiveMessage(message);
        if (!live) return;
        if (pending) pending.push(live);
        else sendEntry(live.id, live.event);
      });
      if (closed) return void (await unsubscribe());

      const replayed =
        resumeFrom !== undefined && (await this.replay(runId, resumeFrom, sendEntry, () => closed));
      if (!replayed) {
        // fresh client, or what it missed is gone: a snapshot positioned at the stream's current end
        const atId = await this.lastStreamId(runId);
        const snap = await this.runs.getRunStatus(runId);
        send(atId, { type: 'run.status', runId, status: snap.status, error: snap.error });
      }
      const buffered = pending;
      pending = null;
      for (const e of buffered) sendEntry(e.id, e.event);
      if (closed) return;
      if (replayed && !ended) {
        // the client may have seen the terminal status already and reconnected anyway: never leave it hanging
        const snap = await this.runs.getRunStatus(runId);
        if (isTerminalRunStatus(snap.status))
          send(lastId ?? resumeFrom!, { type: 'run.status', runId, status: snap.status, error: snap.error });
      }
      keepAlive = setInterval(() => {
        if (!closed) res.write(': keep-alive\n\n');
      }, SSE_KEEPALIVE_MS);
      keepAlive.unref();
    } catch (err) {
      this.logger.warn({ err, runId }, 'run event stream failed');
      close();
    }
  }

  /**
   * Send the stream's entries after `afterId`. Returns false (nothing sent) when they cannot be complete: the stream
   * is gone (expired, Redis lost it) or entries after `afterId` were trimmed.
   */
  private async replay(
    runId: string,
    afterId: string,
    sendEntry: (id: string, e: RunStreamEvent) => void,
    isClosed: () => boolean,
  ): Promise<boolean> {
    const key = this.events.streamKey(runId);
    let info: Record<string, unknown>;
    try {
      info = infoRecord(await this.redis.command.xinfo('STREAM', key));
    } catch {
      return false; // no such key
    }
    const first = Array.isArray(info['first-entry'])
      ? String((info['first-entry'] as unknown[])[0])
      : undefined;
    const trimmed = Number(info['entries-added'] ?? 0) > Number(info.length ?? 0);
    // entries were dropped from the front and the oldest left is past the client's position: some may be missing
    if (trimmed && first !== undefined && compareStreamIds(first, afterId) > 0) return false;
    let cursor = afterId;
    for (;;) {
      const page = await this.redis.command.xrange(key, `(${cursor}`, '+', 'COUNT', REPLAY_PAGE);
      for (const [id, fields] of page) {
        if (isClosed()) return true;
        const json = fields[fields.indexOf('e') + 1];
        const event = json === undefined ? null : parseEventJson(json);
        if (event) sendEntry(id, event);
        cursor = id;
      }
      if (page.length < REPLAY_PAGE) return true;
    }
  }

  /** Id of the run stream's newest entry (`0-0` when it has none yet). */
  private async lastStreamId(runId: string): Promise<string> {
    const last = await this.redis.command.xrevrange(this.events.streamKey(runId), '+', '-', 'COUNT', 1);
    return last[0]?.[0] ?? STREAM_START_ID;
  }

  onModuleDestroy(): void {
    for (const close of [...this.open]) close();
  }
}

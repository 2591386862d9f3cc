import { Inject, Injectable } from '@nestjs/common';
import {
  isTerminalRunStatus,
  runEventsChannel,
  type ProgressEvent,
  type RunStatus,
  type RunStreamEvent,
} from '@inferbench/contracts';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { RedisService } from '../../infra/redis/redis.service.js';
import { RunEndedHooks } from './run-ended-hooks.js';

/** Entries kept per run stream (approximate: `MAXLEN ~` trims whole radix-tree nodes, so it is cheap). */
export const RUN_STREAM_MAXLEN = 10_000;
/** A run's stream lives this long after its terminal status (late resumes still replay), ms. */
export const RUN_STREAM_ENDED_TTL_MS = 60 * 60 * 1000;
/** Safety TTL of a run's stream while the run goes on (refreshed by each event), ms: a crashed API leaks nothing. */
export const RUN_STREAM_ACTIVE_TTL_MS = 2 * 24 * 60 * 60 * 1000;

/** Redis key of the Stream holding a run's live events; entry ids are the SSE `id:`s. */
export const runStreamKey = (prefix: string, runId: string): string => `${prefix}:run-stream:${runId}`;

/**
 * XADD + (expiry) + PUBLISH as one atomic script, so the order of pub/sub messages is the order of the stream ids
 * even with several publishers (the SSE side drops a live message whose id is not above the last one it sent; two
 * publishers interleaving a plain XADD and PUBLISH could otherwise deliver a lower id after a higher one and lose
 * it). The pub/sub message is `<entry id>\n<event JSON>`.
 * KEYS: stream, channel. ARGV: maxlen, event JSON, '1' when the event ends the run, active TTL ms, ended TTL ms.
 * A TTL at or below the ended TTL means the run has ended: later (late) events do not extend it.
 */
const XADD_PUBLISH_LUA = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[2])
if ARGV[3] == '1' then
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
else
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl == -1 or ttl > tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
end
redis.call('PUBLISH', KEYS[2], id .. '\\n' .. ARGV[2])
return id`;

/**
 * Publishes a run's live events: each is appended to the run's Redis Stream (`runStreamKey`, so a client that
 * reconnects with `Last-Event-ID` gets what it missed) and published on `runEventsChannel(prefix, runId)` with its
 * entry id (the SSE endpoint relays those live). Publishing is best effort: an event lost while Redis is down is
 * corrected by the next snapshot a client fetches.
 */
@Injectable()
export class RunEventsPublisher {
  constructor(
    @Inject(RedisService) private readonly redis: RedisService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(RunEndedHooks) private readonly ended: RunEndedHooks,
  ) {}

  channel(runId: string): string {
    return runEventsChannel(this.redis.prefix, runId);
  }

  streamKey(runId: string): string {
    return runStreamKey(this.redis.prefix, runId);
  }

  /** Publish a status change; a terminal one also tells the run-ended listeners (webhooks). */
  async runStatus(runId: string, status: RunStatus, error: string | null): Promise<void> {
    await this.publish({ type: 'run.status', runId, status, error });
    if (isTerminalRunStatus(status)) await this.ended.notify(runId, status);
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
    const ends = event.type === 'run.status' && isTerminalRunStatus(event.status);
    try {
      await this.redis.command.eval(
        XADD_PUBLISH_LUA,
        2,
        this.streamKey(event.runId),
        this.channel(event.runId),
        RUN_STREAM_MAXLEN,
        JSON.stringify(event),
        ends ? '1' : '0',
        RUN_STREAM_ACTIVE_TTL_MS,
        RUN_STREAM_ENDED_TTL_MS,
      );
    } catch (err) {
      this.logger.warn({ err, runId: event.runId, type: event.type }, 'could not publish a run event');
    }
  }
}

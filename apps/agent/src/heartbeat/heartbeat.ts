import { AGENT_TTL_SEC, AgentInfoSchema, type AgentInfo } from '@inferbench/contracts';
import type { Logger } from '../common/logger.js';

/** The part of a Redis client the heartbeat needs (ioredis satisfies it). */
export interface HeartbeatStore {
  set(key: string, value: string, ex: 'EX', ttlSec: number): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

export interface HeartbeatOptions {
  key: string;
  /** builds the current AgentInfo; called on every beat */
  snapshot: () => AgentInfo;
  /** default AGENT_TTL_SEC / 5 seconds (2 s), so a key survives four missed beats */
  intervalMs?: number;
  ttlSec?: number;
  logger: Logger;
  /** signs what is written, after it is parsed (the agent credential: the API ignores unsigned heartbeats) */
  sign?: (info: AgentInfo) => object;
}

/**
 * Keeps `agentKey(prefix, id)` alive: writes the agent's AgentInfo with a TTL every interval, and on
 * demand (`beat()`) when the state changes so the API sees busy/idle without waiting for the next tick.
 * A failed write (Redis down) is logged and retried on the next tick; it never stops the agent.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private failing = false;
  private stopped = false;

  constructor(
    private readonly store: HeartbeatStore,
    private readonly opts: HeartbeatOptions,
  ) {}

  /** Write once now and then every interval. Resolves after the first write attempt. */
  async start(): Promise<void> {
    this.stopped = false;
    const everyMs = this.opts.intervalMs ?? (AGENT_TTL_SEC * 1000) / 5;
    this.timer = setInterval(() => void this.beat(), everyMs);
    this.timer.unref();
    await this.beat();
  }

  /** Write the current snapshot now (serialized after any write in flight, so writes never reorder). */
  beat(): Promise<void> {
    if (this.stopped) return this.inFlight;
    this.inFlight = this.inFlight.then(() => this.write());
    return this.inFlight;
  }

  /** Stop beating and delete the key so the agent disappears at once instead of after the TTL. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
    try {
      await this.store.del(this.opts.key);
    } catch (err) {
      this.opts.logger.warn('could not remove the agent key; it expires by TTL', { err });
    }
  }

  private async write(): Promise<void> {
    try {
      // parse what we publish: a drifting snapshot would otherwise break the API's agent list
      const info = AgentInfoSchema.parse(this.opts.snapshot());
      const value = this.opts.sign ? this.opts.sign(info) : info;
      await this.store.set(this.opts.key, JSON.stringify(value), 'EX', this.opts.ttlSec ?? AGENT_TTL_SEC);
      if (this.failing) this.opts.logger.info('heartbeat restored');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.opts.logger.warn('heartbeat write failed; retrying every interval', { err });
      this.failing = true;
    }
  }
}

import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CONFIG, type AppConfig } from '../../config.js';
import { LOGGER, type Logger } from '../../common/logging/logger.js';

type MessageListener = (message: string) => void;

/**
 * Redis connections of the API:
 * - `command`: plain commands (keys, publish, scan);
 * - `bullmq`: shared by every BullMQ Queue (BullMQ requires `maxRetriesPerRequest: null`); workers
 *   duplicate it for their blocking calls;
 * - one subscriber connection shared by every SSE client, multiplexed per channel here.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly command: Redis;
  readonly bullmq: Redis;
  readonly prefix: string;
  private subscriber: Redis | undefined;
  private readonly listeners = new Map<string, Set<MessageListener>>();

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.prefix = config.redis.prefix;
    this.command = this.connect('command', { maxRetriesPerRequest: 2 });
    this.bullmq = this.connect('bullmq', { maxRetriesPerRequest: null });
  }

  private connect(name: string, extra: { maxRetriesPerRequest: number | null }): Redis {
    const r = new Redis(this.config.redis.url, {
      ...extra,
      connectionName: `ib-api-${name}`,
      lazyConnect: false,
    });
    // without a listener ioredis prints unhandled error events; reconnects are automatic
    r.on('error', (err) =>
      this.logger.warn({ err: err.message, connection: name }, 'redis connection error'),
    );
    return r;
  }

  async isHealthy(): Promise<boolean> {
    try {
      return (await this.command.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async publish(channel: string, message: unknown): Promise<void> {
    await this.command.publish(channel, JSON.stringify(message));
  }

  /**
   * Listen on a pub/sub channel through the shared subscriber connection. Resolves once Redis has
   * confirmed the subscription (so nothing published after it is missed); returns the unsubscribe function.
   */
  async subscribe(channel: string, listener: MessageListener): Promise<() => Promise<void>> {
    const sub = this.getSubscriber();
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(listener);
    await sub.subscribe(channel);
    return async () => {
      const current = this.listeners.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(channel);
        await sub.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  private getSubscriber(): Redis {
    if (!this.subscriber) {
      const sub = this.connect('subscriber', { maxRetriesPerRequest: null });
      sub.on('message', (channel: string, message: string) => {
        for (const l of this.listeners.get(channel) ?? []) {
          try {
            l(message);
          } catch (err) {
            this.logger.warn({ err, channel }, 'pub/sub listener failed');
          }
        }
      });
      this.subscriber = sub;
    }
    return this.subscriber;
  }

  async onApplicationShutdown(): Promise<void> {
    const conns = [this.command, this.bullmq, this.subscriber].filter((c): c is Redis => c !== undefined);
    await Promise.all(conns.map((c) => c.quit().catch(() => c.disconnect())));
  }
}

import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createPrismaClient, type PrismaClient } from '@inferbench/db';
import { CONFIG, type AppConfig } from '../../config.js';

/** Transaction client handed to repositories inside `prisma.client.$transaction(async (tx) => ...)`. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
/** A repository method accepts the root client or a transaction client (trigger.dev's PrismaClientOrTransaction). */
export type Db = PrismaClient | Tx;

/**
 * Owns the one Prisma client of the process. Repositories read `client`; services use it only for
 * `$transaction`, handing the transaction client to repositories.
 */
@Injectable()
export class PrismaService implements OnApplicationShutdown {
  readonly client: PrismaClient;

  constructor(@Inject(CONFIG) config: AppConfig) {
    this.client = createPrismaClient({ url: config.db.url, poolSize: config.db.poolSize });
  }

  /** Run `fn` in one interactive transaction (rolled back when it throws). */
  transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: { timeoutMs?: number }): Promise<T> {
    return this.client.$transaction(fn, { timeout: opts?.timeoutMs ?? 15_000, maxWait: 10_000 });
  }

  async isHealthy(): Promise<boolean> {
    try {
      await this.client.$queryRawUnsafe('select 1');
      return true;
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.$disconnect();
  }
}

/**
 * Prisma 7 client factory over the pg driver adapter, and the generated client's types.
 * Only apps/api uses this at run time (agents never touch the database).
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.js';

export { Prisma, PrismaClient } from './generated/client.js';
export type * from './generated/client.js';
export { applyMigrations } from './engine.js';

export interface DbOptions {
  /** postgresql:// URL */
  url: string;
  /** pg pool size (default 10) */
  poolSize?: number;
}

/** Create a Prisma client connected through a pg pool. Call `$disconnect()` when done. */
export function createPrismaClient(opts: DbOptions): PrismaClient {
  const adapter = new PrismaPg({ connectionString: opts.url, max: opts.poolSize ?? 10 });
  return new PrismaClient({ adapter });
}

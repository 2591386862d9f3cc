/**
 * Test fixtures over the real local services started by infra/services.sh (no Docker here).
 * - PostgreSQL: migrations are applied once into a template database; each test file gets its own
 *   database cloned from it (`CREATE DATABASE ... TEMPLATE`), dropped afterwards.
 * - Redis: one server; each test isolates itself with its own key prefix (never FLUSHALL).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { applyMigrations } from '@inferbench/db';

export interface TestServices {
  /** URL of the maintenance database (postgres) on the test server */
  adminUrl: string;
  redisUrl: string;
}

/** Service URLs: TEST_PG_URL / TEST_REDIS_URL, else the infra defaults (127.0.0.1:55432 and :56379). */
export function testServices(env: NodeJS.ProcessEnv = process.env): TestServices {
  const pgPort = env.PG_PORT ?? '55432';
  const redisPort = env.REDIS_PORT ?? '56379';
  return {
    adminUrl: env.TEST_PG_URL ?? `postgresql://postgres@127.0.0.1:${pgPort}/postgres`,
    redisUrl: env.TEST_REDIS_URL ?? `redis://127.0.0.1:${redisPort}`,
  };
}

const TEMPLATE_DB = 'inferbench_test_template';
const MIGRATIONS_DIR = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  '../../../prisma/migrations',
);

async function migrationsHash(): Promise<string> {
  const h = createHash('sha256');
  const names = (await readdir(MIGRATIONS_DIR, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const n of names) h.update(n).update(await readFile(path.join(MIGRATIONS_DIR, n, 'migration.sql')));
  return h.digest('hex').slice(0, 16);
}

function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function withAdmin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Make sure the template database exists and carries the current migrations (safe across parallel workers). */
export async function ensureTemplate(services = testServices()): Promise<void> {
  const hash = await migrationsHash();
  await withAdmin(services.adminUrl, async (c) => {
    await c.query('select pg_advisory_lock(424242)');
    try {
      const r = await c.query<{ comment: string | null }>(
        `select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1`,
        [TEMPLATE_DB],
      );
      if (r.rows[0]?.comment === hash) return;
      if (r.rows.length) await c.query(`drop database "${TEMPLATE_DB}" with (force)`);
      await c.query(`create database "${TEMPLATE_DB}"`);
      await applyMigrations(withDb(services.adminUrl, TEMPLATE_DB));
      await c.query(`comment on database "${TEMPLATE_DB}" is '${hash}'`);
    } finally {
      await c.query('select pg_advisory_unlock(424242)');
    }
  });
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file. */
export async function createTestDatabase(services = testServices()): Promise<TestDatabase> {
  await ensureTemplate(services);
  const name = `ib_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(services.adminUrl, (c) => c.query(`create database "${name}" template "${TEMPLATE_DB}"`));
  return {
    name,
    url: withDb(services.adminUrl, name),
    drop: () =>
      withAdmin(services.adminUrl, (c) => c.query(`drop database if exists "${name}" with (force)`)).then(
        () => undefined,
      ),
  };
}

export interface TestRedis {
  url: string;
  /** unique key prefix for this test (BullMQ `prefix`, app key namespaces) */
  prefix: string;
  /** delete every key under the prefix */
  cleanup(): Promise<void>;
}

export function createTestRedis(services = testServices()): TestRedis {
  const prefix = `ibt${randomBytes(5).toString('hex')}`;
  return {
    url: services.redisUrl,
    prefix,
    async cleanup() {
      const r = new Redis(services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await r.connect();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await r.del(...keys);
        } while (cursor !== '0');
      } finally {
        r.disconnect();
      }
    },
  };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Path of the repository root (for spawning app processes in e2e tests). */
export const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

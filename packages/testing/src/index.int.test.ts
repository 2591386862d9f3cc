import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createTestRedis, type TestDatabase } from './index.js';

describe('test fixtures against the real services', () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of dbs) await d.drop();
  });

  it('gives each caller its own migrated database', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    dbs.push(a!, b!);
    expect(a!.name).not.toBe(b!.name);
    const c = new pg.Client({ connectionString: a!.url });
    await c.connect();
    await c.query(
      `insert into "Target"(id,name,"baseUrl","apiKind",model,"updatedAt") values ('t1','x','http://a','chat','m',now())`,
    );
    const rows = await c.query('select count(*)::int as n from "Target"');
    await c.end();
    expect(rows.rows[0].n).toBe(1);
    const c2 = new pg.Client({ connectionString: b!.url });
    await c2.connect();
    const rows2 = await c2.query('select count(*)::int as n from "Target"');
    await c2.end();
    expect(rows2.rows[0].n).toBe(0);
  });

  it('isolates and cleans up Redis keys by prefix', async () => {
    const t = createTestRedis();
    const r = new Redis(t.url);
    await r.set(`${t.prefix}:k`, '1');
    await r.set('other-key-not-ours', '1');
    await t.cleanup();
    expect(await r.exists(`${t.prefix}:k`)).toBe(0);
    expect(await r.exists('other-key-not-ours')).toBe(1);
    await r.del('other-key-not-ours');
    r.disconnect();
  });
});

import { describe, expect, it } from 'vitest';
import { createTestDatabase, createTestRedis } from '@inferbench/testing';
import { startApi } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { AUTH_HEADERS, experimentBody, startTestApi, targetBody, TEST_BOOTSTRAP_TOKEN } from './helpers.js';

describe('shutdown', () => {
  it('closes promptly while an SSE client is connected, ending its stream', async () => {
    const t = await startTestApi();
    let closedApi = false;
    try {
      const target = await t.client.createTarget(targetBody('shutdown'));
      const exp = await t.client.createExperiment(experimentBody([target.id], { name: 'shutdown' }));
      const run = await t.client.startRun(exp.id);
      const res = await t.fetch(`${t.url}/runs/${run.id}/events`);
      const reader = res.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain('"run.status"');
      const started = Date.now();
      await t.api.close();
      closedApi = true;
      expect(Date.now() - started).toBeLessThan(5_000);
      // the stream was ended by the server, not left hanging
      const next = await reader.read().catch(() => ({ done: true }));
      expect(next.done).toBe(true);
    } finally {
      if (!closedApi) await t.api.close();
      // the rest of the fixture (queues, prisma, redis, database)
      await t.close().catch(() => undefined);
    }
  });
});

describe('readiness', () => {
  it('answers 503 naming the dependency that is down, while liveness stays ok', async () => {
    const redis = createTestRedis();
    const db = await createTestDatabase();
    // a reachable server whose database is gone: every query fails
    await db.drop();
    const api = await startApi(
      loadConfig({
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        QUEUE_PREFIX: redis.prefix,
        API_PORT: '0',
        SECRET_KEY: 'cd'.repeat(32),
        LOG_LEVEL: 'silent',
        NODE_ENV: 'test',
        INFERBENCH_BOOTSTRAP_TOKEN: TEST_BOOTSTRAP_TOKEN,
        METRICS_PORT: '0',
      }),
    );
    try {
      const ready = await fetch(`${api.url}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'unavailable', checks: { postgres: false, redis: true } });
      expect((await fetch(`${api.url}/health`)).status).toBe(200);
      // an unexpected failure answers 500 INTERNAL with an errorId
      const res = await fetch(`${api.url}/targets`, { headers: AUTH_HEADERS });
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: { code: string; details: { errorId: string } } };
      expect(body.error.code).toBe('INTERNAL');
      expect(body.error.details.errorId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await api.close();
      await redis.cleanup();
    }
  });
});

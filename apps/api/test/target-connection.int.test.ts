import { describe, expect } from 'vitest';
import { apiTest, targetBody, type TestApi } from './helpers.js';

/** PATCH /targets/:id with exactly this JSON body (no client-side typing in the way). */
async function patch(t: TestApi, id: string, body: unknown): Promise<Response> {
  return t.fetch(`${t.url}/targets/${id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function post(t: TestApi, body: unknown): Promise<Response> {
  return t.fetch(`${t.url}/targets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The per-target connection mode (issue 9): the `connection` column. */
describe('target connection mode', () => {
  apiTest(
    'defaults to keep-alive, round-trips close, and can be changed alone without losing headers',
    async ({ app: t }) => {
      const plain = await t.client.createTarget(targetBody('conn-default'));
      expect(plain.connection).toBe('keep-alive');
      expect((await t.prisma.target.findUniqueOrThrow({ where: { id: plain.id } })).connection).toBe(
        'keep-alive',
      );

      const created = await t.client.createTarget(
        targetBody('conn-close', { connection: 'close', headers: { 'x-team': 'ml' } }),
      );
      expect(created.connection).toBe('close');
      expect(created.headers).toEqual({ 'x-team': 'ml' });
      const row = await t.prisma.target.findUniqueOrThrow({ where: { id: created.id } });
      expect(row.connection).toBe('close');
      expect(row.headers).toEqual({ 'x-team': 'ml' });
      expect(await t.client.getTarget(created.id)).toMatchObject({ connection: 'close' });

      const back = await t.client.updateTarget(created.id, { connection: 'keep-alive' });
      expect(back.connection).toBe('keep-alive');
      expect(back.headers).toEqual({ 'x-team': 'ml' });
      const again = await t.client.updateTarget(created.id, { connection: 'close' });
      expect(again.connection).toBe('close');
      expect(again.headers).toEqual({ 'x-team': 'ml' });
      // new headers without a Connection header keep the mode
      const headersOnly = await t.client.updateTarget(created.id, { headers: { 'x-team': 'infra' } });
      expect(headersOnly.headers).toEqual({ 'x-team': 'infra' });
      expect(headersOnly.connection).toBe('close');
    },
  );

  apiTest(
    'a `Connection: close` header is read as the setting and not stored as a header',
    async ({ app: t }) => {
      const t1 = await t.client.createTarget(
        targetBody('conn-header', { headers: { Connection: 'close', 'x-a': '1' } }),
      );
      expect(t1.connection).toBe('close');
      expect(t1.headers).toEqual({ 'x-a': '1' });
      const row = await t.prisma.target.findUniqueOrThrow({ where: { id: t1.id } });
      expect(row).toMatchObject({ connection: 'close', headers: { 'x-a': '1' } });

      // in a PATCH too; an explicit `connection` wins over the header
      const t2 = await t.client.createTarget(targetBody('conn-header-patch'));
      const viaHeader = (await (await patch(t, t2.id, { headers: { connection: 'close' } })).json()) as {
        connection: string;
        headers: object;
      };
      expect(viaHeader).toMatchObject({ connection: 'close', headers: {} });
      const both = (await (
        await patch(t, t2.id, { headers: { Connection: 'close' }, connection: 'keep-alive' })
      ).json()) as { connection: string };
      expect(both.connection).toBe('keep-alive');
    },
  );

  apiTest('rejects an unknown mode', async ({ app: t }) => {
    const res = await post(t, targetBody('conn-bad', { connection: 'sometimes' }));
    expect(res.status).toBe(400);
  });
});

/** The per-target tokenizer setting: the `tokenizer` JSON column (null: the agent's default, `auto`). */
describe('target tokenizer setting', () => {
  apiTest(
    'defaults to null and round-trips each kind of setting through create, read, list and PATCH',
    async ({ app: t }) => {
      const plain = await t.client.createTarget(targetBody('tok-default'));
      expect(plain.tokenizer).toBeNull();
      expect((await t.prisma.target.findUniqueOrThrow({ where: { id: plain.id } })).tokenizer).toBeNull();

      const settings = [
        'auto',
        'o200k_base',
        'cl100k_base',
        { path: '/models/llama-3/tokenizer.json' },
      ] as const;
      for (const [i, setting] of settings.entries()) {
        const created = await t.client.createTarget(targetBody(`tok-${i}`, { tokenizer: setting }));
        expect(created.tokenizer).toEqual(setting);
        expect((await t.prisma.target.findUniqueOrThrow({ where: { id: created.id } })).tokenizer).toEqual(
          setting,
        );
        expect((await t.client.getTarget(created.id)).tokenizer).toEqual(setting);
      }
      const list = await t.client.listTargets();
      expect(list.items.find((x) => x.name === 'tok-3')?.tokenizer).toEqual({
        path: '/models/llama-3/tokenizer.json',
      });

      const changed = await t.client.updateTarget(plain.id, { tokenizer: { path: '/m/tokenizer.json' } });
      expect(changed.tokenizer).toEqual({ path: '/m/tokenizer.json' });
      const cleared = await t.client.updateTarget(plain.id, { tokenizer: null });
      expect(cleared.tokenizer).toBeNull();
      expect((await t.prisma.target.findUniqueOrThrow({ where: { id: plain.id } })).tokenizer).toBeNull();
    },
  );

  apiTest('rejects a setting that is not one, writing nothing', async ({ app: t }) => {
    for (const tokenizer of ['gpt2', { path: '' }, { file: 'x.json' }, 7]) {
      const res = await post(t, targetBody('tok-bad', { tokenizer }));
      expect(res.status, JSON.stringify(tokenizer)).toBe(400);
    }
    expect(await t.prisma.target.count({ where: { name: 'tok-bad' } })).toBe(0);
    const target = await t.client.createTarget(targetBody('tok-bad-patch', { tokenizer: 'cl100k_base' }));
    expect((await patch(t, target.id, { tokenizer: 'gpt2' })).status).toBe(400);
    expect((await t.client.getTarget(target.id)).tokenizer).toBe('cl100k_base');
  });
});

/** A PATCH changes only the fields it carries (the update contract has no defaults to fill in the rest). */
describe('target partial PATCH', () => {
  apiTest(
    'a body with only `name` keeps apiKind, headers, pool, metrics URL, API key, connection and tokenizer',
    async ({ app: t }) => {
      const created = await t.client.createTarget(
        targetBody('partial-a', {
          apiKind: 'completions',
          headers: { 'x-team': 'ml' },
          pool: 'gpu-a',
          metricsUrl: 'http://127.0.0.1:9/metrics',
          apiKey: 'sk-secret',
          connection: 'close',
          tokenizer: { path: '/m/tokenizer.json' },
        }),
      );
      const res = await patch(t, created.id, { name: 'partial-a2' });
      expect(res.status).toBe(200);
      const after = await t.client.getTarget(created.id);
      const { name: _n, updatedAt: _u, ...rest } = created;
      expect(after).toMatchObject({ ...rest, name: 'partial-a2' });
      expect(after).toMatchObject({
        apiKind: 'completions',
        headers: { 'x-team': 'ml' },
        pool: 'gpu-a',
        hasApiKey: true,
        connection: 'close',
        tokenizer: { path: '/m/tokenizer.json' },
      });
      // and an empty body changes nothing
      expect((await patch(t, created.id, {})).status).toBe(200);
      const same = await t.client.getTarget(created.id);
      expect({ ...same, updatedAt: '' }).toEqual({ ...after, updatedAt: '' });
    },
  );

  apiTest('metricsUrl: null stops scraping; other fields stay', async ({ app: t }) => {
    const created = await t.client.createTarget(
      targetBody('partial-b', { metricsUrl: 'http://127.0.0.1:9/metrics', pool: 'gpu-b' }),
    );
    const res = await patch(t, created.id, { metricsUrl: null });
    expect(res.status).toBe(200);
    expect(await t.client.getTarget(created.id)).toMatchObject({ metricsUrl: null, pool: 'gpu-b' });
  });
});

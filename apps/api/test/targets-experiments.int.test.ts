import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '@inferbench/api-client';
import { SecretBox } from '../src/common/crypto/secret-box.js';
import { experimentBody, startTestApi, targetBody, TEST_SECRET_KEY, type TestApi } from './helpers.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

async function expectApiError(p: Promise<unknown>, status: number, code: string): Promise<ApiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).status).toBe(status);
  expect((err as ApiError).code).toBe(code);
  return err as ApiError;
}

describe('health and docs', () => {
  it('answers liveness, readiness and the OpenAPI document', async () => {
    expect(await t.client.health()).toEqual({ status: 'ok' });
    const ready = await t.fetch(`${t.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { postgres: true, redis: true } });
    const doc = (await (await t.fetch(`${t.url}/docs/json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/targets',
      '/targets/{id}',
      '/experiments',
      '/experiments/{id}/runs',
      '/runs',
      '/runs/{id}',
      '/runs/{id}/cancel',
      '/runs/{id}/events',
      '/agents',
      '/load-points/{id}/samples',
    ]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    const post = doc.paths['/experiments']!.post as {
      requestBody: { content: { 'application/json': { schema: { required: string[] } } } };
    };
    expect(post.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['name', 'workload', 'loadPlan', 'variants']),
    );
    expect((await t.fetch(`${t.url}/docs`)).status).toBe(200);
  });
});

describe('targets', () => {
  it('creates, reads, lists, updates and deletes; the API key is stored encrypted and never returned', async () => {
    const created = await t.client.createTarget(
      targetBody('crud-a', { apiKey: 'sk-secret-1', headers: { 'x-team': 'ml' } }),
    );
    expect(created).toMatchObject({
      name: 'crud-a',
      pool: 'default',
      apiKind: 'chat',
      hasApiKey: true,
      headers: { 'x-team': 'ml' },
      metricsUrl: null,
    });
    expect(JSON.stringify(created)).not.toContain('sk-secret-1');
    expect(created).not.toHaveProperty('apiKey');
    expect(created).not.toHaveProperty('apiKeyEnc');

    const row = await t.prisma.target.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.apiKeyEnc).not.toBeNull();
    expect(row.apiKeyEnc).not.toContain('sk-secret-1');
    expect(new SecretBox(Buffer.from(TEST_SECRET_KEY, 'hex')).decrypt(row.apiKeyEnc!)).toBe('sk-secret-1');

    const raw = await (await t.fetch(`${t.url}/targets/${created.id}`)).text();
    expect(raw).not.toContain('sk-secret-1');
    expect(raw).not.toContain(row.apiKeyEnc!);

    const list = await t.client.listTargets();
    expect(list.items.map((x) => x.id)).toContain(created.id);
    expect(list.total).toBeGreaterThanOrEqual(1);

    const renamed = await t.client.updateTarget(created.id, { name: 'crud-a2', pool: 'gpu-a' });
    expect(renamed).toMatchObject({ name: 'crud-a2', pool: 'gpu-a', hasApiKey: true });
    const keyless = await t.client.updateTarget(created.id, { apiKey: null });
    expect(keyless.hasApiKey).toBe(false);
    expect((await t.prisma.target.findUniqueOrThrow({ where: { id: created.id } })).apiKeyEnc).toBeNull();

    const del = await t.fetch(`${t.url}/targets/${created.id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    await expectApiError(t.client.getTarget(created.id), 404, 'NOT_FOUND');
  });

  it('answers 400 naming the missing field and writes nothing', async () => {
    const before = await t.prisma.target.count();
    const err = await expectApiError(
      t.client.createTarget({ name: 'no-url', model: 'm' } as never),
      400,
      'VALIDATION_FAILED',
    );
    expect(err.fieldErrors()).toHaveProperty('baseUrl');
    expect(Object.keys(err.fieldErrors())).toEqual(['baseUrl']);
    expect(await t.prisma.target.count()).toBe(before);
  });

  it('answers unknown ids with 404 and duplicate names with 409, in the error envelope', async () => {
    const res = await t.fetch(`${t.url}/targets/does-not-exist`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string; requestId?: string } };
    expect(body.error.code).toBe('NOT_FOUND');
    expect(body.error.message).toContain('does-not-exist');
    expect(body.error.requestId).toBeTruthy();
    await t.client.createTarget(targetBody('dup'));
    await expectApiError(t.client.createTarget(targetBody('dup')), 409, 'CONFLICT');
  });

  it('refuses to delete a target that variants still use', async () => {
    const target = await t.client.createTarget(targetBody('in-use'));
    await t.client.createExperiment(experimentBody([target.id], { name: 'uses it' }));
    await expectApiError(t.client.deleteTarget(target.id), 409, 'CONFLICT');
    expect(await t.prisma.target.count({ where: { id: target.id } })).toBe(1);
  });
});

describe('experiments', () => {
  it('creates with variants, reads, searches, updates and deletes', async () => {
    const a = await t.client.createTarget(targetBody('exp-a'));
    const b = await t.client.createTarget(targetBody('exp-b'));
    const exp = await t.client.createExperiment(
      experimentBody([a.id, b.id], {
        name: 'Quantization sweep',
        tags: ['quant', 'nightly'],
        slo: { ttftMs: 300, percentile: 95 },
      }),
    );
    expect(exp.variants.map((v) => [v.label, v.targetId])).toEqual([
      ['v0', a.id],
      ['v1', b.id],
    ]);
    expect(exp.slo).toEqual({ ttftMs: 300, percentile: 95 });
    expect(exp.recentRuns).toEqual([]);
    expect(await t.client.getExperiment(exp.id)).toEqual(exp);

    await t.client.createExperiment(experimentBody([a.id], { name: 'Other thing', tags: ['misc'] }));
    const byQ = await t.client.listExperiments({ q: 'quantiz' });
    expect(byQ.items.map((e) => e.name)).toEqual(['Quantization sweep']);
    expect(byQ.items[0]).toMatchObject({ lastRun: null });
    expect(byQ.items[0]).not.toHaveProperty('workload');
    const byTag = await t.client.listExperiments({ tag: 'misc' });
    expect(byTag.items.map((e) => e.name)).toEqual(['Other thing']);
    const page = await t.client.listExperiments({ limit: 1, offset: 0 });
    expect(page.items).toHaveLength(1);
    expect(page.total).toBeGreaterThanOrEqual(2);

    // PATCH: keep v0 (renamed), drop v1, add a new one; clear the SLO
    const v0 = exp.variants[0]!;
    const updated = await t.client.updateExperiment(exp.id, {
      name: 'Quantization sweep 2',
      slo: null,
      variants: [
        {
          id: v0.id,
          targetId: v0.targetId,
          label: 'fp16',
          optimization: { precision: 'fp16', features: {} },
          params: {},
        },
        {
          targetId: b.id,
          label: 'int4',
          optimization: { precision: 'int4-awq', features: {} },
          params: { maxTokens: 4 },
        },
      ],
    });
    expect(updated.name).toBe('Quantization sweep 2');
    expect(updated.slo).toBeNull();
    expect(updated.variants.map((v) => v.label)).toEqual(['fp16', 'int4']);
    expect(updated.variants[0]!.id).toBe(v0.id);
    expect(await t.prisma.variant.count({ where: { experimentId: exp.id } })).toBe(2);

    const del = await t.fetch(`${t.url}/experiments/${exp.id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    await expectApiError(t.client.getExperiment(exp.id), 404, 'NOT_FOUND');
    expect(await t.prisma.variant.count({ where: { experimentId: exp.id } })).toBe(0);
  });

  it('rejects a missing field or an unknown target with 400 and writes nothing', async () => {
    const target = await t.client.createTarget(targetBody('exp-400'));
    const before = { e: await t.prisma.experiment.count(), v: await t.prisma.variant.count() };
    const { loadPlan: _omit, ...noPlan } = experimentBody([target.id]);
    const missing = await expectApiError(t.client.createExperiment(noPlan), 400, 'VALIDATION_FAILED');
    expect(missing.fieldErrors()).toHaveProperty('loadPlan');

    const badVariant = experimentBody([target.id]);
    (badVariant.variants[0] as { label: string }).label = '';
    const nested = await expectApiError(t.client.createExperiment(badVariant), 400, 'VALIDATION_FAILED');
    expect(nested.fieldErrors()).toHaveProperty('variants.0.label');

    const unknown = await expectApiError(
      t.client.createExperiment(experimentBody([target.id, 'nope'])),
      400,
      'VALIDATION_FAILED',
    );
    expect(unknown.fieldErrors()['variants.1.targetId']).toContain('not found');
    expect({ e: await t.prisma.experiment.count(), v: await t.prisma.variant.count() }).toEqual(before);
  });

  it('validates query strings and applies nothing of a rejected PATCH', async () => {
    const bad = await t.fetch(`${t.url}/experiments?limit=0`);
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { error: { details: { issues: { path: string }[] } } }).error.details.issues[0]!
        .path,
    ).toBe('limit');

    const target = await t.client.createTarget(targetBody('exp-rollback'));
    const exp = await t.client.createExperiment(experimentBody([target.id], { name: 'rollback' }));
    await expectApiError(
      t.client.updateExperiment(exp.id, {
        name: 'renamed',
        variants: [{ targetId: 'missing', label: 'x', optimization: { features: {} }, params: {} }],
      }),
      400,
      'VALIDATION_FAILED',
    );
    const after = await t.client.getExperiment(exp.id);
    expect(after.name).toBe('rollback');
    expect(after.variants).toEqual(exp.variants);
  });
});

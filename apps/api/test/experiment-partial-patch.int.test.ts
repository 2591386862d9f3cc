import { expect } from 'vitest';
import { apiTest, experimentBody, targetBody, type TestApi } from './helpers.js';

async function patch(t: TestApi, id: string, body: unknown): Promise<Response> {
  return t.fetch(`${t.url}/experiments/${id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

apiTest('an experiment PATCH with one top-level field keeps every other field', async ({ app: t }) => {
  const target = await t.client.createTarget(targetBody('exp-partial'));
  const exp = await t.client.createExperiment(
    experimentBody([target.id], {
      name: 'partial',
      description: 'kept',
      tags: ['a', 'b'],
      slo: { ttftMs: 300, percentile: 95 },
    }),
  );
  const strip = (e: typeof exp) => ({ ...e, updatedAt: '', name: '' });

  const renamed = await patch(t, exp.id, { name: 'partial 2' });
  expect(renamed.status).toBe(200);
  const afterName = await t.client.getExperiment(exp.id);
  expect(afterName.name).toBe('partial 2');
  expect(strip(afterName)).toEqual(strip(exp));

  const retagged = await patch(t, exp.id, { tags: ['c'] });
  expect(retagged.status).toBe(200);
  const afterTags = await t.client.getExperiment(exp.id);
  expect(afterTags.tags).toEqual(['c']);
  expect({ ...strip(afterTags), tags: [] }).toEqual({ ...strip(exp), tags: [] });

  expect((await patch(t, exp.id, {})).status).toBe(200);
  expect(strip(await t.client.getExperiment(exp.id))).toEqual(strip(afterTags));
});

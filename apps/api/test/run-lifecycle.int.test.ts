import { describe, expect } from 'vitest';
import { RunListSchema } from '@inferbench/contracts';
import { announceAgent, experimentBody, apiTest, startFakeAgent, targetBody, waitFor } from './helpers.js';

describe('a run driven by a fake agent', () => {
  apiTest(
    'runs every load point, one at a time per target, and completes with summaries',
    async ({ app: t }) => {
      await announceAgent(t, 'fake-agent');
      const a = await t.client.createTarget(targetBody('flow-a', { apiKey: 'sk-flow' }));
      const b = await t.client.createTarget(targetBody('flow-b'));
      const exp = await t.client.createExperiment(
        experimentBody([a.id, b.id], { name: 'flow', slo: { ttftMs: 500, percentile: 99 } }),
      );
      const agent = startFakeAgent(t, { samplesPerPoint: 12, batchSize: 5, concurrency: 4 });
      try {
        const run = await t.client.startRun(exp.id, { trigger: 'ci', metadata: { gitSha: 'abc' } });
        expect(run.status).toBe('queued');
        const done = await waitFor('run to complete', async () => {
          const r = await t.client.getRun(run.id);
          return r.status === 'completed' ? r : null;
        });
        expect(done.loadPoints).toHaveLength(4);
        for (const p of done.loadPoints) {
          expect(p.status).toBe('completed');
          expect(p.samplesStored).toBe(12);
          expect(p.summary?.requests.succeeded).toBe(12);
          expect(p.summary?.latency.ttftMs?.count).toBe(12);
          expect(p.finishedAt).not.toBeNull();
        }
        // points of one target never overlap: each starts after the previous one of its chain ended
        for (const targetPoints of [done.loadPoints.slice(0, 2), done.loadPoints.slice(2, 4)]) {
          const [first, second] = targetPoints;
          expect(Date.parse(second!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(first!.finishedAt!));
        }
        expect(done.startedAt).not.toBeNull();
        expect(done.finishedAt).not.toBeNull();
        expect(done.metadata).toEqual({ gitSha: 'abc' });
        // the key never rides in a job: the target with one says so (agents fetch it from the API), the other not
        const jobA = agent.jobs.find((j) => j.target.model === 'm1' && j.target.apiKeyFromApi === true);
        expect(jobA).toBeDefined();
        expect(agent.jobs.every((j) => j.target.apiKey === undefined)).toBe(true);
        expect(agent.jobs.filter((j) => j.target.apiKeyFromApi).length).toBeGreaterThan(0);
        expect(agent.jobs.filter((j) => !j.target.apiKeyFromApi).length).toBeGreaterThan(0);
        expect(agent.jobs).toHaveLength(4);
        const list = await t.client.request('GET', `/runs?experimentId=${exp.id}&limit=5`, RunListSchema);
        expect(list.items[0]).toMatchObject({
          id: run.id,
          status: 'completed',
          loadPointCount: 4,
          loadPointsDone: 4,
        });
      } finally {
        await agent.close();
      }
    },
  );

  apiTest('grows an adaptive plan (SLA search) point by point from the summaries', async ({ app: t }) => {
    await announceAgent(t, 'fake-agent');
    const a = await t.client.createTarget(targetBody('sla-a'));
    const b = await t.client.createTarget(targetBody('sla-b'));
    const exp = await t.client.createExperiment(
      experimentBody([a.id, b.id], {
        name: 'sla',
        // every fake sample has TTFT ≈ 20-24 ms, so every level passes: the search doubles 1 → 2 → 4 (max)
        loadPlan: {
          kind: 'sla',
          mode: 'concurrency',
          slo: { ttftMs: 1000, percentile: 99 },
          min: 1,
          max: 4,
          requests: 10,
          seed: 3,
        },
      }),
    );
    const agent = startFakeAgent(t, { samplesPerPoint: 10, batchSize: 10, concurrency: 2 });
    try {
      const run = await t.client.startRun(exp.id);
      expect(run.loadPoints.map((p) => `${p.variantLabel} ${p.levelLabel}`)).toEqual(['v0 c=1', 'v1 c=1']);
      const done = await waitFor('adaptive run to complete', async () => {
        const r = await t.client.getRun(run.id);
        return r.status === 'completed' ? r : null;
      });
      const byVariant = (label: string) =>
        done.loadPoints.filter((p) => p.variantLabel === label).map((p) => p.levelLabel);
      expect(byVariant('v0')).toEqual(['c=1', 'c=2', 'c=4']);
      expect(byVariant('v1')).toEqual(['c=1', 'c=2', 'c=4']);
      expect(new Set(done.loadPoints.map((p) => p.ordinal)).size).toBe(6);
      expect(done.loadPoints.every((p) => p.status === 'completed' && p.summary !== null)).toBe(true);
    } finally {
      await agent.close();
    }
  });
});

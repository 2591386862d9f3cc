import { describe, expect } from 'vitest';
import { ApiError } from '@inferbench/api-client';
import { createRng, exactPercentile, LoadPointAccumulator } from '@inferbench/metrics';
import type { RequestSample, RunSpec } from '@inferbench/contracts';
import { apiTest, experimentBody, targetBody, type TestApi } from './helpers.js';

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

/** `n` successful samples whose TTFT is about `ttftMs` (seeded jitter ±20 %). */
function synthSamples(n: number, ttftMs: number, seed: number): RequestSample[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, idx) => {
    const sentUs = idx * 2_000;
    const firstChunkUs = sentUs + Math.round(ttftMs * 1000 * (0.8 + 0.4 * rng.next()));
    return {
      idx,
      warmup: false,
      sentUs,
      firstChunkUs,
      firstContentUs: firstChunkUs,
      endUs: firstChunkUs + 7 * 4_000,
      chunkGapsUs: Array.from({ length: 7 }, () => 4_000),
      inputTokens: 32,
      outputTokens: 8,
      reasoningTokens: 0,
      tokenSource: 'server' as const,
      httpStatus: 200,
    };
  });
}

/**
 * A completed run of `experimentId` with one finalized point per variant (level "concurrency 4"), written
 * straight to the database the way finalization does: summary + encoded accumulator, plus the raw samples.
 */
async function seedRun(
  t: TestApi,
  experimentId: string,
  ttftByVariant: Record<string, number>,
  seed: number,
  createdAt: Date,
): Promise<{ runId: string; pointIds: Record<string, string> }> {
  const exp = await t.client.getExperiment(experimentId);
  // the frozen spec as starting a run writes it (RunSpec), so the API reads it like any other run
  const spec: RunSpec = {
    v: 1,
    experiment: { id: exp.id, name: exp.name, description: exp.description, tags: exp.tags },
    workload: exp.workload,
    loadPlan: exp.loadPlan,
    slo: { ttftMs: 200, percentile: 99 },
    variants: await Promise.all(
      exp.variants.map(async (v) => {
        const { id, name, baseUrl, apiKind, model, headers, pool, metricsUrl, hasApiKey } =
          await t.client.getTarget(v.targetId);
        return {
          id: v.id,
          label: v.label,
          optimization: v.optimization,
          params: v.params,
          target: { id, name, baseUrl, apiKind, model, headers, pool, metricsUrl, hasApiKey },
        };
      }),
    ),
  };
  const run = await t.prisma.run.create({
    data: {
      experimentId,
      status: 'completed',
      trigger: 'api',
      spec: JSON.parse(JSON.stringify(spec)),
      createdAt,
      finishedAt: createdAt,
    },
  });
  const pointIds: Record<string, string> = {};
  let ordinal = 0;
  for (const v of exp.variants) {
    const samples = synthSamples(400, ttftByVariant[v.label]!, seed + ordinal);
    const acc = new LoadPointAccumulator({ slo: { ttftMs: 200, percentile: 99 } }).addAll(samples);
    const p = await t.prisma.loadPoint.create({
      data: {
        runId: run.id,
        variantId: v.id,
        variantLabel: v.label,
        ordinal: ordinal++,
        level: { kind: 'concurrency', concurrency: 4 },
        levelLabel: 'concurrency 4',
        status: 'completed',
        samplesStored: samples.length,
        summary: acc.summary({ slo: { ttftMs: 200, percentile: 99 } }),
        histograms: acc.encode(),
      },
    });
    await t.prisma.requestSample.createMany({
      data: samples.map((s) => ({ ...s, loadPointId: p.id, shardIndex: 0 })),
    });
    pointIds[v.label] = p.id;
  }
  return { runId: run.id, pointIds };
}

describe('experiments: archive, clone, list filters, baseline, history', () => {
  apiTest(
    'archives out of the list and back, filters by last run status, clones, sets a baseline and reports history',
    async ({ app: t }) => {
      const target = await t.client.createTarget(targetBody('review-target'));
      const exp = await t.client.createExperiment(
        experimentBody([target.id, target.id], { name: 'review-exp', slo: { ttftMs: 200, percentile: 99 } }),
      );
      expect(exp).toMatchObject({ baselineRunId: null, archivedAt: null });

      const older = await seedRun(t, exp.id, { v0: 50, v1: 50 }, 1, new Date(Date.now() - 60_000));
      const newer = await seedRun(t, exp.id, { v0: 50, v1: 80 }, 100, new Date());

      // list: status filter is the newest run's status
      expect((await t.client.listExperiments({ status: 'completed' })).items.map((e) => e.id)).toContain(
        exp.id,
      );
      expect((await t.client.listExperiments({ status: 'failed' })).items.map((e) => e.id)).not.toContain(
        exp.id,
      );

      const archived = await t.client.archiveExperiment(exp.id);
      expect(archived.archivedAt).not.toBeNull();
      expect((await t.client.listExperiments()).items.map((e) => e.id)).not.toContain(exp.id);
      expect((await t.client.listExperiments({ archived: true })).items.map((e) => e.id)).toEqual([exp.id]);
      expect((await t.client.getExperiment(exp.id)).archivedAt).toBe(archived.archivedAt);
      // an archived experiment cannot start runs (409, nothing written)
      const refused = await t.client.startRun(exp.id).catch((e: unknown) => e as ApiError);
      expect(refused).toMatchObject({ status: 409, code: 'CONFLICT' });
      expect((await t.client.unarchiveExperiment(exp.id)).archivedAt).toBeNull();
      expect((await t.client.listExperiments()).items.map((e) => e.id)).toContain(exp.id);

      const clone = await t.client.cloneExperiment(exp.id);
      expect(clone.id).not.toBe(exp.id);
      expect(clone).toMatchObject({
        name: 'review-exp (copy)',
        loadPlan: exp.loadPlan,
        workload: exp.workload,
        slo: exp.slo,
        recentRuns: [],
        baselineRunId: null,
      });
      expect(clone.variants.map((v) => [v.label, v.targetId])).toEqual(
        exp.variants.map((v) => [v.label, v.targetId]),
      );
      expect((await t.client.cloneExperiment(exp.id, { name: 'named' })).name).toBe('named');

      // baseline: only a run of this experiment
      const foreign = await seedRun(t, clone.id, { v0: 10, v1: 10 }, 7, new Date());
      const bad = await apiError(t.client.setBaseline(exp.id, foreign.runId));
      expect(bad.status).toBe(400);
      expect(bad.fieldErrors()).toHaveProperty('runId');
      expect((await t.client.setBaseline(exp.id, older.runId)).baselineRunId).toBe(older.runId);
      expect(await t.client.getRunReview(older.runId)).toMatchObject({
        isBaseline: true,
        experimentId: exp.id,
      });
      expect((await t.client.getRunReview(newer.runId)).isBaseline).toBe(false);

      const hist = await t.client.getExperimentHistory(exp.id);
      expect(hist.baselineRunId).toBe(older.runId);
      expect(hist.runs.map((r) => r.runId)).toEqual([older.runId, newer.runId]);
      expect(hist.runs[0]!.isBaseline).toBe(true);
      const v1Newer = hist.runs[1]!.points.find((p) => p.variantLabel === 'v1')!;
      const stored = await t.prisma.loadPoint.findUniqueOrThrow({ where: { id: newer.pointIds.v1! } });
      const summary = stored.summary as {
        latency: Record<string, { p50: number; p99: number }>;
        goodput: number;
      };
      expect(v1Newer).toMatchObject({
        key: 'v1 · concurrency 4',
        ttftP50Ms: summary.latency.ttftMs!.p50,
        ttftP99Ms: summary.latency.ttftMs!.p99,
        goodput: summary.goodput,
      });
      // the regression in v1 shows as a higher TTFT in the newer run
      const v1Older = hist.runs[0]!.points.find((p) => p.variantLabel === 'v1')!;
      expect(v1Newer.ttftP50Ms!).toBeGreaterThan(v1Older.ttftP50Ms! * 1.3);

      expect((await t.client.setBaseline(exp.id, null)).baselineRunId).toBeNull();
    },
  );
});

describe('review: comments and run tags', () => {
  apiTest(
    'stores comments with author and time on runs and experiments, validates them, and replaces run tags',
    async ({ app: t }) => {
      const target = await t.client.createTarget(targetBody('comment-target'));
      const exp = await t.client.createExperiment(experimentBody([target.id], { name: 'comment-exp' }));
      const { runId } = await seedRun(t, exp.id, { v0: 40 }, 3, new Date());

      // the author is the caller (here the bootstrap token); a typed-in `author` is ignored (issue 12)
      const c1 = await t.client.addRunComment(runId, { author: 'Ada', body: 'TTFT looks high at c=4' });
      const c2 = await t.client.addRunComment(runId, { body: 'agreed' });
      expect(c1).toMatchObject({
        runId,
        experimentId: null,
        author: 'bootstrap',
        body: 'TTFT looks high at c=4',
      });
      expect(c2.author).toBe('bootstrap');
      expect(Date.parse(c1.createdAt)).toBeGreaterThan(Date.now() - 60_000);
      const list = await t.client.listRunComments(runId);
      expect(list.items.map((c) => c.id)).toEqual([c1.id, c2.id]);

      const ec = await t.client.addExperimentComment(exp.id, { author: 'Ada', body: 'baseline is run 1' });
      expect(ec).toMatchObject({ experimentId: exp.id, runId: null });
      expect((await t.client.listExperimentComments(exp.id)).items.map((c) => c.id)).toEqual([ec.id]);

      const noAuthor = await apiError(t.client.addRunComment(runId, { author: '', body: 'x' }));
      expect(noAuthor.fieldErrors()).toHaveProperty('author');
      const longAuthor = await apiError(t.client.addRunComment(runId, { author: 'x'.repeat(81), body: 'x' }));
      expect(longAuthor.fieldErrors()).toHaveProperty('author');
      const longBody = await apiError(
        t.client.addRunComment(runId, { author: 'a', body: 'x'.repeat(10_001) }),
      );
      expect(longBody.fieldErrors()).toHaveProperty('body');
      expect((await apiError(t.client.addRunComment('nope', { author: 'a', body: 'b' }))).status).toBe(404);
      expect((await apiError(t.client.listExperimentComments('nope'))).status).toBe(404);

      expect((await t.client.setRunTags(runId, ['fp8', ' nightly ', 'fp8'])).tags).toEqual([
        'fp8',
        'nightly',
      ]);
      expect((await t.client.getRunReview(runId)).tags).toEqual(['fp8', 'nightly']);
      expect((await t.prisma.run.findUniqueOrThrow({ where: { id: runId } })).tags).toEqual([
        'fp8',
        'nightly',
      ]);
      expect((await apiError(t.client.setRunTags('nope', ['a']))).status).toBe(404);
    },
  );
});

describe('distribution, samples page and compare', () => {
  apiTest(
    'answers CDFs from stored histograms, pages raw samples, and compares runs and variants with CIs',
    async ({ app: t }) => {
      const target = await t.client.createTarget(targetBody('compare-target'));
      const exp = await t.client.createExperiment(
        experimentBody([target.id, target.id], { name: 'compare-exp' }),
      );
      const a = await seedRun(t, exp.id, { v0: 50, v1: 50 }, 11, new Date(Date.now() - 1000));
      const b = await seedRun(t, exp.id, { v0: 51, v1: 90 }, 22, new Date());

      // distribution: matches the exact percentiles of the synthetic samples within HDR precision
      const dist = await t.client.getDistribution(a.pointIds.v0!, 'ttftMs', 20);
      expect(dist).toMatchObject({ figure: 'ttftMs', unit: 'ms', count: 400 });
      const ttfts = synthSamples(400, 50, 11).map((s) => (s.firstChunkUs! - s.sentUs) / 1000);
      const p50 = dist.points.find((p) => p.pct === 50)!;
      expect(p50.valueMs).toBeGreaterThanOrEqual(exactPercentile(ttfts, 50));
      expect(p50.valueMs).toBeLessThanOrEqual(exactPercentile(ttfts, 50) * 1.001);
      expect(dist.points.at(-1)!.pct).toBe(100);
      expect((await apiError(t.client.getDistribution('nope', 'ttftMs'))).status).toBe(404);
      const badFigure = await t.fetch(`${t.url}/load-points/${a.pointIds.v0}/distribution?figure=nope`);
      expect(badFigure.status).toBe(400);
      // a point without stored histograms answers an empty CDF, not an error
      await t.prisma.loadPoint.update({ where: { id: b.pointIds.v0! }, data: { histograms: null } });
      expect(await t.client.getDistribution(b.pointIds.v0!, 'ttftMs')).toMatchObject({
        count: 0,
        points: [],
      });

      // samples page
      const page = await t.client.getSamplesPage(a.pointIds.v0!, { limit: 25, offset: 50 });
      expect(page).toMatchObject({ total: 400, limit: 25, offset: 50 });
      expect(page.items.map((r) => r.idx)).toEqual(Array.from({ length: 25 }, (_, i) => 50 + i));
      expect(page.items[0]!.ttftMs).toBeCloseTo(ttfts[50]!, 6);
      expect(page.items[0]).toMatchObject({ chunks: 8, outputTokens: 8, maxItlMs: 4, tpotMs: 4 });
      expect(page.items[0]!.e2eMs).toBeCloseTo(ttfts[50]! + 28, 6);

      // runs mode: rows are variant × level, columns are runs
      const byRuns = await t.client.compare([a.runId, b.runId], 30);
      expect(byRuns.mode).toBe('runs');
      expect(byRuns.columns.map((c) => c.runId)).toEqual([a.runId, b.runId]);
      expect(byRuns.rows.map((r) => r.key).sort()).toEqual(['v0 · concurrency 4', 'v1 · concurrency 4']);
      const v1 = byRuns.rows.find((r) => r.variantLabel === 'v1')!;
      const ttftA = v1.cells[0]!.figures.ttftMs!;
      expect(ttftA.p50Ci!.lower).toBeLessThanOrEqual(ttftA.stats.p50!);
      expect(ttftA.p50Ci!.upper).toBeGreaterThanOrEqual(ttftA.stats.p50!);
      expect(ttftA.cdf.length).toBeGreaterThan(10);
      expect(v1.deltas[0]).toBeNull();
      expect(v1.deltas[1]!.ttftMs!.p50.beyondNoise).toBe(true);
      expect(v1.deltas[1]!.ttftMs!.p50.deltaPct!).toBeGreaterThan(50);
      // same generator for both runs' v0 TTFT (50 vs 51 ms): not beyond noise; v0 of run b has no histograms: no CI
      const v0 = byRuns.rows.find((r) => r.variantLabel === 'v0')!;
      expect(v0.cells[1]!.figures.ttftMs!.p50Ci).toBeNull();
      expect(v0.deltas[1]!.ttftMs!.p50.beyondNoise).toBe(false);
      expect(byRuns.method).toMatch(/order-statistic/);
      expect(byRuns.columns[0]!.slo).toMatchObject({ ttftMs: 200 });

      // variants mode: the two variants of run a side by side, rows are levels
      const v0Id = (await t.client.getExperiment(exp.id)).variants.find((v) => v.label === 'v0')!.id;
      const v1Id = (await t.client.getExperiment(exp.id)).variants.find((v) => v.label === 'v1')!.id;
      const byVariants = await t.client.compare([`${b.runId}:${v0Id}`, `${b.runId}:${v1Id}`]);
      expect(byVariants.mode).toBe('variants');
      expect(byVariants.columns.map((c) => c.variantLabel)).toEqual(['v0', 'v1']);
      expect(byVariants.rows).toHaveLength(1);
      expect(byVariants.rows[0]!.cells.every((c) => c !== null)).toBe(true);

      const mixed = await apiError(t.client.compare([a.runId, `${b.runId}:${v0Id}`]));
      expect(mixed.status).toBe(400);
      expect((await apiError(t.client.compare(['missing-run']))).status).toBe(404);
      expect((await apiError(t.client.compare([`${a.runId}:not-a-variant`]))).status).toBe(400);
    },
  );
});

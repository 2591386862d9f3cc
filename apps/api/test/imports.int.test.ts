/**
 * Issue 13 (interop) through the real API over a real PostgreSQL: every fixture of packages/interop imported
 * with POST /imports, bad files refused whole, the original file downloadable byte for byte, export → import
 * round trips, k6 scripts, and imported runs in compare next to each other.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '@inferbench/api-client';
import { ErrorEnvelopeSchema, type LoadPointSummary } from '@inferbench/contracts';
import { importResultFile, reportedToPartialStats, type ImportResult } from '@inferbench/interop';
import { experimentBody, startTestApi, targetBody, type TestApi } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../../../packages/interop/test/fixtures/', import.meta.url));
const FILES = readdirSync(FIXTURES).filter((f) => !f.endsWith('.txt'));
const read = (f: string): string => readFileSync(`${FIXTURES}${f}`, 'utf8');

async function rowCounts(t: TestApi): Promise<string> {
  const c = new pg.Client({ connectionString: t.db.url });
  await c.connect();
  try {
    const { rows } = await c.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations' ORDER BY 1`,
    );
    const sql = `SELECT ${rows.map((x) => `(SELECT count(*) FROM "${x.tablename}")::int AS "${x.tablename}"`).join(', ')}`;
    return JSON.stringify((await c.query(sql)).rows[0]);
  } finally {
    await c.end();
  }
}

describe('imports, exports and k6 through the API', () => {
  let t: TestApi;
  let experimentId: string;
  const expName = 'interop experiment';

  beforeAll(async () => {
    t = await startTestApi();
    const target = await t.client.createTarget(targetBody('native-target'));
    const exp = await t.client.createExperiment(
      experimentBody([target.id], {
        name: expName,
        loadPlan: { kind: 'concurrency', levels: [16, 32], requests: 100 },
        slo: { ttftMs: 500, tpotMs: 50, percentile: 99 },
      }),
    );
    experimentId = exp.id;
  });
  afterAll(async () => t?.close());

  it.each(FILES)('imports %s with every figure the file holds', async (file) => {
    const text = read(file);
    const expected: ImportResult = importResultFile(text, { fileName: file });
    const run = await t.client.importFile({
      experiment: expName,
      variantLabel: `imp-${file}`,
      fileName: file,
      content: text,
    });
    expect(run.trigger).toBe('import');
    expect(run.status).toBe('completed');
    expect(run.source).toMatchObject({ tool: expected.tool, format: expected.format, fileName: file });
    expect(run.source!.toolVersion).toBe(expected.toolVersion ?? null);
    expect(run.source!.label).toBe(
      `${expected.tool}${expected.toolVersion ? ` ${expected.toolVersion}` : ''} (import)`,
    );
    expect(run.loadPoints).toHaveLength(expected.points.length);
    for (const [i, p] of run.loadPoints.entries()) {
      const want = expected.points[i]!;
      expect(p.status).toBe('completed');
      expect(p.variantLabel).toBe(`imp-${file}`);
      expect(p.imported!.detail).toBe(want.detail);
      expect(p.imported!.flags).toEqual(expect.arrayContaining(want.flags));
      expect(Object.keys(p.imported!.sources).sort()).toEqual(Object.keys(want.sources).sort());
      const row = await t.prisma.loadPoint.findUniqueOrThrow({
        where: { id: p.id },
        select: { histograms: true, summary: true },
      });
      if (want.detail === 'samples') {
        // rebuilt like a native point: full summary, stored histograms, samples, CDFs
        expect(p.summary!.latency.ttftMs).toEqual(want.rebuilt!.latency.ttftMs);
        expect(p.summary!.latency.itlMs).toEqual(want.rebuilt!.latency.itlMs);
        expect(p.summary!.durationSec).toBe(want.scalars.durationSec);
        expect(p.summary!.requestThroughput).toBe(want.scalars.requestThroughput);
        expect(p.samplesStored).toBe(want.rebuilt!.samples.length);
        expect(await t.prisma.requestSample.count({ where: { loadPointId: p.id } })).toBe(
          want.rebuilt!.samples.length,
        );
        expect(row.histograms).toBe(want.rebuilt!.accumulator.encode());
        const cdf = await t.client.getDistribution(p.id, 'ttftMs', 20);
        expect(cdf.count).toBe(want.rebuilt!.latency.ttftMs!.count);
        expect(cdf.points.length).toBeGreaterThan(5);
      } else {
        // aggregates only: the file's figures, nothing else
        expect(p.summary).toBeNull();
        expect(row.histograms).toBeNull();
        const agg = p.imported!.aggregates!;
        expect(agg.aggregatesOnly).toBe(true);
        expect(row.summary).toEqual(agg);
        for (const [fig, r] of Object.entries(want.reported))
          expect(agg.latency[fig]).toEqual(reportedToPartialStats(r!));
        expect(Object.keys(agg.latency).sort()).toEqual(Object.keys(want.reported).sort());
        expect(agg.requestThroughput).toBe(want.scalars.requestThroughput);
        expect(agg.durationSec).toBe(want.scalars.durationSec);
        expect(agg.requests.succeeded).toBe(want.requests.succeeded);
        if (want.scalars.outputTokenThroughput === undefined)
          expect(agg).not.toHaveProperty('outputTokenThroughput');
        expect(p.imported!.reported).toEqual(JSON.parse(JSON.stringify(want.reported)));
      }
    }
    // the original file, byte for byte
    const dl = await t.client.downloadImportFile(run.id);
    expect(Buffer.from(dl.bytes).equals(readFileSync(`${FIXTURES}${file}`))).toBe(true);
    expect(dl.fileName).toBe(file);
    const stored = await t.prisma.importFile.findUniqueOrThrow({ where: { runId: run.id } });
    expect(stored.sha256).toBe(
      createHash('sha256')
        .update(readFileSync(`${FIXTURES}${file}`))
        .digest('hex'),
    );
    expect(stored.size).toBe(readFileSync(`${FIXTURES}${file}`).byteLength);
  });

  it('creates the variant with a placeholder target once, and reuses an existing variant', async () => {
    const text = read('vllm-aggregates.json');
    const a = await t.client.importFile({ experimentId, fileName: 'a.json', content: text });
    const b = await t.client.importFile({ experimentId, fileName: 'b.json', content: text });
    expect(a.loadPoints[0]!.variantId).toBe(b.loadPoints[0]!.variantId);
    expect(a.loadPoints[0]!.variantLabel).toBe('vllm');
    // vLLM `--request-rate inf --max-concurrency 32` is closed loop at 32: it lines up with native c=32
    expect(a.loadPoints[0]!.level).toEqual({ kind: 'concurrency', concurrency: 32 });
    expect(a.loadPoints[0]!.levelLabel).toBe('c=32');
    const variant = await t.prisma.variant.findUniqueOrThrow({
      where: { id: a.loadPoints[0]!.variantId },
      select: { target: { select: { name: true, baseUrl: true, model: true } } },
    });
    expect(variant.target).toEqual({
      name: 'imported: vllm Qwen/Qwen3-8B',
      baseUrl: 'imported://vllm',
      model: 'Qwen/Qwen3-8B',
    });
    // an existing variant keeps its own (real) target
    const onV0 = await t.client.importFile({
      experimentId,
      variantLabel: 'v0',
      fileName: 'c.json',
      content: text,
    });
    const exp = await t.client.getExperiment(experimentId);
    expect(onV0.loadPoints[0]!.variantId).toBe(exp.variants.find((v) => v.label === 'v0')!.id);
    expect((await t.client.listRuns({ experimentId, limit: 100, offset: 0 })).items[0]!.source?.tool).toBe(
      'vllm',
    );
  });

  it('refuses a bad file with 400 naming the tool and the field, and writes nothing', async () => {
    const good = JSON.parse(read('vllm-aggregates.json')) as Record<string, unknown>;
    const cases: {
      content: string;
      tool?: 'vllm' | 'guidellm';
      wantTool: string;
      wantField: string | null;
    }[] = [
      { content: JSON.stringify({ ...good, completed: 'many' }), wantTool: 'vllm', wantField: 'completed' },
      {
        content: JSON.stringify({ ...JSON.parse(read('vllm-detailed.json')), ttfts: [0.1] }),
        wantTool: 'vllm',
        wantField: 'itls',
      },
      { content: '{"hello": 1}', wantTool: 'unknown', wantField: null },
      { content: '{"benchmarks": 3}', tool: 'guidellm', wantTool: 'guidellm', wantField: 'benchmarks' },
    ];
    const before = await rowCounts(t);
    for (const c of cases) {
      const res = await t.fetch(`${t.url}/imports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          experimentId,
          variantLabel: 'never-created',
          fileName: 'bad.json',
          content: c.content,
          ...(c.tool ? { tool: c.tool } : {}),
        }),
      });
      const env = ErrorEnvelopeSchema.parse(await res.json());
      expect([res.status, env.error.code]).toEqual([400, 'VALIDATION_FAILED']);
      expect(env.error.details?.tool).toBe(c.wantTool);
      expect(env.error.details?.field ?? null).toBe(c.wantField);
      if (c.wantField) {
        expect(env.error.message).toContain(`\`${c.wantField}\``);
        expect(env.error.details?.issues?.[0]?.path).toBe(`content.${c.wantField}`);
      }
      if (c.wantTool !== 'unknown') expect(env.error.message).toContain(`${c.wantTool} file`);
    }
    expect(await rowCounts(t)).toBe(before);
    // the experiment must exist, named exactly once
    await expect(
      t.client.importFile({
        experiment: 'no such experiment',
        fileName: 'x.json',
        content: read('aiperf.json'),
      }),
    ).rejects.toMatchObject({ status: 404 });
    expect(await rowCounts(t)).toBe(before);
  });

  it('exports a run as vLLM JSON and CSV; importing the export gives back the same figures', async () => {
    const src = await t.client.importFile({
      experimentId,
      variantLabel: 'detailed',
      fileName: 'vllm-detailed.json',
      content: read('vllm-detailed.json'),
    });
    const exported = await t.client.exportRun(src.id, { format: 'vllm' });
    expect(exported.contentType).toContain('application/json');
    const json = JSON.parse(new TextDecoder().decode(exported.bytes)) as Record<string, unknown>;
    expect(json.ttfts).toHaveLength(src.loadPoints[0]!.samplesStored);
    const back = await t.client.importFile({
      experimentId,
      variantLabel: 'round-trip',
      fileName: exported.fileName!,
      content: new TextDecoder().decode(exported.bytes),
    });
    const a = src.loadPoints[0]!.summary!;
    const b = back.loadPoints[0]!.summary!;
    expect(back.loadPoints[0]!.imported!.detail).toBe('samples');
    for (const f of ['ttftMs', 'tpotMs', 'itlMs', 'e2eMs', 'ttstMs', 'ntpotMs'] as const)
      expect([f, b.latency[f]]).toEqual([f, a.latency[f]]);
    const scalar = (s: LoadPointSummary) => [
      s.durationSec,
      s.requestThroughput,
      s.outputTokenThroughput,
      s.totalTokenThroughput,
      s.requests.succeeded,
      s.requests.failed,
      s.tokens.input,
      s.tokens.output,
    ];
    expect(scalar(b)).toEqual(scalar(a));
    // the load line up again: vLLM request_rate/max_concurrency keys carry it
    expect(back.loadPoints[0]!.levelLabel).toBe(src.loadPoints[0]!.levelLabel);

    const csv = new TextDecoder().decode((await t.client.exportRun(src.id, { format: 'csv' })).bytes);
    const [header, row] = csv.trim().split('\n');
    const cols = header!.split(',');
    const cells = row!.split(',');
    expect(Number(cells[cols.indexOf('ttftMs_p99')])).toBe(a.latency.ttftMs!.p99);
    expect(Number(cells[cols.indexOf('requestThroughput')])).toBe(a.requestThroughput);

    // aggregates-only: CSV holds the file's figures, vLLM export answers 409 pointing at the original file
    const agg = await t.client.importFile({
      experimentId,
      variantLabel: 'agg',
      fileName: 'guidellm.json',
      content: read('guidellm.json'),
    });
    await expect(t.client.exportRun(agg.id, { format: 'vllm' })).rejects.toMatchObject({ status: 409 });
    const aggCsv = new TextDecoder().decode(
      (await t.client.exportRun(agg.id, { format: 'csv', point: 0 })).bytes,
    );
    const [h2, r2] = aggCsv.trim().split('\n');
    const c2 = h2!.split(',');
    const v2 = r2!.split(',');
    expect(v2[c2.indexOf('detail')]).toBe('aggregates only');
    expect(Number(v2[c2.indexOf('requestThroughput')])).toBe(
      agg.loadPoints[0]!.imported!.aggregates!.requestThroughput,
    );
    expect(v2[c2.indexOf('sloAttainmentPct')]).toBe('');
    await expect(t.client.exportRun(agg.id, { format: 'csv', point: 7 })).rejects.toMatchObject({
      status: 404,
    });
  });

  it('answers 409 for the original file of a measured run, 404 for an unknown run', async () => {
    const run = await t.client.startRun(experimentId, { trigger: 'ci' });
    await expect(t.client.downloadImportFile(run.id)).rejects.toMatchObject({ status: 409 });
    await expect(t.client.downloadImportFile('nope')).rejects.toBeInstanceOf(ApiError);
    await expect(t.client.downloadImportFile('nope')).rejects.toMatchObject({ status: 404 });
    await t.client.cancelRun(run.id).catch(() => undefined);
  });

  it('writes the experiment as a k6 script with its scenarios and SLO thresholds', async () => {
    const script = await t.client.k6Script(experimentId);
    const text = new TextDecoder().decode(script.bytes);
    expect(script.contentType).toContain('javascript');
    expect(text).toContain("import sse from 'k6/x/sse'");
    expect(text).toContain('http://127.0.0.1:9/v1/chat/completions');
    // SLO thresholds at the SLO percentile
    expect(text).toMatch(/"ib_ttft": \[\s*"p\(99\)<=500"\s*\]/);
    // one script drives one server: variants on the placeholder targets of imports are named, not included
    expect(text.split('\n')[0]).toMatch(/^\/\/ Not included: variants on other targets.*\bvllm\b/);
    expect(text).toMatch(/v0_c16/);
  });

  it('compares imported runs next to each other with their source tool, CIs only where samples exist', async () => {
    const detailed = await t.client.importFile({
      experimentId,
      variantLabel: 'cmp',
      fileName: 'vllm-detailed.json',
      content: read('vllm-detailed.json'),
    });
    const aggregates = await t.client.importFile({
      experimentId,
      variantLabel: 'cmp',
      fileName: 'aiperf.json',
      content: read('aiperf.json'),
    });
    const vItem = `${detailed.id}:${detailed.loadPoints[0]!.variantId}`;
    const aItem = `${aggregates.id}:${aggregates.loadPoints[0]!.variantId}`;
    const cmp = await t.client.compare([vItem, aItem]);
    expect(cmp.columns.map((c) => c.source?.label)).toEqual(['vllm 0.8.3 (import)', 'aiperf (import)']);
    expect(cmp.columns[0]!.label).toContain('vllm 0.8.3 (import)');
    const cells = cmp.rows.flatMap((r) => r.cells.filter((c) => c !== null));
    const rebuilt = cells.find((c) => c!.loadPointId === detailed.loadPoints[0]!.id)!;
    const agg = cells.find((c) => c!.loadPointId === aggregates.loadPoints[0]!.id)!;
    expect(rebuilt.aggregatesOnly).toBe(false);
    expect(rebuilt.figures.ttftMs!.p99Ci).not.toBeNull();
    expect(agg.aggregatesOnly).toBe(true);
    expect(agg.figures.ttftMs!.p99Ci).toBeNull();
    expect(agg.figures.ttftMs!.cdf).toEqual([]);
    expect(agg.figures.ttftMs!.stats).toEqual(aggregates.loadPoints[0]!.imported!.aggregates!.latency.ttftMs);
    expect(agg.requestThroughput).toBe(aggregates.loadPoints[0]!.imported!.aggregates!.requestThroughput);
    // the experiment history and run list still answer with imported runs in them
    const hist = await t.fetch(`${t.url}/experiments/${experimentId}/history`);
    expect(hist.status).toBe(200);
  });
});

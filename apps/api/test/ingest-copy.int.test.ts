/**
 * The binary-COPY ingest path over the real PostgreSQL and Redis: what COPY writes reads back exactly (NULLs, negative
 * and large integer times in float8, unicode and NUL in error messages, empty and 2,000-element int4[] chunk gaps), a batch delivered twice is stored once, a batch that repeats an
 * idx already stored by another batch falls back to row-wise insertion (keeping its new rows), and a batch for a
 * point that does not exist in the event's run is dropped without writing anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadPointJobId,
  loadQueueName,
  LoadPointJobSchema,
  type LoadPointJob,
  type RequestSample,
} from '@inferbench/contracts';
import {
  agentEvents,
  announceAgent,
  experimentBody,
  makeSamples,
  sendEvents,
  startTestApi,
  targetBody,
  waitFor,
  type TestApi,
} from './helpers.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

async function startPoint(pool: string): Promise<LoadPointJob> {
  await announceAgent(t, `agent-${pool}`, pool);
  const target = await t.client.createTarget(targetBody(`${pool}-target`, { pool }));
  const exp = await t.client.createExperiment(
    experimentBody([target.id], {
      name: pool,
      loadPlan: { kind: 'concurrency', levels: [1], requests: 100, seed: 1 },
    }),
  );
  const run = await t.client.startRun(exp.id);
  const job = await waitFor(`a job on ${pool}`, async () => {
    const jobs = await t.queue(loadQueueName(pool)).getJobs(['waiting', 'prioritized', 'delayed']);
    return jobs.map((j) => LoadPointJobSchema.parse(j.data)).find((j) => j.runId === run.id);
  });
  await t.queue(loadQueueName(pool)).remove(loadPointJobId(job.loadPointId, job.shard.index));
  return job;
}

const stored = (loadPointId: string) =>
  t.prisma.requestSample.findMany({
    where: { loadPointId },
    orderBy: [{ shardIndex: 'asc' }, { idx: 'asc' }],
  });

describe('COPY ingest', () => {
  it('stores exactly what was sent, once: NULLs, negative and large times, unicode, empty and long gap arrays', async () => {
    const job = await startPoint('pool-copy');
    const awkward = 'upstream said: "a\\b"\ttab\nnewline\r\nand NUL\0 here, ünïcode ✓ 🚀 中文';
    const big = Number.MAX_SAFE_INTEGER;
    const manyGaps = Array.from({ length: 2_000 }, (_, i) => (i * 7_919) % 100_000);
    manyGaps[1_999] = 2 ** 31 - 1; // int4's largest value
    const [s0, s1, s2] = makeSamples(3);
    const samples: RequestSample[] = [
      { ...s0!, scheduledUs: -big, clientQueueUs: 0, clientOutputTokens: 9, warmup: true },
      { ...s1!, sentUs: -1, firstChunkUs: big, firstContentUs: big - 1, endUs: big, chunkGapsUs: manyGaps },
      { ...s2!, tokenSource: 'client', errorClass: 'truncated', errorMessage: 'é'.repeat(2_000) },
      {
        ...makeSamples(1, 3)[0]!,
        chunkGapsUs: [],
        httpStatus: 502,
        errorClass: 'http',
        errorMessage: awkward,
        firstChunkUs: undefined,
        firstContentUs: undefined,
      },
    ];
    const batch = agentEvents.batch(job, 0, samples);
    await sendEvents(t, [batch, batch]);
    const run = await waitFor('4 stored', async () => {
      const r = await t.client.getRun(job.runId);
      return r.loadPoints[0]!.samplesStored === 4 ? r : null;
    });
    // the second delivery was a no-op (give it time to be processed, then recount)
    await waitFor('queue drained', async () => {
      const c = await t.queue('ingest').getJobCounts('waiting', 'active');
      return (c.waiting ?? 0) + (c.active ?? 0) === 0;
    });
    expect((await t.client.getRun(run.id)).loadPoints[0]!.samplesStored).toBe(4);
    const rows = await stored(job.loadPointId);
    expect(rows).toHaveLength(4);
    // every column of every row, compared with what was sent (absent optional fields read back as NULL)
    expect(rows).toEqual(
      samples.map((s) => ({
        loadPointId: job.loadPointId,
        shardIndex: job.shard.index,
        attempt: 0,
        idx: s.idx,
        warmup: s.warmup,
        scheduledUs: s.scheduledUs ?? null,
        clientQueueUs: s.clientQueueUs ?? null,
        sentUs: s.sentUs,
        firstChunkUs: s.firstChunkUs ?? null,
        firstContentUs: s.firstContentUs ?? null,
        endUs: s.endUs,
        chunkGapsUs: s.chunkGapsUs,
        inputTokens: s.inputTokens,
        outputTokens: s.outputTokens,
        reasoningTokens: s.reasoningTokens,
        tokenSource: s.tokenSource,
        clientOutputTokens: s.clientOutputTokens ?? null,
        httpStatus: s.httpStatus,
        errorClass: s.errorClass ?? null,
        errorMessage: s.errorMessage?.replace('\0', '') ?? null,
      })),
    );
    // PostgreSQL's own view of the arrays: '{}' has no dimensions, the long one is 1-based
    const dims = await t.prisma.$queryRawUnsafe<{ idx: number; dims: string | null }[]>(
      `SELECT idx, array_dims("chunkGapsUs") AS dims FROM "RequestSample" WHERE "loadPointId" = $1 ORDER BY idx`,
      job.loadPointId,
    );
    expect(dims.map((d) => d.dims)).toEqual(['[1:7]', '[1:2000]', '[1:7]', null]);
  });

  it('a batch repeating a stored idx falls back to row-wise insertion and keeps its new rows', async () => {
    const job = await startPoint('pool-clash');
    await sendEvents(t, [
      agentEvents.batch(job, 0, makeSamples(3, 0)),
      agentEvents.batch(job, 1, makeSamples(3, 2)),
    ]);
    await waitFor(
      '5 stored',
      async () => (await t.client.getRun(job.runId)).loadPoints[0]!.samplesStored === 5,
    );
    expect((await stored(job.loadPointId)).map((r) => r.idx)).toEqual([0, 1, 2, 3, 4]);
    expect(await t.prisma.ingestBatch.count({ where: { loadPointId: job.loadPointId } })).toBe(2);
  });

  it('drops a batch whose point is not in the event run, writing nothing', async () => {
    const job = await startPoint('pool-stray');
    await sendEvents(t, [
      { ...agentEvents.batch(job, 0, makeSamples(2)), runId: 'not-the-run' },
      agentEvents.batch(job, 1, makeSamples(1, 5)),
    ]);
    await waitFor(
      'the valid batch',
      async () => (await t.client.getRun(job.runId)).loadPoints[0]!.samplesStored === 1,
    );
    await waitFor('queue drained', async () => {
      const c = await t.queue('ingest').getJobCounts('waiting', 'active');
      return (c.waiting ?? 0) + (c.active ?? 0) === 0;
    });
    expect((await stored(job.loadPointId)).map((r) => r.idx)).toEqual([5]);
    expect(await t.prisma.ingestBatch.count({ where: { loadPointId: job.loadPointId } })).toBe(1);
  });
});

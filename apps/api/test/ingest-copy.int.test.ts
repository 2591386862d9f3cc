/**
 * The binary-COPY ingest path over the real PostgreSQL and Redis: what COPY writes reads back exactly (NULLs, negative
 * and large integer times in float8, unicode and NUL in error messages, empty and 2,000-element int4[] chunk gaps), a batch delivered twice is stored once, a batch that repeats an
 * idx already stored by another batch falls back to row-wise insertion (keeping its new rows), and a batch for a
 * point that does not exist in the event's run is dropped without writing anything. Compact (columnar-v2) batches store
 * exactly the rows their samples store as JSON (an older agent's batch), once per batch, and are dropped when their
 * payload was changed after signing or does not decode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  base64ToBytes,
  bytesToBase64,
  decodeSampleColumns,
  INGEST_QUEUE,
  loadPointJobId,
  loadQueueName,
  LoadPointJobSchema,
  toCompactSampleBatch,
  type LoadPointJob,
  type RequestSample,
  type SampleBatchEvent,
} from '@inferbench/contracts';
import {
  agentEvents,
  announceAgent,
  experimentBody,
  makeSamples,
  sendEvents,
  signAsAgent,
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

const compact = (job: LoadPointJob, batchSeq: number, samples: RequestSample[]) =>
  toCompactSampleBatch(agentEvents.batch(job, batchSeq, samples) as SampleBatchEvent);

const queueDrained = () =>
  waitFor('queue drained', async () => {
    const c = await t.queue(INGEST_QUEUE).getJobCounts('waiting', 'active', 'delayed');
    return (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0;
  });

describe('compact (columnar-v2) sample batches', () => {
  it('store the same rows as the same samples sent as JSON by an old agent, and a re-delivery writes nothing', async () => {
    const jsonJob = await startPoint('pool-json-v1');
    const compactJob = await startPoint('pool-columnar');
    const big = Number.MAX_SAFE_INTEGER;
    const [s0, s1, s2, s3] = makeSamples(4);
    const samples: RequestSample[] = [
      { ...s0!, scheduledUs: -big, clientQueueUs: 0, clientOutputTokens: 9, warmup: true },
      // times whose differences leave the safe-integer range (written absolute)
      { ...s1!, sentUs: -1, firstChunkUs: big, firstContentUs: big - 1, endUs: big },
      {
        ...s2!,
        chunkGapsUs: Array.from({ length: 1_000 }, (_, i) => (i * 7_919) % 100_000),
        tokenSource: 'client',
      },
      {
        ...s3!,
        chunkGapsUs: [],
        httpStatus: 502,
        errorClass: 'http',
        errorMessage: 'upstream: "a\\b"\ttab\nNUL\0 ünïcode ✓ 🚀 中文',
        firstChunkUs: undefined,
        firstContentUs: undefined,
      },
      ...makeSamples(60, 10).map((s, i) => ({ ...s, chunkGapsUs: s.chunkGapsUs.map((g) => g + i * 13) })),
    ];
    const batch = compact(compactJob, 0, samples);
    expect(batch).toMatchObject({ encoding: 'columnar-v2', sampleCount: samples.length });
    await sendEvents(t, [agentEvents.batch(jsonJob, 0, samples), batch, batch]);
    for (const job of [jsonJob, compactJob])
      await waitFor(
        'both stored',
        async () => (await t.client.getRun(job.runId)).loadPoints[0]!.samplesStored === samples.length,
      );
    await queueDrained();
    const rowsOf = async (job: LoadPointJob) =>
      (await stored(job.loadPointId)).map(({ loadPointId: _, ...row }) => row);
    const jsonRows = await rowsOf(jsonJob);
    expect(jsonRows).toHaveLength(samples.length);
    expect(await rowsOf(compactJob)).toEqual(jsonRows);
    // the re-delivered compact batch was a no-op
    expect((await t.client.getRun(compactJob.runId)).loadPoints[0]!.samplesStored).toBe(samples.length);
    expect(await t.prisma.ingestBatch.count({ where: { loadPointId: compactJob.loadPointId } })).toBe(1);
  });

  it('a compact batch repeating a stored idx falls back to row-wise insertion too', async () => {
    const job = await startPoint('pool-columnar-clash');
    await sendEvents(t, [compact(job, 0, makeSamples(3, 0)), compact(job, 1, makeSamples(3, 2))]);
    await waitFor(
      '5 stored',
      async () => (await t.client.getRun(job.runId)).loadPoints[0]!.samplesStored === 5,
    );
    expect((await stored(job.loadPointId)).map((r) => r.idx)).toEqual([0, 1, 2, 3, 4]);
    expect(await t.prisma.ingestBatch.count({ where: { loadPointId: job.loadPointId } })).toBe(2);
  });

  it('drops a compact batch whose payload changed after signing, and a signed one whose payload does not decode', async () => {
    const job = await startPoint('pool-tamper');
    // signed by the pool's agent, then one byte of the binary payload changed: it still decodes, the MAC no longer fits
    const signed = await signAsAgent(t, 'pool-tamper', compact(job, 0, makeSamples(3)));
    const bytes = Uint8Array.from(base64ToBytes(signed.data));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1]! + 2) % 128;
    expect(decodeSampleColumns(bytes).count).toBe(3);
    await t.queue(INGEST_QUEUE).add('sample.batch', { ...signed, data: bytesToBase64(bytes) });
    // validly signed, but not a columnar-v2 payload / fewer samples than announced
    await sendEvents(t, [
      { ...compact(job, 1, makeSamples(2, 10)), data: bytesToBase64(Uint8Array.from([2, 1, 0, 0])) },
      { ...compact(job, 2, makeSamples(2, 20)), sampleCount: 3 },
      compact(job, 3, makeSamples(2, 30)),
    ]);
    await waitFor(
      'the good batch',
      async () => (await t.client.getRun(job.runId)).loadPoints[0]!.samplesStored === 2,
    );
    await queueDrained();
    expect((await stored(job.loadPointId)).map((r) => r.idx)).toEqual([30, 31]);
    expect(
      await t.prisma.ingestBatch.findMany({
        where: { loadPointId: job.loadPointId },
        select: { batchSeq: true },
      }),
    ).toEqual([{ batchSeq: 3 }]);
    // dropped, not failed and retried
    expect(await t.queue(INGEST_QUEUE).getJobCounts('failed')).toMatchObject({ failed: 0 });
  });
});

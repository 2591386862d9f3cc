/**
 * The COPY ingest path over the real PostgreSQL and Redis: what COPY writes reads back exactly (text escaping of
 * error messages, NULLs, the int4[] of chunk gaps), a batch delivered twice is stored once, a batch that repeats an
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
import { copyTextValue, toCopyText } from '../src/modules/ingest/samples.repository.js';

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

describe('COPY text format', () => {
  it('escapes backslash, tab, newline and carriage return, and drops NUL', () => {
    expect(copyTextValue('plain')).toBe('plain');
    expect(copyTextValue('a\\b\tc\nd\re\0f')).toBe('a\\\\b\\tc\\nd\\re' + 'f');
    const line = toCopyText('lp', 1, 2, [
      { ...makeSamples(1)[0]!, chunkGapsUs: [3, 4], errorMessage: 'x\ty' },
    ]);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.split('\t')).toHaveLength(20);
    expect(line).toContain('\t{3,4}\t');
    expect(line).toContain('\tx\\ty\n');
  });
});

describe('COPY ingest', () => {
  it('stores exactly what was sent, once, including awkward text and NULLs', async () => {
    const job = await startPoint('pool-copy');
    const awkward = 'upstream said: "a\\b"\ttab\nnewline\r\nand NUL\0 here, ünïcode ✓';
    const samples: RequestSample[] = [
      ...makeSamples(3),
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
    expect(rows.map((r) => r.chunkGapsUs)).toEqual(samples.map((s) => s.chunkGapsUs));
    expect(rows[3]).toMatchObject({
      httpStatus: 502,
      errorClass: 'http',
      errorMessage: awkward.replace('\0', ''),
      firstChunkUs: null,
    });
    expect(rows[0]).toMatchObject({
      idx: 0,
      sentUs: samples[0]!.sentUs,
      endUs: samples[0]!.endUs,
      tokenSource: samples[0]!.tokenSource,
      errorMessage: null,
    });
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

import { describe, expect, it } from 'vitest';
import { AgentWireEventSchema, toCompactSampleBatch, type RequestSample } from '@inferbench/contracts';
import { IngestEventSchema, isGapArray } from './ingest-event.schema.js';

const sample: RequestSample = {
  idx: 0,
  warmup: false,
  sentUs: 10,
  firstChunkUs: 50,
  endUs: 90,
  chunkGapsUs: [10, 20, 10],
  inputTokens: 4,
  outputTokens: 4,
  reasoningTokens: 0,
  tokenSource: 'server',
  httpStatus: 200,
};
const batch = (samples: unknown[]) => ({
  v: 1,
  type: 'sample.batch',
  runId: 'r1',
  loadPointId: 'lp1',
  shardIndex: 0,
  agentId: 'a',
  ts: 1,
  batchSeq: 0,
  samples,
});

describe('IngestEventSchema', () => {
  it.each([
    ['a valid batch', batch([sample])],
    ['defaults filled in', batch([{ ...sample, warmup: undefined, reasoningTokens: undefined }])],
    ['empty gaps', batch([{ ...sample, chunkGapsUs: [] }])],
    ['a negative gap', batch([{ ...sample, chunkGapsUs: [1, -1] }])],
    ['a fractional gap', batch([{ ...sample, chunkGapsUs: [1.5] }])],
    ['a string gap', batch([{ ...sample, chunkGapsUs: ['1'] }])],
    [
      'NaN / Infinity gaps',
      batch([
        { ...sample, chunkGapsUs: [Number.NaN] },
        { ...sample, chunkGapsUs: [Infinity] },
      ]),
    ],
    ['an unsafe integer gap', batch([{ ...sample, chunkGapsUs: [2 ** 60] }])],
    ['gaps not an array', batch([{ ...sample, chunkGapsUs: { 0: 1 } }])],
    ['a bad other field', batch([{ ...sample, idx: -1 }])],
    ['json-v1 named', { ...batch([sample]), encoding: 'json-v1' }],
    ['columnar-v2', toCompactSampleBatch(batch([sample]) as Parameters<typeof toCompactSampleBatch>[0])],
    [
      'columnar-v2 without its payload',
      {
        ...toCompactSampleBatch(batch([sample]) as Parameters<typeof toCompactSampleBatch>[0]),
        data: undefined,
      },
    ],
    ['columnar-v2 with samples instead', { ...batch([sample]), encoding: 'columnar-v2' }],
    ['an unknown encoding', { ...batch([sample]), encoding: 'columnar-v3' }],
    [
      'a progress event',
      {
        ...batch([]),
        type: 'loadpoint.progress',
        window: { tSec: 0, completed: 1, errors: 0, outputTokens: 2 },
        totals: { done: 1, errors: 0, elapsedSec: 1 },
      },
    ],
  ])('accepts and outputs exactly what AgentWireEventSchema does: %s', (_, input) => {
    const want = AgentWireEventSchema.safeParse(input);
    const got = IngestEventSchema.safeParse(input);
    expect(got.success).toBe(want.success);
    if (want.success) expect(got.data).toEqual(want.data);
  });

  it('isGapArray', () => {
    expect(isGapArray([0, 1, 2])).toBe(true);
    expect(isGapArray([])).toBe(true);
    expect(isGapArray([1, -0.5])).toBe(false);
    expect(isGapArray(null)).toBe(false);
  });
});

import type { RequestSample } from '@inferbench/contracts';
import { describe, expect, it } from 'vitest';
import { SampleBatcher } from './sample-batcher.js';

const sample = (idx: number): RequestSample => ({
  idx,
  warmup: false,
  sentUs: 0,
  endUs: 10,
  chunkGapsUs: [],
  inputTokens: 1,
  outputTokens: 1,
  reasoningTokens: 0,
  tokenSource: 'client',
  httpStatus: 200,
});

describe('SampleBatcher', () => {
  it('seals full batches and the partial remainder with consecutive sequence numbers', () => {
    const sealed: [number, number[]][] = [];
    const b = new SampleBatcher(3, (s, seq) => sealed.push([seq, s.map((x) => x.idx)]));
    for (let i = 0; i < 7; i++) b.add(sample(i));
    expect(sealed).toEqual([
      [0, [0, 1, 2]],
      [1, [3, 4, 5]],
    ]);
    b.flush();
    b.flush();
    expect(sealed[2]).toEqual([2, [6]]);
    expect(b.batchCount).toBe(3);
    expect(b.sampleCount).toBe(7);
  });
});

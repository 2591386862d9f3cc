import { describe, expect, it } from 'vitest';
import type { RequestSample } from '@inferbench/contracts';
import { LoadPointAccumulator } from './accumulator.js';

function sample(idx: number, more: Partial<RequestSample> = {}): RequestSample {
  return {
    idx,
    warmup: false,
    sentUs: idx * 1000,
    firstChunkUs: idx * 1000 + 200,
    endUs: idx * 1000 + 900,
    chunkGapsUs: [100, 100],
    inputTokens: 4,
    outputTokens: 3,
    reasoningTokens: 0,
    tokenSource: 'server',
    httpStatus: 200,
    ...more,
  };
}

describe('connectionRetries in the summary', () => {
  it('counts re-sent measured requests (not warm-up, not cancelled), merges and survives encode/decode', () => {
    const a = new LoadPointAccumulator();
    a.add(sample(0, { connectionRetries: 1 }));
    a.add(sample(1));
    a.add(sample(2, { connectionRetries: 1, errorClass: 'connect', httpStatus: 0 }));
    a.add(sample(3, { connectionRetries: 1, warmup: true }));
    a.add(sample(4, { connectionRetries: 1, errorClass: 'cancelled' }));
    expect(a.summary().connectionRetries).toBe(2);
    expect(a.summary().requests.failed).toBe(1); // a re-send is not an error by itself

    const b = new LoadPointAccumulator();
    b.add(sample(10, { connectionRetries: 1 }));
    const merged = LoadPointAccumulator.decode(a.encode()).merge(LoadPointAccumulator.decode(b.encode()));
    expect(merged.summary().connectionRetries).toBe(3);
  });

  it('is 0 when nothing was re-sent, also for states encoded before the field existed', () => {
    const a = new LoadPointAccumulator();
    a.add(sample(0));
    expect(a.summary().connectionRetries).toBe(0);
    const state = a.toJSON();
    expect('connectionRetries' in state).toBe(false);
    expect(LoadPointAccumulator.fromJSON(state).summary().connectionRetries).toBe(0);
  });
});

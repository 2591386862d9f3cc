import { describe, expect, it } from 'vitest';
import { type Deal, dealtCount, dealWorker, splitForWorkers } from './deal.js';

describe('dealing requests to worker threads', () => {
  it('dealtCount agrees with dealing one by one, and the parts sum to the total', () => {
    for (const deal of [
      { kind: 'arrival-mod-n', workers: 4, period: 4 },
      { kind: 'slot', workers: 3, period: 8 },
      { kind: 'slot', workers: 4, period: 5 },
    ] satisfies Deal[]) {
      const seen = new Array<number>(deal.workers).fill(0);
      for (let total = 0; total <= 50; total++) {
        expect(seen.map((_, k) => dealtCount(deal, k, total))).toEqual(seen);
        expect(seen.reduce((a, b) => a + b, 0)).toBe(total);
        seen[dealWorker(deal, total)]!++;
      }
    }
  });

  it('closed loop: slots split like shards, requests dealt in proportion to slots', () => {
    const split = splitForWorkers({ kind: 'concurrency', concurrency: 5 }, 4)!;
    expect(split.release).toBe('closed');
    expect(split.levels.map((l) => (l.kind === 'concurrency' ? l.concurrency : -1))).toEqual([2, 1, 1, 1]);
    // worker 0 owns slots 0 and 4: 2 of every 5 requests
    expect([0, 1, 2, 3].map((k) => dealtCount(split.deal, k, 100))).toEqual([40, 20, 20, 20]);
    expect(splitForWorkers({ kind: 'concurrency', concurrency: 1 }, 4)).toBeNull();
    expect(splitForWorkers({ kind: 'concurrency', concurrency: 3 }, 8)!.deal.workers).toBe(3);
  });

  it('open loop: arrival i to worker i mod N; maxConcurrency split, never below one per worker', () => {
    const split = splitForWorkers({ kind: 'rate', rate: 100, arrival: 'poisson', maxConcurrency: 6 }, 4)!;
    expect(split.release).toBe('open');
    expect(split.deal).toEqual({ kind: 'arrival-mod-n', workers: 4, period: 4 });
    expect(split.levels.map((l) => ('maxConcurrency' in l ? l.maxConcurrency : 0))).toEqual([2, 2, 1, 1]);
    expect(
      splitForWorkers({ kind: 'rate', rate: 100, arrival: 'poisson', maxConcurrency: 2 }, 4)!.deal.workers,
    ).toBe(2);
    expect(splitForWorkers({ kind: 'rate', rate: 100, arrival: 'poisson' }, 1)).toBeNull();
  });
});

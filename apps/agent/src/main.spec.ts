import { describe, expect, it } from 'vitest';
import { maxConnectionsFor } from './main.js';

describe('maxConnectionsFor', () => {
  it('sizes the pool to the level', () => {
    expect(maxConnectionsFor({ load: { kind: 'concurrency', concurrency: 16 } })).toBe(16);
    expect(
      maxConnectionsFor({ load: { kind: 'rate', rate: 5, arrival: 'poisson', maxConcurrency: 32 } }),
    ).toBe(32);
    expect(maxConnectionsFor({ load: { kind: 'rate', rate: 5, arrival: 'poisson' } })).toBe(1024);
    expect(
      maxConnectionsFor({
        load: {
          kind: 'stages',
          mode: 'concurrency',
          stages: [
            { durationSec: 5, target: 12 },
            { durationSec: 5, target: 3 },
          ],
          arrival: 'poisson',
        },
      }),
    ).toBe(12);
    expect(maxConnectionsFor({ load: { kind: 'trace', speedup: 1, maxConcurrency: 7 } })).toBe(7);
  });
});

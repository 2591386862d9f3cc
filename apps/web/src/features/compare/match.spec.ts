import type { LoadPoint, Run } from '@inferbench/contracts';
import { describe, expect, it } from 'vitest';
import { matchLoadPoints, parseRunIds } from './match';

const point = (id: string, variantLabel: string, levelLabel: string, ordinal: number): LoadPoint => ({
  id,
  variantId: `v-${variantLabel}`,
  variantLabel,
  ordinal,
  level: { kind: 'concurrency', concurrency: 1 },
  levelLabel,
  status: 'completed',
  shards: 1,
  samplesStored: 0,
  startedAt: null,
  finishedAt: null,
  error: null,
  summary: null,
});
const run = (id: string, loadPoints: LoadPoint[]): Run => ({
  id,
  experimentId: 'e',
  experimentName: 'e',
  status: 'completed',
  trigger: 'web',
  metadata: {},
  spec: {},
  error: null,
  createdAt: '',
  startedAt: null,
  finishedAt: null,
  loadPoints,
});

describe('parseRunIds', () => {
  it('accepts ids and pasted URLs, dropping duplicates', () => {
    expect(parseRunIds('abc, http://x/runs/def?tab=1 abc')).toEqual(['abc', 'def']);
    expect(parseRunIds('')).toEqual([]);
  });
});

describe('matchLoadPoints', () => {
  it('pairs points by variant and level label, keeping points only one run has', () => {
    const a = run('a', [point('a2', 'fp8', 'c=4', 1), point('a1', 'fp8', 'c=1', 0)]);
    const b = run('b', [point('b1', 'fp8', 'c=1', 0), point('b3', 'fp8', 'c=16', 1)]);
    const rows = matchLoadPoints([a, b]);
    expect(rows.map((r) => [r.levelLabel, r.points.map((p) => p?.id)])).toEqual([
      ['c=1', ['a1', 'b1']],
      ['c=4', ['a2', undefined]],
      ['c=16', [undefined, 'b3']],
    ]);
  });
});

import type { CompareCell, CompareColumn, CompareResult, CompareRow } from '@inferbench/contracts';
import { describe, expect, it } from 'vitest';
import { paretoFrontMax, throughputAtSlo } from './throughput-at-slo';

const stats = (p99: number) => ({
  count: 10,
  mean: p99,
  std: 0,
  min: p99,
  p50: p99 / 2,
  p90: p99,
  p95: p99,
  p99,
  p999: p99,
  max: p99,
});

function cell(throughput: number, ttftP99: number, tpotP99?: number): CompareCell {
  return {
    loadPointId: `lp-${throughput}`,
    status: 'completed',
    aggregatesOnly: false,
    requestThroughput: throughput / 10,
    outputTokenThroughput: throughput,
    goodput: null,
    sloAttainmentPct: null,
    errorRate: 0,
    succeeded: 10,
    figures: {
      ttftMs: { stats: stats(ttftP99), p50Ci: null, p99Ci: null, cdf: [] },
      ...(tpotP99 === undefined
        ? {}
        : { tpotMs: { stats: stats(tpotP99), p50Ci: null, p99Ci: null, cdf: [] } }),
    },
  };
}

function column(runId: string, variantLabel: string | null, slo: CompareColumn['slo']): CompareColumn {
  return {
    item: variantLabel ? `${runId}:${variantLabel}` : runId,
    runId,
    variantId: variantLabel ? `v-${variantLabel}` : null,
    variantLabel,
    experimentId: 'e1',
    experimentName: 'exp',
    status: 'completed',
    createdAt: '2026-01-01T00:00:00.000Z',
    tags: [],
    slo,
    label: `${runId} ${variantLabel ?? ''}`.trim(),
    source: null,
  };
}

function row(
  key: string,
  variantLabel: string | null,
  levelLabel: string,
  cells: (CompareCell | null)[],
): CompareRow {
  return {
    key,
    variantLabel,
    levelLabel,
    level: { kind: 'concurrency', concurrency: 1 },
    cells,
    deltas: cells.map(() => null),
  };
}

const result = (columns: CompareColumn[], rows: CompareRow[]): CompareResult => ({
  mode: columns[0]?.variantLabel ? 'variants' : 'runs',
  columns,
  figures: ['ttftMs'],
  rows,
  method: 'test',
});

describe('throughputAtSlo', () => {
  it('takes the highest throughput among the points meeting every bound at the SLO percentile', () => {
    const slo = { ttftMs: 500, tpotMs: 50, percentile: 99 };
    const r = result(
      [column('r1', 'fp16', slo), column('r1', 'int4', slo)],
      [
        row('c=1', null, 'c=1', [cell(100, 200, 20), cell(120, 150, 15)]),
        row('c=4', null, 'c=4', [cell(300, 450, 40), cell(380, 480, 49)]),
        // fp16 breaks TTFT, int4 breaks TPOT at c=16: neither counts
        row('c=16', null, 'c=16', [cell(600, 900, 45), cell(700, 400, 60)]),
      ],
    );
    const t = throughputAtSlo(r);
    expect(t.map((x) => [x.variantLabel, x.throughput, x.levelLabel, x.pointsMeeting, x.points])).toEqual([
      ['fp16', 300, 'c=4', 2, 3],
      ['int4', 380, 'c=4', 2, 3],
    ]);
    expect(t.every((x) => x.sloApplied)).toBe(true);
  });

  it('fails a bound whose figure the point lacks, and reports null when no point meets the SLO', () => {
    const slo = { ttftMs: 500, tpotMs: 50, percentile: 99 };
    const r = result([column('r1', 'fp16', slo)], [row('c=1', null, 'c=1', [cell(100, 200)])]);
    expect(throughputAtSlo(r)[0]).toMatchObject({
      throughput: null,
      levelLabel: null,
      pointsMeeting: 0,
      points: 1,
    });
  });

  it('uses the SLO percentile (p50 here), and the best throughput overall without an SLO', () => {
    const p50 = { ttftMs: 150, percentile: 50 };
    // p50 = p99 / 2: 200 → 100 meets 150, 400 → 200 does not
    const r = result(
      [column('r1', 'a', p50), column('r2', 'b', null)],
      [
        row('c=1', null, 'c=1', [cell(100, 200), cell(50, 5_000)]),
        row('c=4', null, 'c=4', [cell(300, 400), cell(90, 9_000)]),
      ],
    );
    const [a, b] = throughputAtSlo(r);
    expect(a).toMatchObject({ throughput: 100, levelLabel: 'c=1', sloApplied: true });
    expect(b).toMatchObject({ throughput: 90, levelLabel: 'c=4', sloApplied: false });
  });

  it('splits run-mode columns by the rows’ variant labels', () => {
    const slo = { ttftMs: 500, percentile: 99 };
    const r = result(
      [column('r1', null, slo)],
      [
        row('fp16 · c=1', 'fp16', 'c=1', [cell(100, 200)]),
        row('int4 · c=1', 'int4', 'c=1', [cell(150, 300)]),
        row('int4 · c=8', 'int4', 'c=8', [cell(400, 499)]),
      ],
    );
    expect(throughputAtSlo(r).map((x) => [x.runId, x.variantLabel, x.throughput])).toEqual([
      ['r1', 'fp16', 100],
      ['r1', 'int4', 400],
    ]);
  });
});

describe('paretoFrontMax', () => {
  it('keeps the points no other point beats on both axes', () => {
    const pts = [
      { x: 100, y: 0.9, id: 'a' },
      { x: 200, y: 0.8, id: 'b' },
      { x: 150, y: 0.7, id: 'c' }, // dominated by b
      { x: 100, y: 0.85, id: 'd' }, // dominated by a
      { x: 300, y: 0.5, id: 'e' },
    ];
    expect(paretoFrontMax(pts).map((p) => p.id)).toEqual(['a', 'b', 'e']);
  });
});

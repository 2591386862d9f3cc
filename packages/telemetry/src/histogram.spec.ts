import { describe, expect, it } from 'vitest';
import {
  histogramQuantile,
  readHistograms,
  subtractHistogram,
  sumHistograms,
  summarizeHistogram,
  type CumHistogram,
} from './histogram.js';
import { parsePrometheusText } from './prom-parser.js';
import { indexSamples } from './server-telemetry.js';

const h = (pairs: [number, number][], sum: number): CumHistogram => ({
  buckets: pairs.map(([le, count]) => ({ le, count })),
  sum,
  count: pairs.at(-1)![1],
});

describe('histogramQuantile (linear interpolation within the bucket)', () => {
  // 10 obs ≤ 0.1, 30 in (0.1, 0.5], 60 in (0.5, 1], none above
  const hist = h(
    [
      [0.1, 10],
      [0.5, 40],
      [1, 100],
      [Infinity, 100],
    ],
    50,
  );

  it.each([
    // rank 5 in the first bucket, interpolated from 0: 0.1 * 5/10
    [0.05, 0.05],
    // rank 25: 0.1 + 0.4 * (25-10)/30
    [0.25, 0.3],
    // rank 50: 0.5 + 0.5 * (50-40)/60
    [0.5, 0.5 + 0.5 * (10 / 60)],
    // rank 99: 0.5 + 0.5 * 59/60
    [0.99, 0.5 + 0.5 * (59 / 60)],
    [1, 1],
  ])('q=%d → %d', (q, expected) => {
    const r = histogramQuantile(hist, q)!;
    expect(r.value).toBeCloseTo(expected, 12);
    expect(r.clamped).toBe(false);
  });

  it('clamps a rank in the +Inf bucket to the last finite bound', () => {
    const tail = h(
      [
        [1, 90],
        [2, 95],
        [Infinity, 100],
      ],
      0,
    );
    expect(histogramQuantile(tail, 0.99)).toEqual({ value: 2, clamped: true });
  });

  it('skips empty buckets instead of interpolating inside them', () => {
    const gap = h(
      [
        [1, 0],
        [2, 0],
        [4, 10],
        [Infinity, 10],
      ],
      30,
    );
    // all 10 in (2, 4]: the median is 3
    expect(histogramQuantile(gap, 0.5)!.value).toBeCloseTo(3, 12);
  });

  it('is undefined for an empty histogram', () => {
    expect(histogramQuantile(h([[Infinity, 0]], 0), 0.5)).toBeUndefined();
  });
});

describe('subtractHistogram', () => {
  const before = h(
    [
      [0.5, 4],
      [1, 6],
      [Infinity, 7],
    ],
    5,
  );
  const after = h(
    [
      [0.5, 10],
      [1, 15],
      [Infinity, 17],
    ],
    14,
  );

  it('subtracts bucket-wise', () => {
    expect(subtractHistogram(after, before)).toEqual({
      delta: h(
        [
          [0.5, 6],
          [1, 9],
          [Infinity, 10],
        ],
        9,
      ),
      reset: false,
    });
  });

  it('treats a decrease as a reset and takes the after value whole', () => {
    const restarted = h(
      [
        [0.5, 1],
        [1, 2],
        [Infinity, 2],
      ],
      1.2,
    );
    expect(subtractHistogram(restarted, after)).toEqual({ delta: restarted, reset: true });
  });

  it('treats changed bounds as a reset', () => {
    const rebucketed = h(
      [
        [0.25, 20],
        [Infinity, 30],
      ],
      20,
    );
    expect(subtractHistogram(rebucketed, before).reset).toBe(true);
  });
});

describe('sumHistograms', () => {
  it('adds same-bound histograms exactly', () => {
    const a = h(
      [
        [1, 2],
        [Infinity, 3],
      ],
      2,
    );
    const b = h(
      [
        [1, 5],
        [Infinity, 5],
      ],
      3,
    );
    expect(sumHistograms([a, b])).toEqual(
      h(
        [
          [1, 7],
          [Infinity, 8],
        ],
        5,
      ),
    );
  });

  it('uses the count at the largest own bound for foreign bounds', () => {
    const a = h(
      [
        [1, 2],
        [Infinity, 3],
      ],
      2,
    );
    const b = h(
      [
        [2, 5],
        [Infinity, 6],
      ],
      7,
    );
    expect(sumHistograms([a, b])!.buckets).toEqual([
      { le: 1, count: 2 },
      { le: 2, count: 2 + 5 },
      { le: Infinity, count: 9 },
    ]);
  });
});

describe('readHistograms + summarizeHistogram', () => {
  it('reads per-label-set histograms and summarizes one in ms', () => {
    const body = [
      '# TYPE x_seconds histogram',
      'x_seconds_bucket{le="0.1",model_name="a"} 1',
      'x_seconds_bucket{le="1.0",model_name="a"} 3',
      'x_seconds_bucket{le="+Inf",model_name="a"} 4',
      'x_seconds_sum{model_name="a"} 6',
      'x_seconds_count{model_name="a"} 4',
      'x_seconds_bucket{le="+Inf",model_name="b"} 0',
      'x_seconds_sum{model_name="b"} 0',
      'x_seconds_count{model_name="b"} 0',
    ].join('\n');
    const index = indexSamples(parsePrometheusText(body).families.values());
    const series = readHistograms(index, 'x_seconds');
    expect(series.size).toBe(2);
    const a = readHistograms(index, 'x_seconds', (l) => l.model_name === 'a');
    const only = [...a.values()][0]!;
    const s = summarizeHistogram('x_seconds', only);
    expect(s).toMatchObject({ metric: 'x_seconds', count: 4, sumSec: 6, meanMs: 1500, clamped: true });
    // rank 2 of 4: 0.1 + 0.9 * (2-1)/2 = 0.55 s
    expect(s.p50Ms).toBeCloseTo(550, 6);
    // rank 3.96 lies in +Inf: clamped to 1 s
    expect(s.p99Ms).toBe(1000);
    expect(s.buckets).toEqual([
      { leSec: 0.1, count: 1 },
      { leSec: 1, count: 3 },
    ]);
  });

  it('gives a sum/count-only histogram a mean but no percentiles', () => {
    const index = indexSamples(
      parsePrometheusText(
        'tgi_request_queue_duration_sum 2\ntgi_request_queue_duration_count 4\n',
      ).families.values(),
    );
    const only = [...readHistograms(index, 'tgi_request_queue_duration').values()][0]!;
    const s = summarizeHistogram('tgi_request_queue_duration', only);
    expect(s.meanMs).toBe(500);
    expect(s.p50Ms).toBeUndefined();
  });
});

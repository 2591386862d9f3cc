import type { TimeSeriesPoint } from '@inferbench/contracts';
import { describe, expect, it } from 'vitest';
import { LoadPointAccumulator } from './accumulator.js';
import { makeSample, randomSamples } from './testing/samples.js';
import { LiveWindow } from './time-series.js';

const strip = (p: TimeSeriesPoint): TimeSeriesPoint => {
  const { inFlight: _drop, ...rest } = p;
  return rest;
};

describe('LiveWindow', () => {
  it('emits one point per elapsed second, equal to the accumulator series', () => {
    const samples = randomSamples(2000, 11, { seconds: 15 }).sort((a, b) => a.endUs - b.endUs);
    const live = new LiveWindow();
    const points: TimeSeriesPoint[] = [];
    for (const s of samples) {
      points.push(...live.advance(s.endUs));
      live.add(s);
    }
    points.push(...live.flush());
    expect(live.lateSamples).toBe(0);
    const acc = new LoadPointAccumulator().addAll(samples);
    // the accumulator's series starts at the first *sent* second; compare from the live window's first second
    const series = acc
      .timeSeries()
      .filter((p) => p.tSec >= points[0]!.tSec)
      .map(strip);
    expect(points.map(strip)).toStrictEqual(series);
    expect(points.reduce((n, p) => n + p.completed + p.errors, 0)).toBe(
      samples.filter((s) => !s.warmup && s.errorClass !== 'cancelled').length,
    );
  });

  it('emits empty seconds, attaches in-flight to the last point and counts late samples', () => {
    const live = new LiveWindow({ startSec: 0 });
    live.add(
      makeSample({
        sentUs: 100_000,
        firstChunkUs: 300_000,
        chunkGapsUs: [10_000],
        endUs: 1_500_000,
        outputTokens: 4,
      }),
    );
    expect(live.advance(1_999_999)).toEqual([{ tSec: 0, completed: 0, errors: 0, outputTokens: 0 }]);
    const pts = live.advance(3_000_000, 7);
    expect(pts.map((p) => p.tSec)).toEqual([1, 2]);
    expect(pts[0]).toEqual({
      tSec: 1,
      completed: 1,
      errors: 0,
      outputTokens: 4,
      ttftP50Ms: 200,
      ttftP99Ms: 200,
      itlP50Ms: 10,
      itlP99Ms: 10,
    });
    expect(pts[1]).toEqual({ tSec: 2, completed: 0, errors: 0, outputTokens: 0, inFlight: 7 });
    // a sample that ended in second 1 arrives now: counted in the open second 3
    live.add(makeSample({ sentUs: 0, endUs: 1_000_000, httpStatus: 502, errorClass: 'http' }));
    live.add(makeSample({ warmup: true, sentUs: 0, endUs: 3_100_000 }));
    expect(live.lateSamples).toBe(1);
    expect(live.flush()).toEqual([{ tSec: 3, completed: 0, errors: 1, outputTokens: 0 }]);
    expect(live.advance(10_000_000).map((p) => p.tSec)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('emits nothing before the first sample without startSec', () => {
    const live = new LiveWindow();
    expect(live.advance(5_000_000)).toEqual([]);
    expect(live.nextSec).toBeUndefined();
  });
});

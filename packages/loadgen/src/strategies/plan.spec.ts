import { describe, expect, it } from 'vitest';
import { LoadLevelSchema, LoadPlanSpecSchema, describeLoadLevel } from '@inferbench/contracts';
import { expandLoadPlan, isAdaptivePlan, shardLoadLevel, splitCount } from './plan.js';
import { parseTrace } from './trace.js';

describe('expandLoadPlan', () => {
  it('expands concurrency and rate levels in order, keeping options', () => {
    const c = LoadPlanSpecSchema.parse({
      kind: 'concurrency',
      levels: [1, 4, 16],
      rampUpSec: 5,
      requests: 10,
    });
    expect(expandLoadPlan(c)).toEqual([
      { kind: 'concurrency', concurrency: 1, rampUpSec: 5 },
      { kind: 'concurrency', concurrency: 4, rampUpSec: 5 },
      { kind: 'concurrency', concurrency: 16, rampUpSec: 5 },
    ]);
    const r = LoadPlanSpecSchema.parse({
      kind: 'rate',
      levels: [2, 5],
      arrival: 'gamma',
      burstiness: 0.5,
      durationSec: 30,
    });
    expect(expandLoadPlan(r)).toEqual([
      { kind: 'rate', rate: 2, arrival: 'gamma', burstiness: 0.5 },
      { kind: 'rate', rate: 5, arrival: 'gamma', burstiness: 0.5 },
    ]);
    for (const l of [...expandLoadPlan(c), ...expandLoadPlan(r)]) expect(LoadLevelSchema.parse(l)).toEqual(l);
  });

  it('keeps existing plan shapes valid (defaults as before) and requires an extent for level plans', () => {
    const p = LoadPlanSpecSchema.parse({ kind: 'rate', levels: [1], requests: 5 });
    expect(p).toMatchObject({ arrival: 'poisson' });
    // no default seed: a run without one draws a fresh seed (a repeated seed resends the same prompts)
    expect(p.seed).toBeUndefined();
    expect(LoadPlanSpecSchema.safeParse({ kind: 'rate', levels: [1] }).success).toBe(false);
  });

  it('turns stages and trace plans into one level each (no extent needed)', () => {
    const s = LoadPlanSpecSchema.parse({
      kind: 'stages',
      mode: 'rate',
      stages: [
        { durationSec: 10, target: 5 },
        { durationSec: 5, target: 0 },
      ],
    });
    const [level] = expandLoadPlan(s);
    expect(level).toEqual({
      kind: 'stages',
      mode: 'rate',
      arrival: 'poisson',
      stages: s.kind === 'stages' ? s.stages : [],
    });
    expect(describeLoadLevel(level!)).toBe('stages rate 0→5→0 (15s)');
    const t = LoadPlanSpecSchema.parse({
      kind: 'trace',
      entries: [{ tMs: 0, inputTokens: 5, outputTokens: 3 }],
      speedup: 2,
    });
    expect(expandLoadPlan(t)).toEqual([
      { kind: 'trace', speedup: 2, entries: [{ tMs: 0, inputTokens: 5, outputTokens: 3 }] },
    ]);
    expect(LoadPlanSpecSchema.safeParse({ kind: 'trace' }).success).toBe(false);
  });

  it('refuses adaptive plans', () => {
    const sweep = LoadPlanSpecSchema.parse({ kind: 'sweep', durationSec: 30 });
    expect(isAdaptivePlan(sweep)).toBe(true);
    expect(() => expandLoadPlan(sweep)).toThrow(/nextAdaptiveLevel/);
    expect(LoadPlanSpecSchema.safeParse({ kind: 'sla', max: 10, slo: {}, requests: 10 }).success).toBe(false);
  });
});

describe('sharding', () => {
  it('splits counts with the remainder on low indexes, summing to the total', () => {
    const parts = [0, 1, 2].map((index) => splitCount(10, { index, count: 3 }));
    expect(parts).toEqual([4, 3, 3]);
    expect([0, 1, 2, 3].map((index) => splitCount(2, { index, count: 4 }))).toEqual([1, 1, 0, 0]);
  });

  it('divides rates and splits concurrency; a shard without load gets null', () => {
    expect(
      shardLoadLevel(
        { kind: 'rate', rate: 9, arrival: 'poisson', maxConcurrency: 5 },
        { index: 1, count: 3 },
      ),
    ).toEqual({
      kind: 'rate',
      rate: 3,
      arrival: 'poisson',
      maxConcurrency: 2,
    });
    expect(shardLoadLevel({ kind: 'concurrency', concurrency: 5 }, { index: 0, count: 2 })).toEqual({
      kind: 'concurrency',
      concurrency: 3,
    });
    expect(shardLoadLevel({ kind: 'concurrency', concurrency: 1 }, { index: 1, count: 2 })).toBeNull();
    const st = shardLoadLevel(
      { kind: 'stages', mode: 'concurrency', arrival: 'poisson', stages: [{ durationSec: 1, target: 5 }] },
      { index: 0, count: 2 },
    );
    expect(st).toMatchObject({ startTarget: 1, stages: [{ durationSec: 1, target: 3 }] });
  });
});

describe('parseTrace', () => {
  it('accepts Mooncake-style and camelCase lines, sorts and shifts to 0', () => {
    const text = [
      '{"timestamp": 1500, "input_length": 100, "output_length": 20}',
      '# comment',
      '',
      '{"tMs": 1000, "inputTokens": 50, "outputTokens": 10}',
      '{"tSec": 3, "input_tokens": 7, "output_tokens": 1}',
    ].join('\n');
    expect(parseTrace(text)).toEqual([
      { tMs: 0, inputTokens: 50, outputTokens: 10 },
      { tMs: 500, inputTokens: 100, outputTokens: 20 },
      { tMs: 2000, inputTokens: 7, outputTokens: 1 },
    ]);
    expect(() => parseTrace('{"timestamp": 1}')).toThrow(/line 1/);
  });
});

import { describe, expect, it } from 'vitest';
import {
  formatSlo,
  parseDurationSec,
  parseLengthDist,
  parseSloExpression,
  parseStages,
} from './parse-values.js';

describe('parseLengthDist', () => {
  it.each([
    ['256', { kind: 'fixed', value: 256 }],
    ['fixed:64', { kind: 'fixed', value: 64 }],
    ['uniform:100-300', { kind: 'uniform', min: 100, max: 300 }],
    [' uniform: 5 - 5 ', { kind: 'uniform', min: 5, max: 5 }],
    ['normal:256,50', { kind: 'normal', mean: 256, std: 50 }],
    ['normal:256,50,64,1024', { kind: 'normal', mean: 256, std: 50, min: 64, max: 1024 }],
    ['lognormal:200,0.5', { kind: 'lognormal', median: 200, sigma: 0.5 }],
    ['LogNormal:200,0.5,16,900', { kind: 'lognormal', median: 200, sigma: 0.5, min: 16, max: 900 }],
  ])('reads %s', (text, dist) => {
    expect(parseLengthDist(text)).toEqual(dist);
  });

  it.each([
    ['0', /value Too small/],
    ['12.5', /value Invalid input: expected int/],
    ['abc', /the length must be a number/],
    ['uniform:300-100', /uniform min 300 is above max 100/],
    ['uniform:100', /takes 256, uniform:100-300/],
    ['normal:256', /takes 256, uniform:100-300/],
    ['normal:256,-1', /std Too small/],
    ['zipf:1,2', /takes 256, uniform:100-300/],
    ['lognormal:200,0.5,900,16', /min 900 is above max 16/],
  ])('rejects %s with a message naming the flag', (text, message) => {
    expect(() => parseLengthDist(text, '--output-tokens')).toThrow(/^--output-tokens/);
    expect(() => parseLengthDist(text, '--output-tokens')).toThrow(message);
  });
});

describe('parseSloExpression', () => {
  it('reads the issue example and its variants', () => {
    expect(parseSloExpression('p99(ttft)<500ms,p99(tpot)<50ms')).toEqual({
      ttftMs: 500,
      tpotMs: 50,
      percentile: 99,
    });
    expect(parseSloExpression('p90(TTFT) <= 0.5s and p90(e2e) < 2s && p90(itl)<20')).toEqual({
      ttftMs: 500,
      e2eMs: 2000,
      itlMs: 20,
      percentile: 90,
    });
    expect(parseSloExpression('tpot<1500us')).toEqual({ tpotMs: 1.5, percentile: 99 });
    expect(parseSloExpression('p99.9(ttft)<1s').percentile).toBe(99.9);
  });

  it.each([
    ['', /empty SLO/],
    ['p99(ttft)>500ms', /cannot read "p99\(ttft\)>500ms"/],
    ['p99(latency)<5', /unknown figure "latency"/],
    ['p99(ttft)<500ms,p90(tpot)<50ms', /same percentile.*p99 and p90/],
    ['p99(ttft)<5,p99(ttft)<6', /ttft is bounded twice/],
    ['p0(ttft)<5', /outside 1\.\.100/],
    ['p99(ttft)<0ms', /must be > 0/],
    ['p99(ttft)<5min', /cannot read/],
  ])('rejects %j', (text, message) => {
    expect(() => parseSloExpression(text, '--sla')).toThrow(message);
  });

  it('formats back to the expression', () => {
    expect(formatSlo(parseSloExpression('p95(tpot)<50ms, p95(ttft)<0.5s'))).toBe(
      'p95(ttft)<500ms, p95(tpot)<50ms',
    );
  });
});

describe('parseStages and parseDurationSec', () => {
  it('reads k6-style stages', () => {
    expect(parseStages('30s:10,1m:50,30s:0')).toEqual([
      { durationSec: 30, target: 10 },
      { durationSec: 60, target: 50 },
      { durationSec: 30, target: 0 },
    ]);
    expect(parseStages('2:1.5')).toEqual([{ durationSec: 2, target: 1.5 }]);
  });
  it.each([
    ['30s', /duration:target/],
    ['0s:5', /more than 0 s/],
    ['10s:-1', /target must be a number >= 0/],
    ['ten:5', /not a duration/],
  ])('rejects %s', (text, message) => {
    expect(() => parseStages(text)).toThrow(message);
  });
  it('reads durations in ms, s, m, h', () => {
    expect([
      parseDurationSec('500ms', 'x'),
      parseDurationSec('2', 'x'),
      parseDurationSec('1.5m', 'x'),
      parseDurationSec('1h', 'x'),
    ]).toEqual([0.5, 2, 90, 3600]);
  });
});

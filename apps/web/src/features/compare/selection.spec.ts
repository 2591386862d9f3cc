import { describe, expect, it } from 'vitest';
import { compareHref, paretoFront, parseItems, statKeyOfPercentile } from './selection';

describe('compare selection', () => {
  it('parses ids, variant items and pasted run URLs, and round-trips through the URL', () => {
    const items = parseItems('abc, http://x/runs/def?tab=1 abc ghi:var1');
    expect(items).toEqual(['abc', 'def', 'ghi:var1']);
    expect(compareHref(items)).toBe('/compare?runs=abc,def,ghi%3Avar1');
    expect(parseItems(decodeURIComponent('abc,def,ghi%3Avar1'))).toEqual(items);
    expect(compareHref([])).toBe('/compare');
  });

  it('keeps only non-dominated points on the Pareto front, by throughput', () => {
    const pts = [
      { x: 10, y: 50, id: 'a' },
      { x: 20, y: 60, id: 'b' },
      { x: 15, y: 70, id: 'dominated-by-b' },
      { x: 5, y: 40, id: 'c' },
      { x: 20, y: 80, id: 'dominated-same-x' },
    ];
    expect(paretoFront(pts).map((p) => p.id)).toEqual(['c', 'a', 'b']);
  });

  it('maps SLO percentiles to stats keys', () => {
    expect(statKeyOfPercentile(95)).toBe('p95');
    expect(statKeyOfPercentile(99.9)).toBe('p999');
    expect(statKeyOfPercentile(undefined)).toBe('p99');
  });
});

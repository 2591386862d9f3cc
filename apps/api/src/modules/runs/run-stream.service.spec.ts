import { describe, expect, it } from 'vitest';
import { compareStreamIds, parseLiveMessage, parseStreamId } from './run-stream.service.js';

describe('stream ids', () => {
  it.each([
    ['1700000000000-0', [1700000000000n, 0n]],
    ['5', [5n, 0n]],
    [' 12-3 ', [12n, 3n]],
    ['abc', null],
    ['1-2-3', null],
    ['', null],
    [undefined, null],
  ] as const)('parses %j', (s, want) => {
    expect(parseStreamId(s)).toEqual(want);
  });

  it('orders by time, then by sequence numerically (not as strings)', () => {
    expect(compareStreamIds('10-9', '10-10')).toBeLessThan(0);
    expect(compareStreamIds('9-99', '10-0')).toBeLessThan(0);
    expect(compareStreamIds('10-0', '10')).toBe(0);
    expect(compareStreamIds('11-0', '10-5')).toBeGreaterThan(0);
  });

  it('splits a live message into its id and a validated event', () => {
    const event = { type: 'run.status', runId: 'r', status: 'running', error: null };
    expect(parseLiveMessage(`7-1\n${JSON.stringify(event)}`)).toEqual({ id: '7-1', event });
    expect(parseLiveMessage(JSON.stringify(event))).toBeNull();
    expect(parseLiveMessage('7-1\n{"type":"nope"}')).toBeNull();
    expect(parseLiveMessage('x\n{}')).toBeNull();
  });
});

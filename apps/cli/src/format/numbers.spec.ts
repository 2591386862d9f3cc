import { describe, expect, it } from 'vitest';
import { fmtDelta, fmtDuration, fmtMs, fmtNum, fmtPctChange } from './numbers.js';
import { renderTable } from './table.js';

describe('number formatting', () => {
  it.each([
    [0.1234, '0.123'],
    [12.34, '12.3'],
    [1234.4, '1234'],
    [undefined, '-'],
    [Number.NaN, '-'],
  ])('fmtMs(%s) = %s', (x, out) => expect(fmtMs(x)).toBe(out));

  it('formats changes with signs and guards a zero base', () => {
    expect(fmtPctChange(100, 112.5)).toBe('+12.5%');
    expect(fmtPctChange(100, 90)).toBe('-10.0%');
    expect(fmtPctChange(0, 5)).toBe('-');
    expect(fmtDelta(10, 7.5, (x) => x.toFixed(1))).toBe('-2.5');
    expect(fmtNum(null)).toBe('-');
    expect(fmtDuration(65)).toBe('1m05s');
  });
});

describe('renderTable', () => {
  it('aligns text left and numbers right under a rule', () => {
    const out = renderTable(
      ['name', 'n'],
      [
        ['a', '1'],
        ['long-name', '123'],
      ],
    );
    expect(out).toBe(['name         n', '---------  ---', 'a            1', 'long-name  123', ''].join('\n'));
  });
});

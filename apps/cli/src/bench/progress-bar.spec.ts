import { describe, expect, it } from 'vitest';
import { ProgressBar } from './progress-bar.js';

describe('ProgressBar', () => {
  it('shows done/total, the current token rate (not the average) and errors', () => {
    const out = { text: '', isTTY: true, write: (s: string) => (out.text += s) };
    const bar = new ProgressBar(out, 100, undefined);
    bar.update({ tSec: 1, done: 10, errors: 0, inFlight: 4, outputTokens: 1000, planned: 100 });
    bar.update({ tSec: 2, done: 50, errors: 2, inFlight: 4, outputTokens: 1500, planned: 100 });
    const last = out.text.split('\r').pop()!;
    expect(last).toBe(
      '\u001b[2K[############............] 50/100 req  500 tok/s  2 errors  4 in flight  2.0s',
    );
    bar.finish();
    expect(out.text.endsWith('\n')).toBe(true);
  });

  it('prints plain lines every few seconds when not on a terminal; a duration run shows time progress', () => {
    const out = { text: '', isTTY: false, write: (s: string) => (out.text += s) };
    const bar = new ProgressBar(out, undefined, 10, 5);
    for (let t = 1; t <= 10; t++)
      bar.update({ tSec: t, done: t * 3, errors: 0, inFlight: 2, outputTokens: t * 100 });
    const lines = out.text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\[#{14}\.{10}\] 18 req  100 tok\/s/);
  });

  it('starts with the point it belongs to', () => {
    const out = { text: '', isTTY: false, write: (s: string) => (out.text += s) };
    const bar = new ProgressBar(out, 8, undefined, 5, 'point 2/3 c=4 ');
    bar.update({ tSec: 1, done: 4, errors: 1, inFlight: 4, outputTokens: 40 });
    expect(out.text).toBe(
      'point 2/3 c=4 [############............] 4/8 req  40 tok/s  1 errors  4 in flight  1.0s\n',
    );
  });
});

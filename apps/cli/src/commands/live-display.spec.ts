import { describe, expect, it } from 'vitest';
import { LiveDisplay } from './live-display.js';

function sink(isTTY: boolean) {
  const out = { text: '', isTTY, write: (s: string) => (out.text += s) };
  return out;
}

describe('LiveDisplay', () => {
  it('plain mode: prints changed lines, throttles each key, always prints final lines', () => {
    let now = 0;
    const out = sink(false);
    const d = new LiveDisplay(out, 5_000, () => now);
    d.set('a', 'a 1');
    d.set('a', 'a 1');
    now = 1_000;
    d.set('a', 'a 2');
    d.set('b', 'b 1');
    d.set('a', 'a done', true);
    now = 7_000;
    d.set('b', 'b 2');
    expect(out.text).toBe('a 1\nb 1\na done\nb 2\n');
  });

  it('TTY mode: redraws the block in place and keeps messages above it', () => {
    const out = sink(true);
    const d = new LiveDisplay(out);
    d.set('a', 'a 1');
    d.set('b', 'b 1');
    out.text = '';
    d.set('a', 'a 2');
    // cursor up 2 lines, then both lines rewritten (each cleared first)
    expect(out.text).toBe('\u001b[2A\u001b[2Ka 2\n\u001b[2Kb 1\n');
    out.text = '';
    d.log('hello');
    expect(out.text.startsWith('\u001b[2A')).toBe(true);
    expect(out.text).toContain('hello\n');
    expect(out.text.endsWith('\u001b[2Ka 2\n\u001b[2Kb 1\n')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';
import { SystemClock } from './system-clock.js';

describe('SystemClock', () => {
  it('reads performance.now() in µs', () => {
    const clock = new SystemClock();
    const before = performance.now() * 1000;
    const t = clock.nowUs();
    const after = performance.now() * 1000;
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(after);
  });

  it('sleeps until the deadline, never early, and wakes within well under 1 ms (median of 20)', async () => {
    const clock = new SystemClock();
    const lateUs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const target = clock.nowUs() + 3_000 + i * 137;
      await clock.sleepUntilUs(target);
      const late = clock.nowUs() - target;
      expect(late).toBeGreaterThanOrEqual(0);
      lateUs.push(late);
    }
    lateUs.sort((a, b) => a - b);
    // median: robust to the shared 2-core machine being briefly busy
    expect(lateUs[10]).toBeLessThan(500);
  });

  it('resolves immediately for a past deadline and early on abort', async () => {
    const clock = new SystemClock();
    await clock.sleepUntilUs(clock.nowUs() - 10);
    const ac = new AbortController();
    const start = clock.nowUs();
    setTimeout(() => ac.abort(), 5);
    await clock.sleepUntilUs(start + 10_000_000, ac.signal);
    expect(clock.nowUs() - start).toBeLessThan(1_000_000);
    const pre = new AbortController();
    pre.abort();
    await clock.sleepUntilUs(clock.nowUs() + 10_000_000, pre.signal);
  });
});

describe('FakeClock', () => {
  it('wakes sleepers in time order with now() equal to their deadline', async () => {
    const clock = new FakeClock(1_000);
    const woke: [string, number][] = [];
    void clock.sleepUntilUs(3_000).then(() => woke.push(['c', clock.nowUs()]));
    void clock.sleepUntilUs(2_000).then(() => woke.push(['b', clock.nowUs()]));
    void clock.sleepUntilUs(2_000).then(() => woke.push(['b2', clock.nowUs()]));
    void clock.sleepUntilUs(9_000).then(() => woke.push(['z', clock.nowUs()]));
    expect(clock.pendingSleepers).toBe(4);
    await clock.advanceUs(1_500);
    expect(woke).toEqual([
      ['b', 2_000],
      ['b2', 2_000],
    ]);
    expect(clock.nowUs()).toBe(2_500);
    await clock.advanceToUs(5_000);
    expect(woke.map((w) => w[0])).toEqual(['b', 'b2', 'c']);
    expect(clock.nextWakeUs).toBe(9_000);
  });

  it('schedules sleeps made by woken code inside the same advance', async () => {
    const clock = new FakeClock();
    const ticks: number[] = [];
    const loop = async (): Promise<void> => {
      for (let i = 1; i <= 5; i++) {
        await clock.sleepUntilUs(i * 100);
        ticks.push(clock.nowUs());
      }
    };
    const done = loop();
    await clock.advanceUs(350);
    expect(ticks).toEqual([100, 200, 300]);
    await clock.runUntilIdle();
    await done;
    expect(ticks).toEqual([100, 200, 300, 400, 500]);
  });

  it('resolves an aborted sleep and drops it', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    let resolved = false;
    void clock.sleepUntilUs(1_000, ac.signal).then(() => (resolved = true));
    ac.abort();
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(true);
    expect(clock.pendingSleepers).toBe(0);
    await expect(clock.advanceUs(-1)).rejects.toThrow(RangeError);
  });
});

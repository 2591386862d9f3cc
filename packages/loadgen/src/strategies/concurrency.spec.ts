import { describe, expect, it } from 'vitest';
import { createFixedConcurrency, createStagedConcurrency } from './concurrency.js';

describe('concurrency profiles', () => {
  it('fixed: all slots at once without ramp-up', () => {
    const p = createFixedConcurrency(8);
    expect(p.slotsAt(0)).toBe(8);
    expect(p.maxSlots).toBe(8);
    expect(p.firstTimeAtLeast(8, 5)).toBe(5);
    expect(p.firstTimeAtLeast(9, 0)).toBeNull();
  });

  it('fixed with ramp-up: slot i opens at i·ramp/c', () => {
    const p = createFixedConcurrency(4, 2);
    expect(p.slotsAt(0)).toBe(1);
    expect(p.slotsAt(499_999)).toBe(1);
    expect(p.slotsAt(500_000)).toBe(2);
    expect(p.slotsAt(1_500_000)).toBe(4);
    expect(p.slotsAt(10e6)).toBe(4);
    expect(p.firstTimeAtLeast(3, 0)).toBe(1_000_000);
    expect(p.firstTimeAtLeast(3, 1_200_000)).toBe(1_200_000);
  });

  it('stages: floor of the linear target, ramp up then down, ends with the last stage', () => {
    const p = createStagedConcurrency(0, [
      { durationSec: 10, target: 10 },
      { durationSec: 10, target: 0 },
    ]);
    expect(p.maxSlots).toBe(10);
    expect(p.endUs).toBe(20e6);
    expect(p.slotsAt(0)).toBe(0);
    expect(p.slotsAt(2.5e6)).toBe(2);
    expect(p.slotsAt(10e6)).toBe(10);
    expect(p.slotsAt(15e6)).toBe(5);
    expect(p.slotsAt(20e6)).toBe(0);
    const t = p.firstTimeAtLeast(3, 0)!;
    expect(t).toBeCloseTo(3e6, 0);
    expect(p.slotsAt(t)).toBe(3);
    // slot 8 (needs 8) is closed again after 12 s and never reopens
    expect(p.firstTimeAtLeast(8, 12.5e6)).toBeNull();
  });
});

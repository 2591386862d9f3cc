/**
 * A small seeded pseudo-random generator (mulberry32): 32-bit state, period 2^32, fast and good
 * enough for bootstrap resampling. Not cryptographic. The same seed always gives the same
 * sequence, so confidence intervals are reproducible in tests and reports.
 */
export interface SeededRng {
  /** uniform float in [0, 1) */
  next(): number;
  /** uniform integer in [0, n) */
  nextInt(n: number): number;
}

/** Create a mulberry32 generator from an integer seed (only the low 32 bits are used). */
export function createRng(seed: number): SeededRng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, nextInt: (n: number) => Math.floor(next() * n) };
}

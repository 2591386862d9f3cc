/**
 * Small seeded PRNG (mulberry32). Every random choice in the simulator (jitter, EOS points,
 * spec-decode acceptance, faults, output words) comes from one of these, so a run is
 * reproducible from its seed.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    // Mix the seed once so that neighbouring seeds (0, 1, 2...) give unrelated streams.
    this.state = mixSeed(seed) >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

/** 32-bit integer hash (splitmix-like finaliser); used to derive per-request seeds. */
export function mixSeed(x: number): number {
  let h = (x | 0) ^ 0x9e3779b9;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Derives a seed from a base seed and a stream id (request index, worker index...). */
export function deriveSeed(baseSeed: number, streamId: number): number {
  return mixSeed((mixSeed(baseSeed) + Math.imul(streamId + 1, 0x27d4eb2f)) | 0);
}

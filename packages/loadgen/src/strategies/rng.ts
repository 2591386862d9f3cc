import type { Rng } from '../ports.js';

/**
 * mulberry32: a tiny 32-bit PRNG, fast and good enough for arrival gaps and length sampling
 * (passes the usual smoke tests; not for cryptography). Identical seeds give identical streams.
 */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next(): number {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/**
 * A new 32-bit seed derived from `seed` and a list of salts (e.g. a shard index and a stream name), so that
 * independent random streams (arrivals, workload, per shard) never share numbers yet stay reproducible.
 */
export function deriveSeed(seed: number, ...salts: (string | number)[]): number {
  // FNV-1a over the seed and salts, then a murmur3 finalizer for avalanche
  let h = 0x811c9dc5;
  const mix = (s: string): void => {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0xff;
    h = Math.imul(h, 0x01000193);
  };
  mix(String(seed));
  for (const s of salts) mix(String(s));
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in (0, 1]: never 0, so logarithms stay finite. */
function openUnit(rng: Rng): number {
  return 1 - rng.next();
}

/** Exponential with the given mean. */
export function sampleExponential(rng: Rng, mean: number): number {
  return -Math.log(openUnit(rng)) * mean;
}

/** Standard normal (Box–Muller; one of the pair is discarded to keep the stream stateless). */
export function sampleStandardNormal(rng: Rng): number {
  const u1 = openUnit(rng);
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * Gamma(shape, scale) by Marsaglia–Tsang; shape < 1 uses the boost Gamma(shape+1)·U^(1/shape).
 * Mean = shape·scale, variance = shape·scale².
 */
export function sampleGamma(rng: Rng, shape: number, scale: number): number {
  if (shape < 1) {
    const boost = Math.pow(openUnit(rng), 1 / shape);
    return sampleGamma(rng, shape + 1, scale) * boost;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = sampleStandardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = openUnit(rng);
    if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

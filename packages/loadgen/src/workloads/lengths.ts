import type { LengthDist } from '@inferbench/contracts';
import type { Rng } from '../ports.js';
import { sampleStandardNormal } from '../strategies/rng.js';

/** One token length drawn from `dist`: rounded, clamped to the dist's [min, max] and to ≥ 1. */
export function sampleLength(dist: LengthDist, rng: Rng): number {
  let v: number;
  let lo = 1;
  let hi = Infinity;
  switch (dist.kind) {
    case 'fixed':
      return Math.max(1, dist.value);
    case 'uniform': {
      lo = Math.min(dist.min, dist.max);
      hi = Math.max(dist.min, dist.max);
      return lo + Math.floor(rng.next() * (hi - lo + 1));
    }
    case 'normal':
      v = dist.mean + dist.std * sampleStandardNormal(rng);
      lo = dist.min ?? 1;
      hi = dist.max ?? Infinity;
      break;
    case 'lognormal':
      v = dist.median * Math.exp(dist.sigma * sampleStandardNormal(rng));
      lo = dist.min ?? 1;
      hi = dist.max ?? Infinity;
      break;
  }
  return Math.max(1, Math.min(hi, Math.max(lo, Math.round(v))));
}

/** The mean of a length distribution (approximate for clamped normal/lognormal), for planning and presets. */
export function meanLength(dist: LengthDist): number {
  switch (dist.kind) {
    case 'fixed':
      return dist.value;
    case 'uniform':
      return (dist.min + dist.max) / 2;
    case 'normal':
      return dist.mean;
    case 'lognormal':
      return dist.median * Math.exp((dist.sigma * dist.sigma) / 2);
  }
}

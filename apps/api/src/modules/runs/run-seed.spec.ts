import type { LoadPlanSpec } from '@inferbench/contracts';
import { describe, expect, it } from 'vitest';
import { withRunSeed } from './run-spec.js';

describe('withRunSeed', () => {
  const plan = { kind: 'concurrency', levels: [1], requests: 10 } as LoadPlanSpec;

  it('keeps a seed the plan fixes', () => {
    expect(withRunSeed({ ...plan, seed: 42 }).seed).toBe(42);
  });

  it('draws a fresh seed per run when the plan has none, so runs do not resend the same prompts', () => {
    const seeds = new Set(Array.from({ length: 50 }, () => withRunSeed(plan).seed));
    expect(seeds.size).toBeGreaterThan(45);
    for (const s of seeds) expect(Number.isInteger(s) && s > 0).toBe(true);
  });
});

import { z } from 'zod';

/** Warm-up requests are sent first and excluded from every figure. */
export const WarmupSchema = z
  .object({
    requests: z.number().int().min(0).optional(),
    durationSec: z.number().min(0).optional(),
  })
  .refine((w) => !(w.requests !== undefined && w.durationSec !== undefined), {
    message: 'give warm-up as requests or durationSec, not both',
  });
export type Warmup = z.infer<typeof WarmupSchema>;

/** Hard limits of one load point. `maxErrorRate` (0..1) aborts the point with a clear reason once exceeded. */
export const LimitsSchema = z.object({
  maxDurationSec: z.number().positive().max(86_400).default(600),
  maxRequests: z.number().int().positive().optional(),
  maxErrorRate: z.number().min(0).max(1).optional(),
});
export type Limits = z.infer<typeof LimitsSchema>;

/** Fields every plan has. How long each load point lasts: a request count, a duration, or both (whichever comes first). */
const extent = {
  warmup: WarmupSchema.optional(),
  limits: LimitsSchema.optional(),
  /** seed for arrivals and workload sampling; identical seeds give identical schedules */
  seed: z.number().int().default(1),
  /** measured requests per load point (warm-up not included) */
  requests: z.number().int().positive().optional(),
  /** measured duration per load point in seconds */
  durationSec: z.number().positive().optional(),
};

export const ArrivalSchema = z.enum(['constant', 'poisson', 'gamma']);
export type Arrival = z.infer<typeof ArrivalSchema>;

/** Closed loop: `levels` are concurrency levels, one load point per level per variant. */
export const ConcurrencyPlanSchema = z.object({
  kind: z.literal('concurrency'),
  levels: z.array(z.number().int().min(1).max(100_000)).min(1),
  ...extent,
});

/** Open loop: `levels` are request rates (req/s), one load point per level per variant. */
export const RatePlanSchema = z.object({
  kind: z.literal('rate'),
  levels: z.array(z.number().positive()).min(1),
  arrival: ArrivalSchema.default('poisson'),
  /** gamma shape; < 1 is burstier than Poisson, 1 equals Poisson */
  burstiness: z.number().positive().optional(),
  maxConcurrency: z.number().int().positive().optional(),
  ...extent,
});

export const LoadPlanSpecSchema = z
  .discriminatedUnion('kind', [ConcurrencyPlanSchema, RatePlanSchema])
  .refine((p) => p.requests !== undefined || p.durationSec !== undefined, {
    message: 'a load plan needs requests or durationSec',
    path: ['requests'],
  });
export type LoadPlanSpec = z.infer<typeof LoadPlanSpecSchema>;

/** The concrete load of one load point (one level of the plan). */
export const LoadLevelSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('concurrency'), concurrency: z.number().int().min(1) }),
  z.object({
    kind: z.literal('rate'),
    rate: z.number().positive(),
    arrival: ArrivalSchema,
    burstiness: z.number().positive().optional(),
    maxConcurrency: z.number().int().positive().optional(),
  }),
]);
export type LoadLevel = z.infer<typeof LoadLevelSchema>;

/** Human label for a level, e.g. `c=8` or `r=2.5/s`. */
export function describeLoadLevel(level: LoadLevel): string {
  return level.kind === 'concurrency' ? `c=${level.concurrency}` : `r=${level.rate}/s`;
}

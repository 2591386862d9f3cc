import { z } from 'zod';
import { SloSpecSchema } from './slo.js';

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

/** Error rate above which a completed load point is marked with a warning, when the plan sets no `maxErrorRate`. */
export const DEFAULT_MAX_ERROR_RATE = 0.05;

/**
 * Fixed-level plans: a load point whose error rate (failed / (succeeded + failed)) exceeds this is marked with a
 * warning (it still completes; `limits.maxErrorRate` is the limit that aborts a point). Default
 * {@link DEFAULT_MAX_ERROR_RATE}. Sweep and SLA-search plans have their own `maxErrorRate`, used the same way.
 */
const maxErrorRateField = { maxErrorRate: z.number().min(0).max(1).optional() };

/** Fields every plan has. How long each load point lasts: a request count, a duration, or both (whichever comes first). */
const extent = {
  warmup: WarmupSchema.optional(),
  limits: LimitsSchema.optional(),
  /**
   * Seed for arrivals and prompts; identical seeds give identical schedules and prompts. When absent, each
   * run draws a fresh seed (frozen into the run so it can be replayed): a repeated seed resends the same
   * prompts, and a server with prefix caching would answer them from cache.
   */
  seed: z.number().int().optional(),
  /** measured requests per load point (warm-up not included) */
  requests: z.number().int().positive().optional(),
  /** measured duration per load point in seconds */
  durationSec: z.number().positive().optional(),
  /**
   * agents that share each load point: the rate or concurrency (and request count) is split between them, they
   * start together and their histograms merge exactly; `'all'` = every live agent of the target's pool when the
   * run starts (default 1)
   */
  shards: z.union([z.number().int().min(1).max(256), z.literal('all')]).optional(),
  /**
   * what happens to a shard whose agent stops heartbeating mid-point: `retry` re-runs that shard on another live
   * agent of the pool (the dead attempt's samples stay stored but do not count), `fail` fails the point (default retry)
   */
  onAgentLoss: z.enum(['retry', 'fail']).optional(),
};

export const ArrivalSchema = z.enum(['constant', 'poisson', 'gamma']);
export type Arrival = z.infer<typeof ArrivalSchema>;

/** What a staged, swept or searched plan varies: open-loop request rate (req/s) or closed-loop concurrency. */
export const LoadModeSchema = z.enum(['rate', 'concurrency']);
export type LoadMode = z.infer<typeof LoadModeSchema>;

/** One k6-style stage: move linearly from the previous target to `target` over `durationSec`. */
export const StageSchema = z.object({
  durationSec: z.number().positive(),
  /** req/s (rate mode) or concurrent requests (concurrency mode) reached at the end of the stage */
  target: z.number().min(0),
});
export type Stage = z.infer<typeof StageSchema>;

/** One request of a replayed trace. */
export const TraceEntrySchema = z.object({
  /** send time, ms from the trace's first entry (the replay shifts the first entry to 0) */
  tMs: z.number().min(0),
  inputTokens: z.number().int().min(1),
  outputTokens: z.number().int().min(1),
});
export type TraceEntry = z.infer<typeof TraceEntrySchema>;

/** Open-loop options shared by rate, staged-rate, sweep and SLA-search plans. */
const openLoop = {
  arrival: ArrivalSchema.default('poisson'),
  /** gamma shape; < 1 is burstier than Poisson, 1 equals Poisson */
  burstiness: z.number().positive().optional(),
};

/** Fields of a staged load (both the plan and its single load level). */
const stagesFields = {
  mode: LoadModeSchema,
  /** value at t = 0 before the first stage; default 1 in concurrency mode (like k6's startVUs), 0 in rate mode */
  startTarget: z.number().min(0).optional(),
  stages: z.array(StageSchema).min(1).max(1000),
  ...openLoop,
  /** rate mode: at most this many requests in flight; later arrivals wait for a slot (client queue time) */
  maxConcurrency: z.number().int().positive().optional(),
};

/** Fields of a trace replay (both the plan and its single load level). Give `source` or `entries`. */
const traceFields = {
  /**
   * JSONL file on the agent (or `builtin:<name>`): one object per line with a timestamp
   * (`timestamp` ms as in Mooncake traces, or `tMs`, or `tSec`) and lengths (`input_length`/`inputTokens`,
   * `output_length`/`outputTokens`).
   */
  source: z.string().min(1).optional(),
  /** the trace inline (the API can ship an uploaded trace this way) */
  entries: z.array(TraceEntrySchema).max(1_000_000).optional(),
  /** > 1 replays faster (times divided by speedup) */
  speedup: z.number().positive().default(1),
  maxConcurrency: z.number().int().positive().optional(),
};

/** Closed loop: `levels` are concurrency levels, one load point per level per variant. */
export const ConcurrencyPlanSchema = z.object({
  kind: z.literal('concurrency'),
  levels: z.array(z.number().int().min(1).max(100_000)).min(1),
  /** open the slots linearly over this many seconds (slot i opens at i·rampUpSec/level) */
  rampUpSec: z.number().positive().optional(),
  ...extent,
  ...maxErrorRateField,
});

/** Open loop: `levels` are request rates (req/s), one load point per level per variant. */
export const RatePlanSchema = z.object({
  kind: z.literal('rate'),
  levels: z.array(z.number().positive()).min(1),
  ...openLoop,
  maxConcurrency: z.number().int().positive().optional(),
  ...extent,
  ...maxErrorRateField,
});

/** k6-style stages: one load point whose rate or concurrency follows linear ramps; lasts the sum of the stages. */
export const StagesPlanSchema = z.object({
  kind: z.literal('stages'),
  ...stagesFields,
  ...extent,
  ...maxErrorRateField,
});

/** Trace replay: one load point sending the trace's requests at its timestamps with its lengths. */
export const TracePlanSchema = z.object({
  kind: z.literal('trace'),
  ...traceFields,
  ...extent,
  ...maxErrorRateField,
});

/**
 * Automatic sweep (adaptive). Rate mode: one stream (c=1) measures the synchronous rate, a closed-loop probe at
 * `maxConcurrency` measures the saturation throughput, then `points − 2` open-loop rates evenly spaced up to it;
 * stops early once a point is over-saturated. Concurrency mode: c = 1, 2, 4, … until throughput stops growing.
 */
export const SweepPlanSchema = z.object({
  kind: z.literal('sweep'),
  mode: LoadModeSchema.default('rate'),
  /** load points in all, probes included */
  points: z.number().int().min(3).max(50).default(10),
  /** concurrency of the saturation probe (rate mode) and ceiling of the doubling (concurrency mode) */
  maxConcurrency: z.number().int().min(1).max(100_000).default(256),
  ...openLoop,
  /** a rate point is over-saturated when its achieved request throughput < (1 − tolerance) × offered rate */
  saturationTolerance: z.number().min(0).max(1).default(0.1),
  /** concurrency mode: saturated once doubling concurrency raises request throughput by less than this fraction */
  minGain: z.number().min(0).default(0.1),
  /** stop once a point's error rate exceeds this */
  maxErrorRate: z.number().min(0).max(1).default(0.1),
  ...extent,
});

/**
 * SLA search (adaptive): the highest rate or concurrency whose load point meets every bound of `slo` at its
 * percentile (and `maxErrorRate`). Doubles from `min` until a point fails (or `max`), then bisects.
 */
export const SlaSearchPlanSchema = z.object({
  kind: z.literal('sla'),
  mode: LoadModeSchema.default('concurrency'),
  slo: SloSpecSchema,
  min: z.number().positive().default(1),
  max: z.number().positive(),
  /** rate mode: stop when (fail − pass) / fail ≤ tolerance; concurrency mode stops at a gap of 1 */
  tolerance: z.number().positive().max(1).default(0.05),
  /** load points in all */
  maxPoints: z.number().int().min(1).max(50).default(12),
  maxErrorRate: z.number().min(0).max(1).default(0.01),
  /** rate mode: a point also fails when achieved throughput < (1 − saturationTolerance) × offered rate */
  saturationTolerance: z.number().min(0).max(1).default(0.1),
  ...openLoop,
  ...extent,
});

/** Plan kinds whose next load point depends on the previous point's summary (`nextAdaptiveLevel`). */
export const ADAPTIVE_PLAN_KINDS = ['sweep', 'sla'] as const;

export const LoadPlanSpecSchema = z
  .discriminatedUnion('kind', [
    ConcurrencyPlanSchema,
    RatePlanSchema,
    StagesPlanSchema,
    TracePlanSchema,
    SweepPlanSchema,
    SlaSearchPlanSchema,
  ])
  .refine(
    (p) =>
      p.kind === 'stages' || p.kind === 'trace' || p.requests !== undefined || p.durationSec !== undefined,
    {
      message: 'a load plan needs requests or durationSec',
      path: ['requests'],
    },
  )
  .refine((p) => p.kind !== 'trace' || p.source !== undefined || p.entries !== undefined, {
    message: 'a trace plan needs source or entries',
    path: ['source'],
  })
  .refine(
    (p) =>
      p.kind !== 'sla' ||
      p.slo.ttftMs !== undefined ||
      p.slo.tpotMs !== undefined ||
      p.slo.itlMs !== undefined ||
      p.slo.e2eMs !== undefined,
    { message: 'an SLA search needs at least one SLO bound', path: ['slo'] },
  )
  .refine((p) => p.kind !== 'sla' || p.max >= p.min, { message: 'max must be ≥ min', path: ['max'] });
export type LoadPlanSpec = z.infer<typeof LoadPlanSpecSchema>;

/** The error rate above which a load point of this plan is marked with a warning (the plan's `maxErrorRate`). */
export function planMaxErrorRate(plan: LoadPlanSpec): number {
  return plan.maxErrorRate ?? DEFAULT_MAX_ERROR_RATE;
}

/** The concrete load of one load point (one level of the plan). */
export const LoadLevelSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('concurrency'),
    concurrency: z.number().int().min(1),
    rampUpSec: z.number().positive().optional(),
  }),
  z.object({
    kind: z.literal('rate'),
    rate: z.number().positive(),
    arrival: ArrivalSchema,
    burstiness: z.number().positive().optional(),
    maxConcurrency: z.number().int().positive().optional(),
  }),
  z.object({ kind: z.literal('stages'), ...stagesFields }),
  z.object({ kind: z.literal('trace'), ...traceFields }),
]);
export type LoadLevel = z.infer<typeof LoadLevelSchema>;

/** Human label for a level, e.g. `c=8`, `r=2.5/s`, `stages rate 0→10→0 (60s)` or `trace x2`. */
export function describeLoadLevel(level: LoadLevel): string {
  switch (level.kind) {
    case 'concurrency':
      return `c=${level.concurrency}`;
    case 'rate':
      return `r=${level.rate}/s`;
    case 'stages': {
      const start = level.startTarget ?? (level.mode === 'concurrency' ? 1 : 0);
      const totalSec = level.stages.reduce((s, st) => s + st.durationSec, 0);
      return `stages ${level.mode} ${[start, ...level.stages.map((s) => s.target)].join('→')} (${totalSec}s)`;
    }
    case 'trace':
      return `trace${level.speedup !== 1 ? ` x${level.speedup}` : ''}`;
  }
}

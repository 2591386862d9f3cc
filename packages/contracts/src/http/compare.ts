import { z } from 'zod';
import { IdSchema, IsoDateSchema, RunStatusSchema } from '../common.js';
import { LoadLevelSchema } from '../specs/load-plan.js';
import { SloSpecSchema } from '../specs/slo.js';
import { ImportSourceSchema, PartialStatsSchema } from '../imports.js';

/** Figures with distributions and CIs on the dashboard (ms). */
export const DISTRIBUTION_FIGURES = ['ttftMs', 'tpotMs', 'itlMs', 'e2eMs'] as const;
export const DistributionFigureSchema = z.enum(DISTRIBUTION_FIGURES);
export type DistributionFigure = z.infer<typeof DistributionFigureSchema>;

/** One CDF point: `pct` percent of the values are ≤ `valueMs`. */
export const CdfPointSchema = z.object({ valueMs: z.number(), pct: z.number() });
export type CdfPoint = z.infer<typeof CdfPointSchema>;

/** `GET /load-points/:id/distribution` query. */
export const DistributionQuerySchema = z.object({
  figure: DistributionFigureSchema.default('ttftMs'),
  /** CDF points on an even percentile grid (tail points p99.5, p99.9 and the max are added) */
  points: z.coerce.number().int().min(2).max(1000).default(100),
});
export type DistributionQuery = z.infer<typeof DistributionQuerySchema>;

/** CDF of one figure of one finalized load point, read from its stored HDR histogram. */
export const DistributionSchema = z.object({
  loadPointId: IdSchema,
  figure: DistributionFigureSchema,
  unit: z.literal('ms'),
  /** values in the histogram (ITL: pooled gaps) */
  count: z.number().int().min(0),
  /** ascending in both valueMs and pct; empty when the point has no stored histogram or no values */
  points: z.array(CdfPointSchema),
});
export type Distribution = z.infer<typeof DistributionSchema>;

/** `GET /load-points/:id/samples/page` query. */
export const SamplesPageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type SamplesPageQuery = z.infer<typeof SamplesPageQuerySchema>;

/** One raw request of the samples table, with the per-request figures derived from it (ms). */
export const SampleRowSchema = z.object({
  shardIndex: z.number().int(),
  idx: z.number().int(),
  warmup: z.boolean(),
  sentUs: z.number(),
  endUs: z.number(),
  httpStatus: z.number().int(),
  errorClass: z.string().nullable(),
  errorMessage: z.string().nullable(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  chunks: z.number().int(),
  ttftMs: z.number().nullable(),
  tpotMs: z.number().nullable(),
  e2eMs: z.number(),
  maxItlMs: z.number().nullable(),
});
export type SampleRow = z.infer<typeof SampleRowSchema>;

/** A page of raw samples ordered by shard and request index. */
export const SamplesPageSchema = z.object({
  items: z.array(SampleRowSchema),
  total: z.number().int().min(0),
  limit: z.number().int(),
  offset: z.number().int(),
});
export type SamplesPage = z.infer<typeof SamplesPageSchema>;

/**
 * `GET /compare?runs=...`: comma-separated items, each `runId` (every variant of the run) or
 * `runId:variantId` (one variant). Either every item names a variant (rows = load levels, one
 * column per item) or none does (rows = variant × level matched by label, one column per run).
 */
export const CompareQuerySchema = z.object({
  runs: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().min(1).max(130)).min(1).max(12)),
  /** CDF points per figure and cell */
  points: z.coerce.number().int().min(2).max(200).default(50),
});
export type CompareQuery = z.infer<typeof CompareQuerySchema>;

/** A two-sided 95 % confidence interval of a percentile (ms). */
export const PercentileCiSchema = z.object({
  estimate: z.number(),
  lower: z.number(),
  upper: z.number(),
  /**
   * true when too few values lie below (lowerOpen) or above (upperOpen) the percentile to bound that side at
   * 95 % (e.g. p99 of 100 values): the side is then shown at the min/max and can never prove a difference
   */
  lowerOpen: z.boolean().default(false),
  upperOpen: z.boolean().default(false),
});
export type PercentileCi = z.infer<typeof PercentileCiSchema>;

/** One figure of one compare cell. */
export const CompareFigureSchema = z.object({
  /**
   * full Stats for measured and rebuilt points; for an aggregates-only imported point only the fields its file
   * states (the rest are absent, never filled in)
   */
  stats: PartialStatsSchema,
  /** null when the point has no stored histograms (finalized before they were kept) */
  p50Ci: PercentileCiSchema.nullable(),
  p99Ci: PercentileCiSchema.nullable(),
  /** empty without stored histograms */
  cdf: z.array(CdfPointSchema),
});
export type CompareFigure = z.infer<typeof CompareFigureSchema>;

/** A column's load point in one row. */
export const CompareCellSchema = z.object({
  loadPointId: IdSchema,
  status: RunStatusSchema,
  /** an imported point whose file holds only aggregates: its figures as stated, no CDFs, no intervals */
  aggregatesOnly: z.boolean().default(false),
  /** null only for an aggregates-only point whose file does not state the figure */
  requestThroughput: z.number().nullable(),
  outputTokenThroughput: z.number().nullable(),
  goodput: z.number().nullable(),
  sloAttainmentPct: z.number().nullable(),
  errorRate: z.number().nullable(),
  succeeded: z.number().int().nullable(),
  figures: z.partialRecord(DistributionFigureSchema, CompareFigureSchema),
});
export type CompareCell = z.infer<typeof CompareCellSchema>;

/** Difference of one percentile of a column against the first column. */
export const CompareDeltaSchema = z.object({
  /** this column − first column, ms */
  deltaMs: z.number(),
  /** relative to the first column, percent; null when the first is 0 */
  deltaPct: z.number().nullable(),
  /** the two 95 % intervals do not overlap: the difference is beyond sampling noise */
  beyondNoise: z.boolean(),
});
export type CompareDelta = z.infer<typeof CompareDeltaSchema>;

export const CompareRowSchema = z.object({
  /** match key: `<variantLabel> · <levelLabel>` in run mode, `<levelLabel>` in variant mode */
  key: z.string(),
  variantLabel: z.string().nullable(),
  levelLabel: z.string(),
  level: LoadLevelSchema,
  /** one per column, null where that column has no finalized point for the key */
  cells: z.array(CompareCellSchema.nullable()),
  /** one per column (the first is always null): deltas of p50 and p99 per figure vs the first column */
  deltas: z.array(
    z
      .partialRecord(DistributionFigureSchema, z.object({ p50: CompareDeltaSchema, p99: CompareDeltaSchema }))
      .nullable(),
  ),
});
export type CompareRow = z.infer<typeof CompareRowSchema>;

export const CompareColumnSchema = z.object({
  /** the selection item, as given */
  item: z.string(),
  runId: IdSchema,
  variantId: IdSchema.nullable(),
  variantLabel: z.string().nullable(),
  experimentId: IdSchema,
  experimentName: z.string(),
  status: RunStatusSchema,
  createdAt: IsoDateSchema,
  tags: z.array(z.string()),
  slo: SloSpecSchema.nullable(),
  /** short human label, e.g. `exp · 3f9a1c · v1` (imported runs end with their source, e.g. `vllm 0.8.3 (import)`) */
  label: z.string(),
  /** imported runs: the tool the figures came from; null for measured runs */
  source: ImportSourceSchema.pick({ tool: true, toolVersion: true, label: true }).nullable().default(null),
});
export type CompareColumn = z.infer<typeof CompareColumnSchema>;

export const CompareResultSchema = z.object({
  mode: z.enum(['runs', 'variants']),
  columns: z.array(CompareColumnSchema),
  figures: z.array(DistributionFigureSchema),
  rows: z.array(CompareRowSchema),
  /** how the intervals and `beyondNoise` are computed, in words */
  method: z.string(),
});
export type CompareResult = z.infer<typeof CompareResultSchema>;

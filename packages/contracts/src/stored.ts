import { z } from 'zod';
import { ApiKindSchema, ConnectionModeSchema, IdSchema } from './common.js';
import { LoadPointTelemetrySchema } from './events.js';
import { AggregatesOnlySummarySchema, ImportedPointInfoSchema, ImportSourceSchema } from './imports.js';
import { LoadLevelSchema, LoadPlanSpecSchema } from './specs/load-plan.js';
import { SloSpecSchema } from './specs/slo.js';
import { ExperimentEvalsSchema } from './specs/eval-plan.js';
import { OptimizationDescriptorSchema, RequestParamsSchema } from './specs/variant.js';
import { WorkloadSpecSchema } from './specs/workload.js';
import { LoadPointSummarySchema } from './summary.js';
import { BottleneckHintSchema } from './telemetry.js';
import { TokenizerInfoSchema, TokenizerSettingSchema } from './tokenizer.js';

/*
 * The shapes of every JSON column, defined once. The API parses each column with these schemas where it reads the
 * row (in the owning module's repository), so nothing downstream casts JSON. They must accept every row an older
 * version wrote: a field added later is optional or has a default here, and is never made required afterwards.
 * Required columns (`Run.spec`, `LoadPoint.level`, `Experiment.workload`/`loadPlan`, `Variant.*`) are parsed with
 * `.parse` (they were validated by the same contracts when written); optional ones fall back to null/empty with
 * {@link parseStoredOr} so a row with an unreadable extra never breaks a read.
 */

/** Shard indexes are the JSON object's keys (`"0"`, `"1"`…); any other key is ignored. */
const isShardKey = (k: string): boolean => /^\d+$/.test(k);

/** `Target.headers` (and a frozen target's): string values only; anything else in an old row is dropped. */
export const StoredHeadersSchema = z.preprocess(
  (v) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).filter((e) => typeof e[1] === 'string'))
      : {},
  z.record(z.string(), z.string()),
);

/** `Run.metadata`: free-form string provenance (`{ gitSha, ciUrl }`); non-string values of old rows are dropped. */
export const RunMetadataSchema = StoredHeadersSchema;
export type RunMetadata = z.infer<typeof RunMetadataSchema>;

/**
 * The secret-free description of a target frozen into a run's spec. `connection`, `tokenizer` (and defaults for
 * `headers`, `metricsUrl`, `hasApiKey`) are absent from specs frozen before those settings existed.
 */
export const FrozenTargetSchema = z.object({
  id: IdSchema,
  name: z.string(),
  baseUrl: z.string(),
  apiKind: ApiKindSchema,
  model: z.string(),
  headers: z.record(z.string(), z.string()).default({}),
  pool: z.string().default('default'),
  metricsUrl: z.string().nullable().default(null),
  hasApiKey: z.boolean().default(false),
  /** absent: keep-alive */
  connection: ConnectionModeSchema.optional(),
  /** absent: the agent's default */
  tokenizer: TokenizerSettingSchema.optional(),
});
export type FrozenTarget = z.infer<typeof FrozenTargetSchema>;

/** One variant as frozen into a run (its target without secrets). */
export const FrozenVariantSchema = z.object({
  id: IdSchema,
  label: z.string(),
  optimization: OptimizationDescriptorSchema.default({ features: {} }),
  params: RequestParamsSchema.default({}),
  target: FrozenTargetSchema,
});
export type FrozenVariant = z.infer<typeof FrozenVariantSchema>;

/**
 * `Run.spec`: the experiment as it was when the run started. Later edits to the experiment or its targets do not
 * change what a run measured (the target's API key is read at enqueue time and never stored here). Served as
 * `Run.spec` by `GET /runs/:id`.
 */
export const RunSpecSchema = z.object({
  v: z.literal(1).default(1),
  experiment: z.object({
    id: IdSchema,
    name: z.string(),
    description: z.string().default(''),
    tags: z.array(z.string()).default([]),
  }),
  workload: WorkloadSpecSchema,
  loadPlan: LoadPlanSpecSchema,
  slo: SloSpecSchema.nullable().default(null),
  variants: z.array(FrozenVariantSchema),
  /** the experiment's evals at start (built-in suites by name, as written); absent: none (and every older spec) */
  evals: ExperimentEvalsSchema.optional(),
});
export type RunSpec = z.infer<typeof RunSpecSchema>;

/** `LoadPoint.summary`: a measured (or rebuilt) summary, or an imported point's aggregates-only figures. */
export const StoredPointSummarySchema = z.union([AggregatesOnlySummarySchema, LoadPointSummarySchema]);
export type StoredPointSummary = z.infer<typeof StoredPointSummarySchema>;

/** What an agent reported for one shard when it ended (an entry of `LoadPoint.shardState`). */
export const ShardStateSchema = z.object({
  status: z.enum(['completed', 'cancelled', 'failed']),
  batchCount: z.number().int().min(0),
  reason: z.string().optional(),
  warnings: z.array(z.string()).default([]),
  /** server/GPU telemetry the shard measured (merged into `LoadPoint.telemetry` at finalization; unreadable: absent) */
  telemetry: LoadPointTelemetrySchema.optional().catch(undefined),
  /** the attempt that reported (absent in rows written before attempts existed: 0) */
  attempt: z.number().int().min(0).optional(),
  /** agent that ran the attempt; null when the API ended the shard itself (agent lost) */
  agentId: z.string().nullable().optional(),
  /** the shard's encoded accumulator until finalization merges it (then dropped from the row) */
  accumulator: z.string().optional(),
  /** schedule delay, errors and actual start as the agent reported them */
  shardHealth: z
    .object({
      scheduleDelayP99Ms: z.number().optional(),
      errors: z.number().int().min(0),
      startedAtEpochMs: z.number(),
    })
    .optional(),
  /** the client-side tokenizer the shard used, as its agent reported it (unreadable: absent) */
  tokenizer: TokenizerInfoSchema.optional().catch(undefined),
});
export type ShardState = z.infer<typeof ShardStateSchema>;

/**
 * `LoadPoint.shardState`: shard index → its end report. An entry that is not a shard state (never written by any
 * version) is dropped rather than failing the read.
 */
export const ShardStatesSchema = z
  .preprocess(
    (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {}),
    z.record(z.string(), z.unknown()),
  )
  .transform((rec) => {
    const out = new Map<number, ShardState>();
    for (const [k, v] of Object.entries(rec)) {
      if (!isShardKey(k)) continue;
      const parsed = ShardStateSchema.safeParse(v);
      if (parsed.success) out.set(Number(k), parsed.data);
    }
    return out;
  });

/** `LoadPoint.shardAttempts`: shard index → the attempt that counts (absent = 0). */
export const ShardAttemptsSchema = z
  .preprocess(
    (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {}),
    z.record(z.string(), z.unknown()),
  )
  .transform((rec) => {
    const out = new Map<number, number>();
    for (const [k, v] of Object.entries(rec))
      if (isShardKey(k) && typeof v === 'number') out.set(Number(k), v);
    return out;
  });

/** `LoadPoint.level` (measured and imported points alike). */
export const StoredLoadLevelSchema = LoadLevelSchema;
/** `LoadPoint.telemetry`. */
export const StoredPointTelemetrySchema = LoadPointTelemetrySchema;
/** `LoadPoint.imported`. */
export const StoredImportedPointSchema = ImportedPointInfoSchema;
/** `Experiment.evals`. */
export const StoredExperimentEvalsSchema = ExperimentEvalsSchema;
/** `Run.source`. */
export const StoredRunSourceSchema = ImportSourceSchema;
/** `Run.hints`: entries that do not parse are dropped; absent hints are `[]`. */
export const StoredRunHintsSchema = z
  .preprocess((v) => (Array.isArray(v) ? v : []), z.array(z.unknown()))
  .transform((items) =>
    items.flatMap((h) => {
      const parsed = BottleneckHintSchema.safeParse(h);
      return parsed.success ? [parsed.data] : [];
    }),
  );
/** `Target.tokenizer`. */
export const StoredTokenizerSettingSchema = TokenizerSettingSchema;

/**
 * Parse an optional JSON column: SQL NULL (or JSON null) and a value the schema does not accept both give
 * `fallback`, so an unreadable extra never fails the read of its row.
 */
export function parseStoredOr<S extends z.ZodType, F>(
  schema: S,
  json: unknown,
  fallback: F,
): z.output<S> | F {
  if (json === null || json === undefined) return fallback;
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : fallback;
}

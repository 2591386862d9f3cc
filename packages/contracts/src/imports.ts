import { z } from 'zod';
import { StatsSchema } from './summary.js';

/** Tools whose result files `POST /imports` reads (packages/interop `SOURCE_TOOLS`). */
export const SourceToolSchema = z.enum(['vllm', 'guidellm', 'aiperf', 'inference-perf', 'k6']);
export type SourceToolName = z.infer<typeof SourceToolSchema>;

/**
 * `Run.source` of an imported run (trigger `import`): which tool wrote the file, its version when the file
 * states it, the file shape read, how the tool was chosen, and the importer's warnings.
 */
export const ImportSourceSchema = z.object({
  tool: SourceToolSchema,
  /** null when the file does not record the tool's version (vLLM result files never do) */
  toolVersion: z.string().nullable(),
  /** packages/interop `SourceFormat`, e.g. `vllm-bench-serve`, `guidellm-report` */
  format: z.string(),
  fileName: z.string(),
  /** `shape`: detected from the file; `forced`: the caller named the tool */
  detectedBy: z.enum(['shape', 'forced']),
  /** the file's own metadata (model id, backend, date, …) as it states them */
  metadata: z.record(z.string(), z.unknown()).default({}),
  warnings: z.array(z.string()).default([]),
  /** e.g. `vllm 0.8.3 (import)`: how columns and headings name the source */
  label: z.string(),
});
export type ImportSource = z.infer<typeof ImportSourceSchema>;

/** A distribution as an imported file states it: only the fields the file has (nothing is filled in). */
export const PartialStatsSchema = StatsSchema.partial();
export type PartialStats = z.infer<typeof PartialStatsSchema>;

/** A distribution in the file's own terms: `percentiles` keyed by the percentile as text (`'50'`, `'99.9'`). */
export const ReportedStatsSchema = z.object({
  count: z.number().optional(),
  mean: z.number().optional(),
  std: z.number().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  percentiles: z.record(z.string(), z.number()),
});
export type ReportedStats = z.infer<typeof ReportedStatsSchema>;

/**
 * `LoadPoint.summary` of an aggregates-only imported point: the figures the file holds, under the names of
 * `LoadPointSummary`, and nothing else (no value is computed that the file does not state). Always carries
 * `aggregatesOnly: true`, which is how readers tell it from a full summary.
 */
export const AggregatesOnlySummarySchema = z.object({
  aggregatesOnly: z.literal(true),
  requests: z.object({
    total: z.number().int().optional(),
    succeeded: z.number().int().optional(),
    failed: z.number().int().optional(),
  }),
  durationSec: z.number().optional(),
  requestThroughput: z.number().optional(),
  outputTokenThroughput: z.number().optional(),
  totalTokenThroughput: z.number().optional(),
  goodput: z.number().optional(),
  achievedConcurrency: z.number().optional(),
  errorRate: z.number().optional(),
  tokens: z.object({ input: z.number().optional(), output: z.number().optional() }),
  latency: z.record(z.string(), PartialStatsSchema),
  warnings: z.array(z.string()).default([]),
});
export type AggregatesOnlySummary = z.infer<typeof AggregatesOnlySummarySchema>;

/** The load an imported file says it ran (packages/interop `ImportedLoad`). */
export const ImportedLoadSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('concurrency'), concurrency: z.number() }),
  z.object({
    kind: z.literal('rate'),
    rate: z.union([z.number(), z.literal('inf')]),
    maxConcurrency: z.number().optional(),
    burstiness: z.number().optional(),
  }),
  z.object({ kind: z.literal('other'), description: z.string() }),
]);
export type ImportedLoad = z.infer<typeof ImportedLoadSchema>;

/**
 * `LoadPoint.imported`: what an imported point's file said. `detail: 'aggregates'` is "aggregates only" (no
 * per-request records: no CDFs, no confidence intervals; the point's `aggregates` holds its figures);
 * `samples`: the file held per-request records, rebuilt into samples and a full summary with histograms.
 */
export const ImportedPointInfoSchema = z.object({
  detail: z.enum(['samples', 'aggregates']),
  /** the point's label in the file, e.g. `rate=8, c=16` */
  label: z.string(),
  /** the load as the file states it (absent when it does not); `LoadPoint.level` is its closest LoadLevel */
  load: ImportedLoadSchema.optional(),
  /** distributions as the file reports them, under our figure names (ms; tokens/s for rates) */
  reported: z.record(z.string(), ReportedStatsSchema),
  /** scalar figures as the file states them (durationSec, requestThroughput, …) */
  scalars: z.record(z.string(), z.number()),
  /** for every mapped figure, the peer key it came from and how it relates to ours */
  sources: z.record(
    z.string(),
    z.object({ key: z.string(), relation: z.enum(['same', 'approx']), note: z.string().optional() }),
  ),
  /** caveats about the figures (e.g. client re-tokenized output counts) */
  flags: z.array(z.string()),
  /** aggregates-only points: the figures the file holds, under LoadPointSummary names */
  aggregates: AggregatesOnlySummarySchema.nullable().default(null),
});
export type ImportedPointInfo = z.infer<typeof ImportedPointInfoSchema>;

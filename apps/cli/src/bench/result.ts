import {
  ApiKindSchema,
  ArrivalSchema,
  ConnectionModeSchema,
  LoadLevelSchema,
  LoadPlanSpecSchema,
  LoadPointSummarySchema,
  RequestParamsSchema,
  SloSpecSchema,
  TokenizerInfoSchema,
  WorkloadSpecSchema,
} from '@inferbench/contracts';
import { z } from 'zod';

/** What a version-1 (single load point) `inferbench bench` was asked to do. Still read by `--compare`. */
export const BenchConfigSchema = z.object({
  baseUrl: z.string(),
  model: z.string(),
  apiKind: ApiKindSchema,
  /** closed loop (concurrency) or open loop (rate) */
  load: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('concurrency'), concurrency: z.number().int().min(1) }),
    z.object({
      kind: z.literal('rate'),
      rate: z.number().positive(),
      arrival: ArrivalSchema,
      burstiness: z.number().positive().optional(),
      maxConcurrency: z.number().int().positive().optional(),
    }),
  ]),
  requests: z.number().int().positive().optional(),
  durationSec: z.number().positive().optional(),
  warmupRequests: z.number().int().min(0),
  inputTokens: z.number().int().min(1),
  outputTokens: z.number().int().min(1),
  ignoreEos: z.boolean(),
  temperature: z.number().min(0).optional(),
  seed: z.number().int(),
  tokenizer: z.string(),
  maxDurationSec: z.number().positive(),
  /** whether an API key was used (the key itself is never written) */
  hasApiKey: z.boolean(),
});
export type BenchConfig = z.infer<typeof BenchConfigSchema>;

/** The machine that generated the load: needed to judge whether the client could keep up. */
export const BenchEnvironmentSchema = z.object({
  node: z.string(),
  platform: z.string(),
  arch: z.string(),
  cpus: z.number().int(),
  cpuModel: z.string(),
  /** 1, 5 and 15 minute load averages at the end of the run */
  loadavg: z.array(z.number()),
  totalMemoryMb: z.number().int(),
  inferbenchVersion: z.string(),
});
export type BenchEnvironment = z.infer<typeof BenchEnvironmentSchema>;

const SummaryWithPeersSchema = LoadPointSummarySchema.extend({
  peerNames: z.record(z.string(), z.unknown()).optional(),
});

const EngineStatsSchema = z.object({
  sent: z.number().int(),
  completed: z.number().int(),
  cancelledTail: z.number().int(),
  warmup: z.number().int(),
  startedAtEpochMs: z.number(),
});
export type BenchEngineStats = z.infer<typeof EngineStatsSchema>;

const StatusSchema = z.enum(['completed', 'cancelled', 'aborted', 'failed']);
export type BenchStatus = z.infer<typeof StatusSchema>;

/** The result file of version 1: one load point (written by earlier CLIs; `--compare` still reads it). */
export const BenchResultV1Schema = z.object({
  kind: z.literal('inferbench.bench-result'),
  v: z.literal(1),
  createdAt: z.string(),
  /** completed; cancelled (Ctrl-C); aborted (a limit such as max duration); failed (engine error) */
  status: z.enum(['completed', 'cancelled', 'aborted', 'failed']),
  reason: z.string().optional(),
  config: BenchConfigSchema,
  /** the load point summary; `peerNames` says what vLLM/SGLang/AIPerf/GuideLLM/... call each figure */
  summary: SummaryWithPeersSchema,
  engine: EngineStatsSchema,
  environment: BenchEnvironmentSchema,
});
export type BenchResultV1 = z.infer<typeof BenchResultV1Schema>;

/** What a plan-running `inferbench bench` was asked to do (recorded so the run can be repeated). */
export const BenchPlanConfigSchema = z.object({
  baseUrl: z.string(),
  model: z.string(),
  apiKind: ApiKindSchema,
  /** the whole load plan, as validated by the contracts' LoadPlanSpecSchema */
  plan: LoadPlanSpecSchema,
  workload: WorkloadSpecSchema,
  params: RequestParamsSchema,
  /** SLO of goodput and of the per-point verdict (the SLA plan's own SLO for `--sla`) */
  slo: SloSpecSchema.optional(),
  /** preset the workload (and maybe the plan) came from */
  preset: z.string().optional(),
  tokenizer: z.string(),
  /** whether an API key was used (the key itself is never written) */
  hasApiKey: z.boolean(),
  /** `close`: one connection per request (`--connection close`); absent: keep-alive */
  connection: ConnectionModeSchema.optional(),
});
export type BenchPlanConfig = z.infer<typeof BenchPlanConfigSchema>;

/** One measured load point of a plan. */
export const BenchPointSchema = z.object({
  /** 0-based, in run order */
  index: z.number().int().min(0),
  /** `describeLoadLevel(level)`, e.g. `c=8`: what `--compare` matches points by */
  label: z.string(),
  level: LoadLevelSchema,
  status: StatusSchema,
  reason: z.string().optional(),
  summary: SummaryWithPeersSchema,
  engine: EngineStatsSchema,
  /** with an SLO: the bounds this point breaks (empty = it meets the SLO) */
  sloViolations: z.array(z.string()).optional(),
  /** with an SLO: whether the point passes (SLO met, some success, not over-saturated, error rate within bounds) */
  sloPass: z.boolean().optional(),
});
export type BenchPoint = z.infer<typeof BenchPointSchema>;

/**
 * The result file of version 2: every load point of the plan. The top level keeps version 1's `summary`
 * (and adds `level`) for the headline point: the best passing point of an SLA search, else the last point.
 */
export const BenchResultV2Schema = z.object({
  kind: z.literal('inferbench.bench-result'),
  v: z.literal(2),
  createdAt: z.string(),
  /** the whole run: completed; cancelled (Ctrl-C); aborted (a limit stopped a point of a static plan); failed */
  status: StatusSchema,
  reason: z.string().optional(),
  config: BenchPlanConfigSchema,
  points: z.array(BenchPointSchema),
  /** index into `points` of the headline point, or null when no point ran */
  headline: z.number().int().min(0).nullable(),
  level: LoadLevelSchema.optional(),
  summary: SummaryWithPeersSchema.optional(),
  /** SLA search only: the highest level meeting the SLO (null when none did) and the lowest failing value */
  sla: z
    .object({
      bestLabel: z.string().nullable(),
      bestValue: z.number().nullable(),
      lowestFailing: z.number().nullable(),
    })
    .optional(),
  /** plain-language notes about the plan as a whole (e.g. why a sweep stopped early) */
  notes: z.array(z.string()).optional(),
  /** the tokenizer that built the prompts and counted tokens client-side (absent for the test `whitespace` one) */
  tokenizer: TokenizerInfoSchema.optional(),
  environment: BenchEnvironmentSchema,
});
export type BenchResultV2 = z.infer<typeof BenchResultV2Schema>;

/** Any result file `inferbench bench --out` has written (version 1 or 2). */
export const BenchResultSchema = z.discriminatedUnion('v', [BenchResultV1Schema, BenchResultV2Schema]);
export type BenchResult = z.infer<typeof BenchResultSchema>;

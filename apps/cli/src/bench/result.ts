import { ApiKindSchema, ArrivalSchema, LoadPointSummarySchema } from '@inferbench/contracts';
import { z } from 'zod';

/** What `inferbench bench` was asked to do (recorded in the result so a run can be repeated). */
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

/** The JSON file written by `inferbench bench --out` and read by `--compare`. */
export const BenchResultSchema = z.object({
  kind: z.literal('inferbench.bench-result'),
  v: z.literal(1),
  createdAt: z.string(),
  /** completed; cancelled (Ctrl-C); aborted (a limit such as max duration); failed (engine error) */
  status: z.enum(['completed', 'cancelled', 'aborted', 'failed']),
  reason: z.string().optional(),
  config: BenchConfigSchema,
  /** the load point summary; `peerNames` says what vLLM/SGLang/AIPerf/GuideLLM/... call each figure */
  summary: LoadPointSummarySchema.extend({ peerNames: z.record(z.string(), z.unknown()).optional() }),
  engine: z.object({
    sent: z.number().int(),
    completed: z.number().int(),
    cancelledTail: z.number().int(),
    warmup: z.number().int(),
    startedAtEpochMs: z.number(),
  }),
  environment: BenchEnvironmentSchema,
});
export type BenchResult = z.infer<typeof BenchResultSchema>;

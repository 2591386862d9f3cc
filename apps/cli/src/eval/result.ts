import { z } from 'zod';

/**
 * The file `inferbench eval --out` writes (`kind: inferbench.eval-result`, `v: 1`). Per-task summaries carry the
 * task's version hash; per-item records carry what `--compare` pairs (task id, item id, right/wrong) and what a
 * reader needs to audit a score (prompt hash, raw response, extracted answer, reference, parse status).
 */
const IntervalSchema = z.object({
  estimate: z.number(),
  lower: z.number(),
  upper: z.number(),
  confidence: z.number(),
});

export const EvalRecordSchema = z
  .object({
    taskId: z.string(),
    itemId: z.string(),
    templateId: z.string(),
    templateHash: z.string(),
    promptHash: z.string(),
    reference: z.string().nullable(),
    references: z.array(z.string()),
    response: z.object({ content: z.string().nullable(), reasoning: z.string().nullable() }),
    extracted: z.string().nullable(),
    parseStatus: z.enum(['ok', 'no_answer', 'invalid']),
    correct: z.boolean(),
    score: z.number(),
    scores: z.record(z.string(), z.number()),
    samples: z.array(z.record(z.string(), z.unknown())),
    tokens: z.object({ input: z.number(), output: z.number(), reasoning: z.number() }),
    latency: z.object({ totalMs: z.number(), maxMs: z.number() }),
    error: z.string().optional(),
  })
  .passthrough();
export type EvalRecordFile = z.infer<typeof EvalRecordSchema>;

/** `aggregateTask`'s TaskSummary (the fields the CLI reads; the rest is kept as written). */
export const TaskSummaryFileSchema = z
  .object({
    taskId: z.string(),
    templateHash: z.string(),
    n: z.number().int(),
    primaryMetric: z.string(),
    score: z.number(),
    accuracy: z.object({
      value: z.number(),
      correct: z.number(),
      n: z.number(),
      wilson95: IntervalSchema,
      bootstrapSe: z.number(),
    }),
    parseFailureRate: z.number(),
    noAnswer: z.number().int(),
    invalid: z.number().int(),
    errors: z.number().int(),
  })
  .passthrough();

export const EvalTaskResultSchema = z.object({
  taskId: z.string(),
  description: z.string().optional(),
  scoringMode: z.string(),
  /** `taskVersionHash`: every setting that can change a prediction or a score */
  versionHash: z.string(),
  templateId: z.string(),
  /** SHA-256 of the evaluated items (canonical JSON, in order) */
  datasetHash: z.string(),
  /** items the task was to run (after --limit) */
  planned: z.number().int(),
  /** completed; cancelled (interrupted: partial); failed (capability unsupported, every item errored, ...) */
  status: z.enum(['completed', 'cancelled', 'failed']),
  reason: z.string().optional(),
  /** the primary score's 95 % interval: Wilson for per-item right/wrong primaries, null otherwise (e.g. BLEU) */
  scoreInterval: IntervalSchema.nullable(),
  /** mean request latency over every sample of the task, ms (null: none) */
  meanLatencyMs: z.number().nullable(),
  /** items whose request failed, by error class */
  errorsByClass: z.record(z.string(), z.number().int()),
  summary: TaskSummaryFileSchema,
});
export type EvalTaskResult = z.infer<typeof EvalTaskResultSchema>;

export const EvalResultSchema = z.object({
  kind: z.literal('inferbench.eval-result'),
  v: z.literal(1),
  tool: z.object({ name: z.literal('inferbench'), version: z.string() }),
  createdAt: z.string(),
  status: z.enum(['completed', 'cancelled', 'failed']),
  reason: z.string().optional(),
  target: z.object({
    baseUrl: z.string(),
    /** `--api` override of the tasks' prompt format, or null (each task's own) */
    api: z.enum(['chat', 'completions']).nullable(),
    /** names of the extra headers sent (values are never written) */
    headerNames: z.array(z.string()),
    hasApiKey: z.boolean(),
  }),
  model: z.string(),
  suite: z.object({
    name: z.string(),
    version: z.string().nullable(),
    /** `builtin:mini` or the suite file's path */
    source: z.string(),
  }),
  config: z.object({
    concurrency: z.number().int(),
    limit: z.number().int().nullable(),
    seed: z.number().int(),
    tasks: z.array(z.string()).nullable(),
    timeoutSec: z.number(),
  }),
  durationSec: z.number(),
  tasks: z.array(EvalTaskResultSchema),
  suiteScore: z.object({ meanOfTasks: z.number(), itemWeighted: z.number(), items: z.number().int() }),
  records: z.array(EvalRecordSchema),
  /** plain-language notes (e.g. the server does not list the model, an ignored --api) */
  notes: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.unknown()),
});
export type EvalResultFile = z.infer<typeof EvalResultSchema>;

import { z } from 'zod';
import { IdSchema } from './common.js';
import { PROTOCOL_VERSION, TargetConnSchema } from './jobs.js';
import { EvalSuiteSchema } from './specs/eval-suite.js';
import { RequestParamsSchema } from './specs/variant.js';

/**
 * Accuracy evals executed through the platform (issue 11 item 5): the `eval.execute` job an agent of the target's
 * pool runs, and the events it sends back on the `ingest` queue. One job = one eval work item = one variant's
 * suite on one target. Records travel in batches, idempotent by (workItemId, attempt, batchIndex).
 */

/** BullMQ job id of one eval work item attempt (custom ids must not contain ':'). */
export const evalJobId = (workItemId: string, attempt = 0): string => `${workItemId}-eval-a${attempt}`;
/** BullMQ job id of one eval record batch: the ingest queue drops a re-sent batch with the same id. */
export const evalBatchJobId = (workItemId: string, attempt: number, batchIndex: number): string =>
  `${workItemId}-eval-a${attempt}-b${batchIndex}`;

/** Job `eval.execute` on `eval.<pool>`: run a variant's eval tasks against its target. */
export const EvalJobSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  runId: IdSchema,
  /** the eval work item (one per variant) */
  workItemId: IdSchema,
  variantId: IdSchema,
  variantLabel: z.string(),
  /** 0 for the first execution; +1 when re-run after its agent died. Events carry it. */
  attempt: z.number().int().min(0).default(0),
  target: TargetConnSchema,
  /** stable identity of the target for response-cache keys (`responseCacheKey(targetKey, model, body)`) */
  targetKey: z.string().min(1),
  /** the variant's request parameters; eval tasks keep their own generation settings (temperature 0 by default) */
  params: RequestParamsSchema.default({}),
  /** the tasks to run, inline (built-in suites already expanded, `tasks` filter applied); ids unique */
  suite: EvalSuiteSchema,
  /** items evaluated at once */
  concurrency: z.number().int().min(1).max(1024).default(8),
  /** seed sent with every generation request whose task sets none */
  seed: z.number().int(),
  /** records per batch sent back; a partial batch is flushed at least every second */
  batchSize: z.number().int().min(1).max(5000).default(200),
  /** store each item's rendered prompt in its record (default true) */
  storePrompts: z.boolean().default(true),
  /** per-request timeout, ms */
  requestTimeoutMs: z.number().int().min(100).max(3_600_000).default(120_000),
  /** alongside-load: the load point the eval runs with (for the record; the API dispatches both together) */
  alongsideLoadPointId: IdSchema.optional(),
});
export type EvalJob = z.infer<typeof EvalJobSchema>;
export type EvalJobInput = z.input<typeof EvalJobSchema>;

/** A rendered prompt: chat messages or completion text. */
export const EvalPromptSchema = z.union([
  z.string(),
  z.array(z.object({ role: z.string(), content: z.string() })),
]);
export type EvalPrompt = z.infer<typeof EvalPromptSchema>;

export const EvalParseStatusSchema = z.enum(['ok', 'no_answer', 'invalid']);
export type EvalParseStatus = z.infer<typeof EvalParseStatusSchema>;

/**
 * What the server said for one sample (a repeat of one CircularEval rotation), before scoring: enough to score it
 * again with a changed extraction or metric without sending any request (`PreparedTask.scoreSample`).
 */
export const EvalRawSampleSchema = z.object({
  repeat: z.number().int().min(0),
  rotation: z.number().int().min(0),
  content: z.string().nullable().optional(),
  reasoning: z.string().nullable().optional(),
  letterLogprobs: z.record(z.string(), z.number().nullable()).optional(),
  optionLogprobs: z
    .array(z.object({ logprob: z.number(), tokens: z.number(), chars: z.number() }).nullable())
    .optional(),
  judgeReply: z.string().nullable().optional(),
  inputTokens: z.number().int().min(0).optional(),
  outputTokens: z.number().int().min(0).optional(),
  reasoningTokens: z.number().int().min(0).optional(),
  latencyMs: z.number().min(0).optional(),
  error: z.string().optional(),
  cached: z.boolean().optional(),
});
export type EvalRawSample = z.infer<typeof EvalRawSampleSchema>;

/** One scored item as an agent sends it (a compact `EvalItemRecord` of `@inferbench/evals`). */
export const EvalRecordWireSchema = z.object({
  taskId: z.string().min(1),
  itemId: z.string().min(1),
  /** `taskVersionHash` of the task */
  templateHash: z.string(),
  /** SHA-256 of the rendered prompt (rotation 0) */
  promptHash: z.string(),
  /** rendered prompt (rotation 0) when the job stores prompts */
  prompt: EvalPromptSchema.optional(),
  reference: z.string().nullable(),
  references: z.array(z.string()).default([]),
  response: z.object({ content: z.string().nullable(), reasoning: z.string().nullable() }),
  extracted: z.string().nullable(),
  parseStatus: EvalParseStatusSchema,
  correct: z.boolean(),
  score: z.number(),
  scores: z.record(z.string(), z.number()),
  /** the raw samples, for re-scoring from stored responses */
  samples: z.array(EvalRawSampleSchema),
  tokens: z.object({ input: z.number().int(), output: z.number().int(), reasoning: z.number().int() }),
  /** total wall time of the item's requests, ms */
  latencyMs: z.number().min(0),
  /** first request error among the samples */
  error: z.string().optional(),
  /** `responseCacheKey(targetKey, model, body)` of the item's first request */
  cacheKey: z.string().optional(),
  /** what scoring the item needs (options and answer key), so it can be re-scored without its dataset */
  key: z
    .object({
      choices: z.array(z.string()).optional(),
      answerIndex: z.number().int().min(0).optional(),
      answer: z.string().optional(),
      references: z.array(z.string()).optional(),
    })
    .optional(),
});
export type EvalRecordWire = z.infer<typeof EvalRecordWireSchema>;

const evalBase = {
  v: z.literal(1),
  runId: IdSchema,
  workItemId: IdSchema,
  agentId: z.string(),
  /** epoch milliseconds when the agent emitted the event */
  ts: z.number(),
  attempt: z.number().int().min(0).default(0),
};

/** The agent started an eval work item. */
export const EvalStartedEventSchema = z.object({ ...evalBase, type: z.literal('eval.started') });

/**
 * A batch of scored item records. `batchIndex` counts 0,1,2,... per (workItem, attempt); the API stores each
 * (workItemId, attempt, batchIndex) once, and each (workItem, attempt, task, item) once.
 */
export const EvalRecordsEventSchema = z.object({
  ...evalBase,
  type: z.literal('eval.records'),
  batchIndex: z.number().int().min(0),
  records: z.array(EvalRecordWireSchema).max(5000),
});

/** Live progress of an eval work item. */
export const EvalProgressEventSchema = z.object({
  ...evalBase,
  type: z.literal('eval.progress'),
  /** the task now running */
  taskId: z.string(),
  /** items done / planned over every task */
  done: z.number().int().min(0),
  total: z.number().int().min(0),
  /** items that failed their request (not parse failures) */
  errors: z.number().int().min(0),
  tasksDone: z.number().int().min(0),
  tasksTotal: z.number().int().min(0),
  elapsedSec: z.number().min(0),
});

/** How one task of an eval work item ended. */
export const EvalTaskOutcomeSchema = z.object({
  taskId: z.string(),
  status: z.enum(['completed', 'failed', 'cancelled']),
  /** e.g. "likelihood scoring unsupported: …" (capability probe), "dataset …: not found" */
  error: z.string().optional(),
  /** items planned and items recorded */
  items: z.number().int().min(0),
  recorded: z.number().int().min(0),
  versionHash: z.string(),
  /** SHA-256 of the task's items (`datasetHash`) */
  datasetHash: z.string().optional(),
});
export type EvalTaskOutcome = z.infer<typeof EvalTaskOutcomeSchema>;

/** The eval work item ended. `batchCount` lets the API wait until every batch is stored before finalizing. */
export const EvalFinishedEventSchema = z.object({
  ...evalBase,
  type: z.literal('eval.finished'),
  status: z.enum(['completed', 'cancelled', 'failed']),
  batchCount: z.number().int().min(0),
  /** one entry per task of the job, in job order */
  tasks: z.array(EvalTaskOutcomeSchema),
  /** human-readable reason when the work item failed as a whole (target unreachable, bad job) */
  reason: z.string().optional(),
  /**
   * `LoadPointAccumulator.encode()` (`@inferbench/metrics`) over every eval request (non-streamed: E2E, tokens,
   * errors by class): the eval's request-level summary, through the same metrics code as load points
   */
  accumulator: z.string().max(50_000_000).optional(),
});

export type EvalStartedEvent = z.infer<typeof EvalStartedEventSchema>;
export type EvalRecordsEvent = z.infer<typeof EvalRecordsEventSchema>;
export type EvalProgressEvent = z.infer<typeof EvalProgressEventSchema>;
export type EvalFinishedEvent = z.infer<typeof EvalFinishedEventSchema>;

import { z } from 'zod';
import { IdSchema, IsoDateSchema, RunStatusSchema } from '../common.js';
import { LoadLevelSchema } from '../specs/load-plan.js';
import { wellFormedText } from '../text.js';

/**
 * Display name of a comment's author. The API records the signed-in user (or token) as the author; an `author`
 * sent in the body is accepted for older clients and ignored.
 */
export const AuthorSchema = z.string().trim().min(1).max(80);

/** `POST /runs/:id/comments`, `POST /experiments/:id/comments`. */
export const CreateCommentRequestSchema = z
  .object({
    /** ignored: the author is the caller's account (kept optional for older clients) */
    author: AuthorSchema.optional(),
    body: z.string().trim().min(1).max(10_000),
  })
  .apply(wellFormedText);
export type CreateCommentRequest = z.infer<typeof CreateCommentRequestSchema>;

/** A team-review comment on a run or an experiment (exactly one of the two ids is set). */
export const CommentSchema = z.object({
  id: IdSchema,
  experimentId: IdSchema.nullable(),
  runId: IdSchema.nullable(),
  author: z.string(),
  body: z.string(),
  createdAt: IsoDateSchema,
});
export type Comment = z.infer<typeof CommentSchema>;

/** Comments oldest first (a conversation reads top to bottom). */
export const CommentListSchema = z.object({ items: z.array(CommentSchema), total: z.number().int().min(0) });
export type CommentList = z.infer<typeof CommentListSchema>;

/** `PUT /experiments/:id/baseline`: the run new runs are compared against; null clears it. */
export const SetBaselineRequestSchema = z.object({ runId: IdSchema.nullable() }).apply(wellFormedText);
export type SetBaselineRequest = z.infer<typeof SetBaselineRequestSchema>;

/** `PATCH /runs/:id`: replaces the run's tags (trimmed, deduplicated, order kept). */
export const UpdateRunRequestSchema = z
  .object({
    tags: z
      .array(z.string().trim().min(1).max(50))
      .max(50)
      .transform((tags) => [...new Set(tags)]),
  })
  .apply(wellFormedText);
export type UpdateRunRequest = z.infer<typeof UpdateRunRequestSchema>;

/** Review state of one run: its tags and whether it is its experiment's baseline. */
export const RunReviewSchema = z.object({
  runId: IdSchema,
  experimentId: IdSchema,
  tags: z.array(z.string()),
  isBaseline: z.boolean(),
});
export type RunReview = z.infer<typeof RunReviewSchema>;

/** `POST /experiments/:id/clone`: copy spec and variants (no runs, comments or baseline). */
export const CloneExperimentRequestSchema = z
  .object({
    /** default: "<name> (copy)" */
    name: z.string().trim().min(1).max(200).optional(),
  })
  .apply(wellFormedText);
export type CloneExperimentRequest = z.infer<typeof CloneExperimentRequestSchema>;

/** Key figures of one load point for the history view (ms; throughputs per second). */
export const HistoryPointSchema = z.object({
  loadPointId: IdSchema,
  variantLabel: z.string(),
  levelLabel: z.string(),
  level: LoadLevelSchema,
  /** `<variantLabel> · <levelLabel>`: one line per key in the history chart */
  key: z.string(),
  ttftP50Ms: z.number().nullable(),
  ttftP99Ms: z.number().nullable(),
  tpotP50Ms: z.number().nullable(),
  tpotP99Ms: z.number().nullable(),
  /** output tokens per second */
  outputTokenThroughput: z.number(),
  /** successful requests per second */
  requestThroughput: z.number(),
  /** good requests per second; null when the run had no SLO */
  goodput: z.number().nullable(),
  errorRate: z.number(),
});
export type HistoryPoint = z.infer<typeof HistoryPointSchema>;

/** One run in an experiment's history. */
export const HistoryRunSchema = z.object({
  runId: IdSchema,
  status: RunStatusSchema,
  createdAt: IsoDateSchema,
  finishedAt: IsoDateSchema.nullable(),
  tags: z.array(z.string()),
  isBaseline: z.boolean(),
  /** completed load points with a summary */
  points: z.array(HistoryPointSchema),
});
export type HistoryRun = z.infer<typeof HistoryRunSchema>;

/** `GET /experiments/:id/history`: runs oldest first (time runs left to right). */
export const ExperimentHistorySchema = z.object({
  experimentId: IdSchema,
  baselineRunId: IdSchema.nullable(),
  runs: z.array(HistoryRunSchema),
});
export type ExperimentHistory = z.infer<typeof ExperimentHistorySchema>;

/** `GET /experiments/:id/history` query. */
export const ExperimentHistoryQuerySchema = z.object({
  /** newest runs kept (then ordered oldest first) */
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type ExperimentHistoryQuery = z.infer<typeof ExperimentHistoryQuerySchema>;

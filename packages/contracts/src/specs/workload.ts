import { z } from 'zod';

/** A distribution of token lengths. All values are token counts; samples are rounded and clamped to >= 1. */
export const LengthDistSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), value: z.number().int().min(1) }),
  z.object({ kind: z.literal('uniform'), min: z.number().int().min(1), max: z.number().int().min(1) }),
  z.object({
    kind: z.literal('normal'),
    mean: z.number().positive(),
    std: z.number().min(0),
    min: z.number().int().min(1).optional(),
    max: z.number().int().min(1).optional(),
  }),
  z.object({
    kind: z.literal('lognormal'),
    /** median of the distribution in tokens */
    median: z.number().positive(),
    sigma: z.number().min(0),
    min: z.number().int().min(1).optional(),
    max: z.number().int().min(1).optional(),
  }),
]);
export type LengthDist = z.infer<typeof LengthDistSchema>;

/**
 * Multi-turn sessions of a synthetic workload: each session sends `turns` user messages in order, each request
 * carrying the whole history so far (earlier user messages and the server's replies). `inputTokens` is then the
 * length of each NEW user message, not of the whole history.
 */
export const SyntheticMultiTurnSchema = z.object({
  turns: z.lazy(() => LengthDistSchema),
});

/** Prompts generated to an exact token count with the chosen tokenizer. */
export const SyntheticWorkloadSchema = z.object({
  kind: z.literal('synthetic'),
  inputTokens: LengthDistSchema,
  outputTokens: LengthDistSchema,
  /**
   * Requests are split into `groups` (round robin), each group sharing a common prefix of `prefixTokens`
   * (prefix-caching tests). A request's input is then prefixTokens + a sample of `inputTokens`.
   */
  sharedPrefix: z
    .object({ groups: z.number().int().min(1), prefixTokens: z.number().int().min(1) })
    .optional(),
  multiTurn: SyntheticMultiTurnSchema.optional(),
});

/** Prompts from a dataset: a built-in name (e.g. `builtin:mini-chat`) or a JSONL file path on the agent. */
export const DatasetWorkloadSchema = z.object({
  kind: z.literal('dataset'),
  source: z.string().min(1),
  /**
   * Expected record shape: `{"prompt"}`, `{"messages"}` or ShareGPT `{"conversations"}`. Each record's shape is
   * detected from its keys, so a mixed file also loads; a top-level JSON array is accepted as well as JSONL.
   */
  format: z.enum(['prompts', 'chat', 'sharegpt']).default('prompts'),
  minInputTokens: z.number().int().min(0).optional(),
  maxInputTokens: z.number().int().min(1).optional(),
  /** Output length to request; default: the length of the dataset's reply when it has one, else `params.maxTokens`. */
  outputTokens: z.lazy(() => LengthDistSchema).optional(),
  /**
   * Replay each conversation turn by turn (every user/human message in order, with the server's replies as the
   * history). Without it a record is one request: ShareGPT's first human turn, or a chat record's messages up to
   * its last user message.
   */
  multiTurn: z.object({ maxTurns: z.number().int().min(1).max(1000).optional() }).optional(),
});

export const WorkloadSpecSchema = z.discriminatedUnion('kind', [
  SyntheticWorkloadSchema,
  DatasetWorkloadSchema,
]);
export type WorkloadSpec = z.infer<typeof WorkloadSpecSchema>;

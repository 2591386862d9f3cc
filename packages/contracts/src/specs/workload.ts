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

/** Prompts generated to an exact token count with the chosen tokenizer. */
export const SyntheticWorkloadSchema = z.object({
  kind: z.literal('synthetic'),
  inputTokens: LengthDistSchema,
  outputTokens: LengthDistSchema,
  /** Requests are split into `groups`, each group sharing a common prefix of `prefixTokens` (prefix-caching tests). */
  sharedPrefix: z.object({ groups: z.number().int().min(1), prefixTokens: z.number().int().min(1) }).optional(),
});

/** Prompts from a dataset: a built-in name (e.g. `builtin:mini-chat`) or a JSONL file path on the agent. */
export const DatasetWorkloadSchema = z.object({
  kind: z.literal('dataset'),
  source: z.string().min(1),
  format: z.enum(['prompts', 'chat', 'sharegpt']).default('prompts'),
  minInputTokens: z.number().int().min(0).optional(),
  maxInputTokens: z.number().int().min(1).optional(),
  /** Output length to request when the dataset has none. */
  outputTokens: z.lazy(() => LengthDistSchema).optional(),
});

export const WorkloadSpecSchema = z.discriminatedUnion('kind', [SyntheticWorkloadSchema, DatasetWorkloadSchema]);
export type WorkloadSpec = z.infer<typeof WorkloadSpecSchema>;

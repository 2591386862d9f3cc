import { z } from 'zod';

/** What is being compared: engine, model and the serving optimizations in effect. Free-form where engines differ. */
export const OptimizationDescriptorSchema = z.object({
  engine: z.string().max(100).optional(),
  engineVersion: z.string().max(100).optional(),
  model: z.string().max(300).optional(),
  /** e.g. fp16, bf16, fp8, int8, int4-awq, int4-gptq */
  precision: z.string().max(50).optional(),
  tensorParallel: z.number().int().min(1).optional(),
  pipelineParallel: z.number().int().min(1).optional(),
  features: z
    .object({
      continuousBatching: z.boolean().optional(),
      chunkedPrefill: z.boolean().optional(),
      pdDisaggregation: z.boolean().optional(),
      speculativeDecoding: z.boolean().optional(),
      prefixCaching: z.boolean().optional(),
    })
    .default({}),
  notes: z.string().max(5000).optional(),
});
export type OptimizationDescriptor = z.infer<typeof OptimizationDescriptorSchema>;

/** Request parameters sent with every request of a variant. `extra` is merged into the body as-is. */
export const RequestParamsSchema = z.object({
  maxTokens: z.number().int().min(1).max(1_000_000).optional(),
  temperature: z.number().min(0).max(10).optional(),
  topP: z.number().min(0).max(1).optional(),
  /** ask the server to ignore EOS so exactly maxTokens come back (vLLM, SGLang) */
  ignoreEos: z.boolean().optional(),
  minTokens: z.number().int().min(0).optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});
export type RequestParams = z.infer<typeof RequestParamsSchema>;

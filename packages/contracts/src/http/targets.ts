import { z } from 'zod';
import { ApiKindSchema, IdSchema, IsoDateSchema, pageOf } from '../common.js';

const NameSchema = z.string().trim().min(1).max(200);
const PoolSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'pool must be lowercase letters, digits and dashes');

export const CreateTargetRequestSchema = z.object({
  name: NameSchema,
  baseUrl: z.url({ protocol: /^https?$/ }),
  apiKind: ApiKindSchema.default('chat'),
  model: z.string().trim().min(1).max(300),
  headers: z.record(z.string(), z.string()).default({}),
  /** write-only: stored encrypted (AES-256-GCM), never returned */
  apiKey: z.string().min(1).max(4000).optional(),
  pool: PoolSchema.default('default'),
  metricsUrl: z.url({ protocol: /^https?$/ }).optional(),
});
export type CreateTargetRequest = z.infer<typeof CreateTargetRequestSchema>;

/** PATCH body: every field optional; `apiKey: null` removes the stored key. */
export const UpdateTargetRequestSchema = CreateTargetRequestSchema.partial().extend({
  apiKey: z.string().min(1).max(4000).nullable().optional(),
});
export type UpdateTargetRequest = z.infer<typeof UpdateTargetRequestSchema>;

export const TargetSchema = z.object({
  id: IdSchema,
  name: z.string(),
  baseUrl: z.string(),
  apiKind: ApiKindSchema,
  model: z.string(),
  headers: z.record(z.string(), z.string()),
  /** whether an API key is stored; the key itself is never returned */
  hasApiKey: z.boolean(),
  pool: z.string(),
  metricsUrl: z.string().nullable(),
  createdAt: IsoDateSchema,
  updatedAt: IsoDateSchema,
});
export type Target = z.infer<typeof TargetSchema>;
export const TargetListSchema = pageOf(TargetSchema);
export type TargetList = z.infer<typeof TargetListSchema>;

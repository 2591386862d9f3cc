import { z } from 'zod';
import { ApiKindSchema, ConnectionModeSchema, IdSchema, IsoDateSchema, pageOf } from '../common.js';
import { wellFormedText } from '../text.js';
import { TokenizerSettingSchema } from '../tokenizer.js';

const NameSchema = z.string().trim().min(1).max(200);
const BaseUrlSchema = z.url({ protocol: /^https?$/ });
const ModelSchema = z.string().trim().min(1).max(300);
const HeadersSchema = z.record(z.string(), z.string());
const ApiKeySchema = z.string().min(1).max(4000);
const PoolSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'pool must be lowercase letters, digits and dashes');
const MetricsUrlSchema = z.url({ protocol: /^https?$/ });

/**
 * POST body. `connection` absent: `close` when `headers` carries a `Connection: close` header (the header is taken
 * as the setting and not stored as a header), else `keep-alive`. `tokenizer` absent or null: the agent's default
 * (`auto` unless the agent is configured otherwise).
 */
export const CreateTargetRequestSchema = wellFormedText(
  z.object({
    name: NameSchema,
    baseUrl: BaseUrlSchema,
    apiKind: ApiKindSchema.default('chat'),
    model: ModelSchema,
    headers: HeadersSchema.default({}),
    /** write-only: stored encrypted (AES-256-GCM), never returned */
    apiKey: ApiKeySchema.optional(),
    pool: PoolSchema.default('default'),
    metricsUrl: MetricsUrlSchema.optional(),
    /** `close`: one connection per request (servers that close connections after responses); default keep-alive */
    connection: ConnectionModeSchema.optional(),
    /** client-side tokenizer for prompts and token counts; null/absent: the agent's default (`auto`) */
    tokenizer: TokenizerSettingSchema.nullable().optional(),
  }),
);
export type CreateTargetRequest = z.infer<typeof CreateTargetRequestSchema>;

/**
 * PATCH body: every field optional, and a field left out keeps its stored value (no defaults here: a default would
 * overwrite the stored value on every partial update). `apiKey: null` removes the stored key, `metricsUrl: null`
 * stops scraping, `tokenizer: null` goes back to the agent's default. A `Connection` header in `headers` sets the
 * connection mode (when `connection` is not given) and is not stored as a header.
 */
export const UpdateTargetRequestSchema = wellFormedText(
  z.object({
    name: NameSchema.optional(),
    baseUrl: BaseUrlSchema.optional(),
    apiKind: ApiKindSchema.optional(),
    model: ModelSchema.optional(),
    headers: HeadersSchema.optional(),
    apiKey: ApiKeySchema.nullable().optional(),
    pool: PoolSchema.optional(),
    metricsUrl: MetricsUrlSchema.nullable().optional(),
    connection: ConnectionModeSchema.optional(),
    tokenizer: TokenizerSettingSchema.nullable().optional(),
  }),
);
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
  /** how the load generator connects: `keep-alive` (reuse) or `close` (one connection per request) */
  connection: ConnectionModeSchema.default('keep-alive'),
  /** the target's tokenizer setting; null: the agent's default (`auto`: the server's own tokenize endpoint first) */
  tokenizer: TokenizerSettingSchema.nullable().default(null),
  createdAt: IsoDateSchema,
  updatedAt: IsoDateSchema,
});
export type Target = z.infer<typeof TargetSchema>;
export const TargetListSchema = pageOf(TargetSchema);
export type TargetList = z.infer<typeof TargetListSchema>;

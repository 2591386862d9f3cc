import { z } from 'zod';
import { IsoDateSchema } from '../common.js';
import { wellFormedText } from '../text.js';

/**
 * Accounts, API tokens, agent credentials and the audit log (issue 12).
 *
 * Scopes are ordered: each includes the ones before it (`read` < `run` < `write` < `admin`). A role allows
 * scopes up to its own: viewer → read, editor → write, admin → admin. `agent` is separate: only an agent
 * credential has it, and it opens only the agent routes (a job's target secret).
 */
export const TokenScopeSchema = z.enum(['read', 'run', 'write', 'admin']);
export type TokenScope = z.infer<typeof TokenScopeSchema>;
export const TOKEN_SCOPES = TokenScopeSchema.options;

export const RoleSchema = z.enum(['viewer', 'editor', 'admin']);
export type Role = z.infer<typeof RoleSchema>;

/** The highest scope each role may use or grant to its tokens. */
export const ROLE_MAX_SCOPE: Record<Role, TokenScope> = { viewer: 'read', editor: 'write', admin: 'admin' };

/** true when `have` includes `need` (scopes are ordered). */
export function scopeIncludes(have: TokenScope, need: TokenScope): boolean {
  return TOKEN_SCOPES.indexOf(have) >= TOKEN_SCOPES.indexOf(need);
}

const EmailSchema = z.string().trim().toLowerCase().pipe(z.email()).pipe(z.string().max(254));
const NameSchema = z.string().trim().min(1).max(120).apply(wellFormedText);
const PasswordSchema = z.string().min(12, 'at least 12 characters').max(128);

/** `GET /me`: who the request is made as. */
export const MeSchema = z.object({
  /** user: signed in or a personal token; service: a service token; bootstrap: INFERBENCH_BOOTSTRAP_TOKEN */
  kind: z.enum(['user', 'service', 'bootstrap']),
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  role: RoleSchema,
  /** the scope this request carries (a token's own, capped by its user's role) */
  scope: TokenScopeSchema,
  /** how this request authenticated */
  via: z.enum(['session', 'token', 'bootstrap']),
});
export type Me = z.infer<typeof MeSchema>;

export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: RoleSchema,
  disabled: z.boolean(),
  createdAt: IsoDateSchema,
});
export type User = z.infer<typeof UserSchema>;
export const UserListSchema = z.object({ items: z.array(UserSchema) });
export type UserList = z.infer<typeof UserListSchema>;

/** `POST /users`: without `password` a random one is generated and returned once. */
export const CreateUserRequestSchema = z.object({
  email: EmailSchema,
  name: NameSchema.optional(),
  role: RoleSchema.default('viewer'),
  password: PasswordSchema.optional(),
});
export type CreateUserRequest = z.input<typeof CreateUserRequestSchema>;
export const CreatedUserSchema = z.object({
  user: UserSchema,
  /** only when the API generated it: shown once */
  password: z.string().optional(),
});
export type CreatedUser = z.infer<typeof CreatedUserSchema>;

/** `PATCH /users/:id` */
export const UpdateUserRequestSchema = z.object({
  name: NameSchema.optional(),
  role: RoleSchema.optional(),
  disabled: z.boolean().optional(),
  password: PasswordSchema.optional(),
});
export type UpdateUserRequest = z.infer<typeof UpdateUserRequestSchema>;

export const ApiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** personal: acts as its user (capped by the user's role); service: acts as itself */
  kind: z.enum(['personal', 'service']),
  userId: z.string().nullable(),
  userEmail: z.string().nullable(),
  scope: TokenScopeSchema,
  /** first characters of the token, to recognise it */
  prefix: z.string(),
  createdAt: IsoDateSchema,
  expiresAt: IsoDateSchema.nullable(),
  lastUsedAt: IsoDateSchema.nullable(),
  revokedAt: IsoDateSchema.nullable(),
});
export type ApiToken = z.infer<typeof ApiTokenSchema>;
export const ApiTokenListSchema = z.object({ items: z.array(ApiTokenSchema) });
export type ApiTokenList = z.infer<typeof ApiTokenListSchema>;

/**
 * `POST /tokens`. `kind: personal` belongs to `userId` (default: the caller, who must be a user); `service`
 * belongs to nobody. `expiresInDays` null: never expires (default 90 days).
 */
export const CreateApiTokenRequestSchema = z.object({
  name: NameSchema,
  kind: z.enum(['personal', 'service']).default('personal'),
  userId: z.string().min(1).max(64).optional(),
  scope: TokenScopeSchema.default('read'),
  expiresInDays: z.number().int().min(1).max(3650).nullable().default(90),
});
export type CreateApiTokenRequest = z.input<typeof CreateApiTokenRequestSchema>;
/** The new token: `token` is shown this once and never stored. */
export const CreatedApiTokenSchema = z.object({ token: z.string(), info: ApiTokenSchema });
export type CreatedApiToken = z.infer<typeof CreatedApiTokenSchema>;

export const PoolNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'pool must be lowercase letters, digits and dashes');

export const AgentCredentialSchema = z.object({
  id: z.string(),
  pool: z.string(),
  name: z.string(),
  createdAt: IsoDateSchema,
  lastUsedAt: IsoDateSchema.nullable(),
  revokedAt: IsoDateSchema.nullable(),
});
export type AgentCredential = z.infer<typeof AgentCredentialSchema>;
export const AgentCredentialListSchema = z.object({ items: z.array(AgentCredentialSchema) });
export type AgentCredentialList = z.infer<typeof AgentCredentialListSchema>;
export const CreateAgentCredentialRequestSchema = z.object({
  pool: PoolNameSchema.default('default'),
  name: NameSchema.default('agent'),
});
export type CreateAgentCredentialRequest = z.input<typeof CreateAgentCredentialRequestSchema>;
/** `token` (the agent's `AGENT_TOKEN`) is shown this once. */
export const CreatedAgentCredentialSchema = z.object({ token: z.string(), info: AgentCredentialSchema });
export type CreatedAgentCredential = z.infer<typeof CreatedAgentCredentialSchema>;

/** `GET /agents/load-points/:id/secret` (agent credential only): the target API key of a live job. */
export const TargetSecretSchema = z.object({ apiKey: z.string().nullable() });
export type TargetSecret = z.infer<typeof TargetSecretSchema>;

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: IsoDateSchema,
  actor: z.string(),
  actorId: z.string(),
  /** e.g. run.start, run.cancel, experiment.delete, baseline.set, run.tags; other writes: `POST /path/:id` */
  action: z.string(),
  method: z.string(),
  path: z.string(),
  targetId: z.string().nullable(),
  experimentId: z.string().nullable(),
  runId: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export const AuditListSchema = z.object({ items: z.array(AuditEntrySchema) });
export type AuditList = z.infer<typeof AuditListSchema>;
export const AuditQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

/**
 * Agent credential secrets and signatures (format: `@inferbench/contracts` agent-auth.ts). The secret of a
 * credential is derived from SECRET_KEY, never stored; signatures are HMAC-SHA256 over the JSON of the signed object.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AGENT_AUTH_FIELD, AgentAuthSchema, type AgentAuth } from '@inferbench/contracts';

export function deriveAgentSecret(secretKey: Buffer, credentialId: string, pool: string): string {
  return createHmac('sha256', secretKey)
    .update(`inferbench-agent:${credentialId}:${pool}`)
    .digest('base64url');
}

export function macOf(secret: string, json: string): string {
  return createHmac('sha256', secret).update(json).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Split a signed object into its `auth` part and the rest; null when it carries no well-formed `auth`. `mac` is
 * checked against the JSON of the rest by {@link verifyAgentMac}.
 */
export function splitSigned(data: unknown): { auth: AgentAuth; body: Record<string, unknown> } | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const { [AGENT_AUTH_FIELD]: rawAuth, ...body } = data as Record<string, unknown>;
  const auth = AgentAuthSchema.safeParse(rawAuth);
  return auth.success ? { auth: auth.data, body } : null;
}

export function verifyAgentMac(secretKey: Buffer, auth: AgentAuth, body: Record<string, unknown>): boolean {
  const secret = deriveAgentSecret(secretKey, auth.cred, auth.pool);
  return safeEqual(macOf(secret, JSON.stringify(body)), auth.mac);
}

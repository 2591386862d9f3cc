import { z } from 'zod';

/**
 * Agent credentials (issue 12). An admin creates one per pool (`POST /agent-credentials`) and gets a token
 * `ibagent.<credentialId>.<pool>.<secret>` once; the agent reads it from `AGENT_TOKEN`. The secret is
 * HMAC-SHA256(SECRET_KEY, `inferbench-agent:<id>:<pool>`) (base64url), so the API recomputes it instead of storing it.
 *
 * The agent talks to Redis directly, so everything it writes there is signed with that secret:
 * - every ingest event and its heartbeat (AgentInfo) carry `auth: { cred, pool, mac }` where `mac` is the hex
 *   HMAC-SHA256 (key: the secret) of the JSON of the object without `auth` (`JSON.stringify`, keys in the order
 *   sent; a columnar-v2 sample batch's binary payload is in it as base64, so the MAC covers the payload). The API
 *   drops events and ignores heartbeats that are unsigned, wrongly signed, from a revoked credential, or (events) for
 *   a load point of another pool;
 * - HTTP calls to the API (`GET /agents/load-points/:id/secret`) send the token as `Authorization: Bearer`.
 */
export const AGENT_TOKEN_PREFIX = 'ibagent';
export const AGENT_AUTH_FIELD = 'auth';

export const AgentAuthSchema = z.object({
  cred: z.string().min(1).max(64),
  pool: z.string().min(1).max(63),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AgentAuth = z.infer<typeof AgentAuthSchema>;

export interface AgentTokenParts {
  credentialId: string;
  pool: string;
  secret: string;
}

export function formatAgentToken(p: AgentTokenParts): string {
  return `${AGENT_TOKEN_PREFIX}.${p.credentialId}.${p.pool}.${p.secret}`;
}

/** null when `token` is not an agent token. */
export function parseAgentToken(token: string): AgentTokenParts | null {
  const m = /^ibagent\.([A-Za-z0-9]{1,64})\.([a-z0-9][a-z0-9-]{0,62})\.([A-Za-z0-9_-]{43})$/.exec(
    token.trim(),
  );
  return m ? { credentialId: m[1]!, pool: m[2]!, secret: m[3]! } : null;
}

/**
 * The agent's side of its pool credential (format: `@inferbench/contracts` agent-auth.ts): every object it writes to
 * Redis for the API (ingest events, its heartbeat) carries `auth: { cred, pool, mac }`, the HMAC-SHA256 of the
 * object's JSON under the credential's secret; HTTP calls to the API send the token as a bearer.
 */
import { createHmac } from 'node:crypto';
import { AGENT_AUTH_FIELD, type AgentAuth, type AgentTokenParts } from '@inferbench/contracts';

export interface AgentSigner {
  /** `obj` (without any `auth` it had) with `auth` added */
  sign<T extends object>(obj: T): T;
  /** the `auth` of an object whose JSON (without `auth`) is `json`, for callers that serialize it themselves */
  authFor(json: string): AgentAuth;
}

export function createAgentSigner(cred: AgentTokenParts): AgentSigner {
  const authFor = (json: string): AgentAuth => ({
    cred: cred.credentialId,
    pool: cred.pool,
    mac: createHmac('sha256', cred.secret).update(json).digest('hex'),
  });
  return {
    sign<T extends object>(obj: T): T {
      const { [AGENT_AUTH_FIELD]: _old, ...body } = obj as Record<string, unknown>;
      return { ...body, [AGENT_AUTH_FIELD]: authFor(JSON.stringify(body)) } as T;
    },
    authFor,
  };
}

/**
 * The target API key of a load point from the API (`GET /agents/load-points/:id/secret`); null when the target has
 * none any more. Throws with the API's message otherwise. The key is never logged.
 */
export async function fetchTargetApiKey(
  apiUrl: string,
  token: string,
  loadPointId: string,
  fetchImpl: typeof fetch = fetch,
): Promise<string | null> {
  const res = await fetchImpl(`${apiUrl}/agents/load-points/${encodeURIComponent(loadPointId)}/secret`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json().catch(() => null)) as {
    apiKey?: unknown;
    error?: { message?: unknown };
  } | null;
  if (!res.ok) {
    const msg = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${res.status}`;
    throw new Error(`the API answered ${res.status}: ${msg}`);
  }
  if (body?.apiKey === null) return null;
  if (typeof body?.apiKey !== 'string') throw new Error('the API answered without an apiKey');
  return body.apiKey;
}

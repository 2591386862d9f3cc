import {
  ConnectionModeSchema,
  type ApiKind,
  type ConnectionMode,
  type FrozenTarget,
  type Target,
  type TargetConn,
} from '@inferbench/contracts';
import type { TargetRow } from './targets.repository.js';

/**
 * Request headers with any `Connection` header taken out: the connection mode is the target's `connection` column,
 * and a `Connection: close` (or `keep-alive`) header given with the headers is read as that setting. `mode` is
 * undefined when no such header was given (or its value is neither).
 */
export function splitConnectionHeader(headers: Record<string, string>): {
  headers: Record<string, string>;
  mode: ConnectionMode | undefined;
} {
  let mode: ConnectionMode | undefined;
  const rest: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === 'connection') {
      const parsed = ConnectionModeSchema.safeParse(v.trim().toLowerCase());
      if (parsed.success) mode = parsed.data;
    } else rest[k] = v;
  }
  return { headers: rest, mode };
}

function toConnection(value: string): ConnectionMode {
  return value === 'close' ? 'close' : 'keep-alive';
}

/** Target row → API response. The encrypted key never leaves; `hasApiKey` says whether one is stored. */
export function toTarget(row: TargetRow): Target {
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.baseUrl,
    apiKind: row.apiKind as ApiKind,
    model: row.model,
    headers: row.headers,
    hasApiKey: row.apiKeyEnc !== null,
    pool: row.pool,
    metricsUrl: row.metricsUrl,
    connection: toConnection(row.connection),
    tokenizer: row.tokenizer,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** `FrozenTarget` (a target as frozen into `Run.spec`) is defined once in packages/contracts (stored.ts). */
export type { FrozenTarget } from '@inferbench/contracts';

export function toFrozenTarget(row: TargetRow): FrozenTarget {
  const t = toTarget(row);
  return {
    id: t.id,
    name: t.name,
    baseUrl: t.baseUrl,
    apiKind: t.apiKind,
    model: t.model,
    headers: t.headers,
    pool: t.pool,
    metricsUrl: t.metricsUrl,
    hasApiKey: t.hasApiKey,
    ...(t.connection === 'close' ? { connection: 'close' as const } : {}),
    ...(t.tokenizer !== null ? { tokenizer: t.tokenizer } : {}),
  };
}

/**
 * Connection details for an agent job. The API key itself never goes into the job (it would sit in Redis): when the
 * target has one (`apiKey` defined, as decrypted by the caller to check it), `apiKeyFromApi` tells the agent to fetch
 * it from the API for its load point (`GET /agents/load-points/:id/secret`).
 */
export function toTargetConn(t: FrozenTarget, apiKey: string | undefined): TargetConn {
  const hasApiKey = apiKey !== undefined;
  return {
    baseUrl: t.baseUrl,
    apiKind: t.apiKind,
    model: t.model,
    headers: t.headers,
    ...(hasApiKey ? { apiKeyFromApi: true } : {}),
    ...(t.metricsUrl ? { metricsUrl: t.metricsUrl } : {}),
    ...(t.connection === 'close' ? { connection: 'close' as const } : {}),
    ...(t.tokenizer !== undefined ? { tokenizer: t.tokenizer } : {}),
  };
}

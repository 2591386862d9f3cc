import type { ApiKind, Target, TargetConn } from '@inferbench/contracts';
import type { TargetRow } from './targets.repository.js';

export function toHeaders(json: unknown): Record<string, string> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(json)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Target row → API response. The encrypted key never leaves; `hasApiKey` says whether one is stored. */
export function toTarget(row: TargetRow): Target {
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.baseUrl,
    apiKind: row.apiKind as ApiKind,
    model: row.model,
    headers: toHeaders(row.headers),
    hasApiKey: row.apiKeyEnc !== null,
    pool: row.pool,
    metricsUrl: row.metricsUrl,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The secret-free description of a target frozen into a run's spec. */
export interface FrozenTarget {
  id: string;
  name: string;
  baseUrl: string;
  apiKind: ApiKind;
  model: string;
  headers: Record<string, string>;
  pool: string;
  metricsUrl: string | null;
  hasApiKey: boolean;
}

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
  };
}

/** Connection details for an agent job (API key decrypted by the caller). */
export function toTargetConn(t: FrozenTarget, apiKey: string | undefined): TargetConn {
  return {
    baseUrl: t.baseUrl,
    apiKind: t.apiKind,
    model: t.model,
    headers: t.headers,
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(t.metricsUrl ? { metricsUrl: t.metricsUrl } : {}),
  };
}

import type { ShardHealth } from '@inferbench/contracts';
import type { ShardState } from './run-lifecycle.service.js';

/** `LoadPoint.shardAttempts` JSON → attempt per shard index (absent = 0). */
export function parseShardAttempts(json: unknown): Map<number, number> {
  const out = new Map<number, number>();
  if (typeof json !== 'object' || json === null) return out;
  for (const [k, v] of Object.entries(json as Record<string, unknown>))
    if (typeof v === 'number') out.set(Number(k), v);
  return out;
}

/**
 * Per-shard health of a point from its stored shard states (only the attempt that counts reports there), and
 * the spread of the shards' actual start times. Skew needs at least two shards that reported a start.
 */
export function toShardHealth(
  shardStateJson: unknown,
  shardAttemptsJson: unknown,
): { shardHealth: ShardHealth[]; startSkewMs: number | null } {
  const attempts = parseShardAttempts(shardAttemptsJson);
  const states =
    typeof shardStateJson === 'object' && shardStateJson !== null
      ? (shardStateJson as Record<string, ShardState>)
      : {};
  const shardHealth: ShardHealth[] = Object.entries(states)
    .map(([k, st]) => ({
      index: Number(k),
      attempt: st.attempt ?? attempts.get(Number(k)) ?? 0,
      agentId: st.agentId ?? null,
      status: st.status,
      errors: st.shardHealth?.errors ?? null,
      scheduleDelayP99Ms: st.shardHealth?.scheduleDelayP99Ms ?? null,
      startedAtEpochMs: st.shardHealth?.startedAtEpochMs ?? null,
      reason: st.reason ?? null,
    }))
    .sort((a, b) => a.index - b.index);
  const starts = shardHealth.flatMap((h) => (h.startedAtEpochMs === null ? [] : [h.startedAtEpochMs]));
  const startSkewMs = starts.length >= 2 ? Math.max(...starts) - Math.min(...starts) : null;
  return { shardHealth, startSkewMs };
}

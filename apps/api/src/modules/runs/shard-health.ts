import { TokenizerInfoSchema, type ShardHealth, type TokenizerInfo } from '@inferbench/contracts';
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
 * Per-shard health of a point from its stored shard states (only the attempt that counts reports there), the
 * spread of the shards' actual start times, and the tokenizer the point used. Skew needs at least two shards that
 * reported a start.
 */
export function toShardHealth(
  shardStateJson: unknown,
  shardAttemptsJson: unknown,
): { shardHealth: ShardHealth[]; startSkewMs: number | null; tokenizer: TokenizerInfo | null } {
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
      tokenizer: toTokenizerInfo(st.tokenizer),
    }))
    .sort((a, b) => a.index - b.index);
  const starts = shardHealth.flatMap((h) => (h.startedAtEpochMs === null ? [] : [h.startedAtEpochMs]));
  const startSkewMs = starts.length >= 2 ? Math.max(...starts) - Math.min(...starts) : null;
  // shards of a point share its target and setting: the first that reported one speaks for the point
  const tokenizer = shardHealth.find((h) => h.tokenizer !== null)?.tokenizer ?? null;
  return { shardHealth, startSkewMs, tokenizer };
}

/** A stored tokenizer report (shard state JSON); null when absent or not one. */
function toTokenizerInfo(json: unknown): TokenizerInfo | null {
  if (json === undefined || json === null) return null;
  const parsed = TokenizerInfoSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

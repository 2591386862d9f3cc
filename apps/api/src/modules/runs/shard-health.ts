import type { ShardHealth, ShardState, TokenizerInfo } from '@inferbench/contracts';

/**
 * Per-shard health of a point from its stored shard states (only the attempt that counts reports there), the
 * spread of the shards' actual start times, and the tokenizer the point used. Skew needs at least two shards that
 * reported a start.
 */
export function toShardHealth(
  states: ReadonlyMap<number, ShardState>,
  attempts: ReadonlyMap<number, number>,
): { shardHealth: ShardHealth[]; startSkewMs: number | null; tokenizer: TokenizerInfo | null } {
  const shardHealth: ShardHealth[] = [...states]
    .map(([index, st]) => ({
      index,
      attempt: st.attempt ?? attempts.get(index) ?? 0,
      agentId: st.agentId ?? null,
      status: st.status,
      errors: st.shardHealth?.errors ?? null,
      scheduleDelayP99Ms: st.shardHealth?.scheduleDelayP99Ms ?? null,
      startedAtEpochMs: st.shardHealth?.startedAtEpochMs ?? null,
      reason: st.reason ?? null,
      tokenizer: st.tokenizer ?? null,
    }))
    .sort((a, b) => a.index - b.index);
  const starts = shardHealth.flatMap((h) => (h.startedAtEpochMs === null ? [] : [h.startedAtEpochMs]));
  const startSkewMs = starts.length >= 2 ? Math.max(...starts) - Math.min(...starts) : null;
  // shards of a point share its target and setting: the first that reported one speaks for the point
  const tokenizer = shardHealth.find((h) => h.tokenizer !== null)?.tokenizer ?? null;
  return { shardHealth, startSkewMs, tokenizer };
}

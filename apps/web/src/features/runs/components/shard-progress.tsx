import { formatInt } from '../../../lib/format';
import type { ShardProgress } from '../queries';

/** One line per agent shard of a load point split over several agents: done / planned, errors, tok/s. */
export function ShardProgressList({
  shards,
  shardCount,
}: {
  shards: Record<number, ShardProgress> | undefined;
  shardCount: number;
}) {
  return (
    <ul
      className="small"
      style={{ listStyle: 'none', margin: '0.2rem 0 0', padding: 0 }}
      data-testid="shard-progress"
    >
      {Array.from({ length: shardCount }, (_, i) => {
        const s = shards?.[i];
        return (
          <li key={i}>
            shard {i + 1}:{' '}
            {s ? (
              <>
                {formatInt(s.done)}
                {s.planned !== undefined ? ` / ${formatInt(s.planned)}` : ''} · {formatInt(s.errors)} errors ·{' '}
                {formatInt(s.window.outputTokens)} tok/s
              </>
            ) : (
              <span className="muted">no report yet</span>
            )}
          </li>
        );
      })}
    </ul>
  );
}

'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { EmptyState, ErrorState } from '../../../components/states';
import { StatusBadge } from '../../../components/status-badge';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { agentListOptions } from '../queries';

/** Agents grouped by pool: state, current job and last heartbeat (refreshes every 5 s). */
export function AgentsView() {
  const list = useQuery(agentListOptions());
  const agents = [...(list.data?.items ?? [])].sort(
    (a, b) => a.pool.localeCompare(b.pool) || a.host.localeCompare(b.host),
  );
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Agents</h1>
          <p className="muted">
            Load generators, one or more per pool; each pool serves the targets co-located with it.
          </p>
        </div>
      </div>
      {list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} title="Could not load agents" />
      ) : list.isPending ? (
        <p className="muted">Loading agents…</p>
      ) : agents.length === 0 ? (
        <EmptyState title="No agent has reported in">
          Start one next to your inference server (<code>pnpm --filter @inferbench/agent start</code>); runs
          wait until an agent of the target’s pool is live.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Pool</th>
                <th>Host</th>
                <th>State</th>
                <th>Current job</th>
                <th>Last heartbeat</th>
                <th>Version</th>
                <th>Capabilities</th>
              </tr>
            </thead>
            <tbody>
              {agents.map((a) => (
                <tr key={a.id}>
                  <td>{a.pool}</td>
                  <td>
                    {a.host}
                    <div className="muted small mono">{a.id}</div>
                  </td>
                  <td>
                    <StatusBadge status={a.state} />
                  </td>
                  <td>
                    {a.currentJob ? (
                      <Link href={`/runs/${a.currentJob.runId}`} className="mono small">
                        run {a.currentJob.runId.slice(0, 10)} · shard {a.currentJob.shardIndex}
                      </Link>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td title={formatDateTime(a.lastHeartbeatAt)} suppressHydrationWarning>
                    {formatRelative(a.lastHeartbeatAt)}
                  </td>
                  <td className="mono small">{a.version}</td>
                  <td className="small">{describeCapabilities(a.capabilities)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function describeCapabilities(c: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof c.cpus === 'number') parts.push(`${c.cpus} CPU`);
  if (typeof c.memoryMb === 'number') parts.push(`${Math.round(c.memoryMb / 1024)} GiB`);
  if (Array.isArray(c.gpus) && c.gpus.length) parts.push(`${c.gpus.length}× ${String(c.gpus[0])}`);
  return parts.join(' · ') || '—';
}

'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { ErrorState } from '../../../components/states';
import { formatDateTime } from '../../../lib/format';
import { auditOptions } from '../queries';

/** Who started, cancelled, changed or deleted what in this experiment (GET /experiments/:id/audit). */
export function AuditLog({ experimentId }: { experimentId: string }) {
  const { data, error, isPending } = useQuery(auditOptions(experimentId));
  return (
    <section className="panel" aria-label="Activity" data-testid="audit-log">
      <h2 style={{ marginTop: 0 }}>Activity</h2>
      {error ? <ErrorState error={error} title="The activity could not be loaded" /> : null}
      {isPending ? <p className="muted">Loading…</p> : null}
      {data && data.items.length === 0 ? <p className="muted">Nothing recorded yet.</p> : null}
      {data && data.items.length > 0 ? (
        <ul style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {data.items.map((e) => (
            <li key={e.id} className="small" data-testid="audit-entry" style={{ padding: '0.2rem 0' }}>
              <span className="muted" suppressHydrationWarning>
                {formatDateTime(e.at)}
              </span>{' '}
              <strong>{e.actor}</strong> {e.action}
              {e.runId ? (
                <>
                  {' '}
                  <Link href={`/runs/${e.runId}`} className="mono">
                    {e.runId.slice(0, 10)}
                  </Link>
                </>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

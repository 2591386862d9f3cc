'use client';
import { useQuery } from '@tanstack/react-query';
import { getApi } from '../../../lib/api';
import { formatDateTime } from '../../../lib/format';

/** The experiment's webhooks and their delivery log (newest first). */
export function WebhookDeliveries({
  experimentId,
  webhooks,
}: {
  experimentId: string;
  webhooks: { url: string; hasSecret: boolean }[];
}) {
  const deliveries = useQuery({
    queryKey: ['experiments', 'detail', experimentId, 'webhook-deliveries'],
    queryFn: () => getApi().listWebhookDeliveries(experimentId, { limit: 20 }),
    enabled: webhooks.length > 0,
    refetchInterval: 10_000,
  });
  if (webhooks.length === 0) return null;
  return (
    <section className="panel" data-testid="webhook-deliveries">
      <h2>Webhooks</h2>
      <ul className="small">
        {webhooks.map((w) => (
          <li key={w.url}>
            <code>{w.url}</code> {w.hasSecret ? '(signed)' : '(unsigned)'}
          </li>
        ))}
      </ul>
      {deliveries.data?.items.length ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>when</th>
                <th>run</th>
                <th>url</th>
                <th>status</th>
                <th className="num">attempts</th>
                <th>last answer</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.data.items.map((d) => (
                <tr key={d.id}>
                  <td>{formatDateTime(d.createdAt)}</td>
                  <td>
                    <a href={`/runs/${d.runId}`}>{d.runId.slice(-8)}</a>
                  </td>
                  <td>
                    <code>{d.url}</code>
                  </td>
                  <td>{d.status}</td>
                  <td className="num">{d.attempts}</td>
                  <td>{d.lastError ?? (d.lastStatusCode === null ? '–' : `HTTP ${d.lastStatusCode}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="small muted">{deliveries.isLoading ? 'loading deliveries…' : 'no deliveries yet'}</p>
      )}
    </section>
  );
}

'use client';
import { WebhookDeliveries } from '../../ci/components/webhook-deliveries';
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMemo } from 'react';
import { ErrorState, EmptyState } from '../../../components/states';
import { StatusBadge } from '../../../components/status-badge';
import { getApi } from '../../../lib/api';
import { formatDateTime, formatSpan } from '../../../lib/format';
import { isTerminalStatus, runKeys } from '../../runs/queries';
import { AuditLog } from '../../auth/components/audit-log';
import { Comments } from '../../review/components/comments';
import { HistoryChart } from '../../review/components/history-chart';
import { targetListOptions } from '../../targets/queries';
import {
  describeFeatures,
  describeLoadPlan,
  describeSlo,
  describeWorkload,
  plannedLevels,
} from '../describe';
import { experimentDetailOptions, experimentKeys } from '../queries';
import { ImportUpload } from './import-upload';

/** One experiment: what it measures, its variants, its runs, and the "Start run" action. */
export function ExperimentDetail({ id }: { id: string }) {
  const { data: exp } = useSuspenseQuery(experimentDetailOptions(id));
  const targets = useQuery(targetListOptions());
  const targetById = useMemo(
    () => new Map((targets.data?.items ?? []).map((t) => [t.id, t])),
    [targets.data],
  );
  const queryClient = useQueryClient();
  const router = useRouter();

  const startRun = useMutation({
    mutationFn: () => getApi().startRun(id, { trigger: 'web' }),
    onSuccess: async (run) => {
      queryClient.setQueryData(runKeys.detail(run.id), run);
      await queryClient.invalidateQueries({ queryKey: experimentKeys.all });
      router.push(`/runs/${run.id}`);
    },
  });

  const lifecycle = useMutation({
    mutationFn: async (action: 'archive' | 'unarchive' | 'clone') => {
      if (action === 'clone') return getApi().cloneExperiment(id);
      return action === 'archive' ? getApi().archiveExperiment(id) : getApi().unarchiveExperiment(id);
    },
    onSuccess: async (updated, action) => {
      await queryClient.invalidateQueries({ queryKey: experimentKeys.all });
      if (action === 'clone') router.push(`/experiments/${updated.id}`);
    },
  });

  const levels = plannedLevels(exp.loadPlan);
  const hasLiveRun = exp.recentRuns.some((r) => !isTerminalStatus(r.status));

  return (
    <>
      <div className="breadcrumb">
        <Link href="/experiments">Experiments</Link> /
      </div>
      <div className="page-header">
        <div>
          <h1>
            {exp.name} {exp.archivedAt ? <span className="badge badge-cancelled">archived</span> : null}
          </h1>
          <div>
            {exp.tags.map((t) => (
              <Link key={t} className="tag" href={`/experiments?tag=${encodeURIComponent(t)}`}>
                {t}
              </Link>
            ))}
          </div>
        </div>
        <div className="actions">
          {exp.recentRuns.length >= 2 ? (
            <Link className="btn" href={`/compare?runs=${exp.recentRuns[1]?.id},${exp.recentRuns[0]?.id}`}>
              Compare last two runs
            </Link>
          ) : null}
          <Link className="btn" href={`/experiments/${exp.id}/edit`}>
            Edit
          </Link>
          <button
            type="button"
            className="btn"
            disabled={lifecycle.isPending}
            onClick={() => lifecycle.mutate('clone')}
          >
            Clone
          </button>
          <button
            type="button"
            className="btn"
            disabled={lifecycle.isPending}
            onClick={() => lifecycle.mutate(exp.archivedAt ? 'unarchive' : 'archive')}
          >
            {exp.archivedAt ? 'Unarchive' : 'Archive'}
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={startRun.isPending}
            onClick={() => startRun.mutate()}
          >
            {startRun.isPending ? 'Starting…' : 'Start run'}
          </button>
        </div>
      </div>
      {startRun.isError ? <ErrorState error={startRun.error} title="The run could not start" /> : null}
      {lifecycle.isError ? (
        <ErrorState error={lifecycle.error} title="The experiment was not changed" />
      ) : null}
      <ImportUpload experimentId={exp.id} />
      {hasLiveRun ? (
        <p className="notice">
          A run of this experiment is in progress; starting another queues it behind the same agents.
        </p>
      ) : null}

      {exp.description ? (
        <p style={{ whiteSpace: 'pre-wrap' }}>{exp.description}</p>
      ) : (
        <p className="muted">No description.</p>
      )}

      <div className="grid-2" style={{ marginTop: '1rem' }}>
        <div className="panel">
          <dl className="facts">
            <dt>Workload</dt>
            <dd>{describeWorkload(exp.workload)}</dd>
            <dt>Load plan</dt>
            <dd>{describeLoadPlan(exp.loadPlan)}</dd>
            <dt>SLOs</dt>
            <dd>{describeSlo(exp.slo)}</dd>
            {exp.evals ? (
              <>
                <dt>Accuracy evals</dt>
                <dd data-testid="experiment-evals">
                  {exp.evals.suites.map((s) => (typeof s === 'string' ? s : `${s.name} (inline)`)).join(', ')}
                  {exp.evals.tasks ? `: tasks ${exp.evals.tasks.join(', ')}` : ', every task'};{' '}
                  {exp.evals.mode === 'alongside-load'
                    ? `alongside load point ${exp.evals.alongsidePoint ?? 0}`
                    : 'standalone'}
                  , concurrency {exp.evals.concurrency} · <Link href="/suites">suites</Link>
                </dd>
              </>
            ) : null}
          </dl>
        </div>
        <div className="panel">
          <dl className="facts">
            <dt>Load points</dt>
            <dd>
              {exp.variants.length} variant(s) × {levels.isUpperBound ? 'up to ' : ''}
              {levels.count} level(s) = {levels.isUpperBound ? 'up to ' : ''}
              {exp.variants.length * levels.count}
            </dd>
            <dt>Created</dt>
            <dd>{formatDateTime(exp.createdAt)}</dd>
            <dt>Updated</dt>
            <dd>{formatDateTime(exp.updatedAt)}</dd>
          </dl>
        </div>
      </div>

      <h2>Variants</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Label</th>
              <th>Target</th>
              <th>Model</th>
              <th>Engine</th>
              <th>Precision / quantization</th>
              <th>Features</th>
              <th>Request params</th>
            </tr>
          </thead>
          <tbody>
            {exp.variants.map((v) => {
              const target = targetById.get(v.targetId);
              return (
                <tr key={v.id}>
                  <td>
                    <strong>{v.label}</strong>
                  </td>
                  <td>
                    {target ? (
                      <>
                        {target.name}
                        <div className="muted small mono">{target.baseUrl}</div>
                      </>
                    ) : (
                      <span className="muted mono small">{v.targetId}</span>
                    )}
                  </td>
                  <td className="mono">{v.optimization.model ?? target?.model ?? '—'}</td>
                  <td>
                    {[v.optimization.engine, v.optimization.engineVersion].filter(Boolean).join(' ') || '—'}
                  </td>
                  <td>{v.optimization.precision ?? '—'}</td>
                  <td>{describeFeatures(v.optimization)}</td>
                  <td className="small">{describeParams(v.params)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      <WebhookDeliveries experimentId={exp.id} webhooks={exp.webhooks} />

      <h2>Runs</h2>
      {exp.recentRuns.length === 0 ? (
        <EmptyState title="This experiment has not been run yet">
          Press “Start run” to measure every variant at every level.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Run</th>
                <th>Status</th>
                <th>Trigger</th>
                <th>Created</th>
                <th>Finished</th>
                <th>Duration</th>
              </tr>
            </thead>
            <tbody>
              {exp.recentRuns.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link href={`/runs/${r.id}`} className="mono">
                      {r.id.slice(0, 12)}
                    </Link>
                    {r.id === exp.baselineRunId ? (
                      <span className="badge badge-completed" style={{ marginLeft: 6 }}>
                        baseline
                      </span>
                    ) : null}
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>{r.trigger}</td>
                  <td>{formatDateTime(r.createdAt)}</td>
                  <td>{formatDateTime(r.finishedAt)}</td>
                  <td suppressHydrationWarning>
                    {r.finishedAt ? formatSpan(r.createdAt, r.finishedAt) : 'in progress'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>History</h2>
      <HistoryChart experimentId={exp.id} evals={Boolean(exp.evals)} />

      <Comments subject={{ kind: 'experiment', id: exp.id }} />
      <AuditLog experimentId={exp.id} />
    </>
  );
}

function describeParams(p: {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  ignoreEos?: boolean;
  minTokens?: number;
}): string {
  const parts = [
    p.maxTokens !== undefined ? `max_tokens ${p.maxTokens}` : '',
    p.minTokens !== undefined ? `min_tokens ${p.minTokens}` : '',
    p.temperature !== undefined ? `temperature ${p.temperature}` : '',
    p.topP !== undefined ? `top_p ${p.topP}` : '',
    p.ignoreEos ? 'ignore_eos' : '',
  ].filter(Boolean);
  return parts.join(', ') || 'defaults';
}

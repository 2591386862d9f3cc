'use client';
import type { LoadPoint, Run } from '@inferbench/contracts';
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useMemo } from 'react';
import { ErrorState } from '../../../components/states';
import { StatusBadge } from '../../../components/status-badge';
import { getApi, samplesDownloadUrl } from '../../../lib/api';
import { formatDateTime, formatInt, formatRate, formatSpan } from '../../../lib/format';
import { experimentKeys } from '../../experiments/queries';
import { useRunStream } from '../hooks/use-run-stream';
import {
  aggregatePointProgress,
  isTerminalStatus,
  runDetailOptions,
  runKeys,
  runLiveOptions,
  type PointProgress,
  type ShardProgress,
} from '../queries';
import { LatencyThroughputChart, TimeSeriesChart } from './charts';
import { VariantComparisonTable } from './comparison-table';
import { Comments } from '../../review/components/comments';
import { RunReviewBar } from '../../review/components/run-review-bar';
import { DistributionChart } from './distribution-chart';
import { SamplesTable } from './samples-table';
import { ShardProgressList } from './shard-progress';
import {
  ErrorRateMarker,
  ErrorsByClass,
  LatencyTable,
  SummaryKpis,
  SummaryWarnings,
  TokenNote,
} from './summary-table';
import { ImportedSource } from './imported-source';
import { RunEvals } from '../../evals/components/run-evals';
import { BottleneckHints, PointTelemetry } from './telemetry';
import { CiVerdicts } from '../../ci/components/ci-verdicts';

/** The run page: status, live progress per load point, summaries, comparisons and charts. */
export function RunView({ id }: { id: string }) {
  const { data: run } = useSuspenseQuery(runDetailOptions(id));
  const isLive = !isTerminalStatus(run.status);
  useRunStream(id, isLive);
  const { data: live } = useQuery(runLiveOptions(id));
  const queryClient = useQueryClient();

  const cancel = useMutation({
    mutationFn: () => getApi().cancelRun(id),
    onSuccess: async (updated) => {
      queryClient.setQueryData(runKeys.detail(id), updated);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: runKeys.detail(id) }),
        queryClient.invalidateQueries({ queryKey: experimentKeys.all }),
      ]);
    },
  });

  const points = useMemo(() => [...run.loadPoints].sort((a, b) => a.ordinal - b.ordinal), [run.loadPoints]);
  const completed = points.filter((p) => p.summary);
  const byLevel = useMemo(() => groupByLevel(points), [points]);
  const variantCount = new Set(points.map((p) => p.variantId)).size;
  const levelCount = byLevel.length;
  const allWarnings = completed.flatMap((p) =>
    (p.summary?.warnings ?? []).map((w) => `${p.variantLabel} @ ${p.levelLabel}: ${w}`),
  );

  return (
    <>
      <div className="breadcrumb">
        <Link href="/experiments">Experiments</Link> /{' '}
        <Link href={`/experiments/${run.experimentId}`}>{run.experimentName}</Link> /
      </div>
      <div className="page-header">
        <div>
          <h1>
            Run <span className="mono">{run.id.slice(0, 12)}</span> <StatusBadge status={run.status} />
          </h1>
          <p className="muted small">
            {isLive ? (
              <>
                <span className={live?.connected ? 'live-dot on' : 'live-dot'} />
                {live?.connected ? 'Live updates connected' : 'Refreshing every 2 s'}
              </>
            ) : (
              'Finished'
            )}
          </p>
        </div>
        <div className="actions">
          {completed.length ? (
            <Link className="btn" href={`/compare?runs=${run.id}`}>
              Compare with…
            </Link>
          ) : null}
          {isLive ? (
            <button
              type="button"
              className="btn btn-danger"
              disabled={cancel.isPending}
              onClick={() => cancel.mutate()}
            >
              {cancel.isPending ? 'Cancelling…' : 'Cancel run'}
            </button>
          ) : null}
        </div>
      </div>
      <RunReviewBar runId={run.id} experimentId={run.experimentId} />
      {cancel.isError ? <ErrorState error={cancel.error} title="The run could not be cancelled" /> : null}
      {run.error ? (
        <div className="error-box" role="alert">
          <p className="error-title">The run {run.status === 'failed' ? 'failed' : 'reported an error'}</p>
          <p>{run.error}</p>
        </div>
      ) : null}

      <div className="panel">
        <dl className="facts">
          <dt>Status</dt>
          <dd data-testid="run-status">{run.status}</dd>
          <dt>Trigger</dt>
          <dd>
            {run.trigger}
            {Object.keys(run.metadata).length ? (
              <span className="muted small">
                {' '}
                (
                {Object.entries(run.metadata)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', ')}
                )
              </span>
            ) : null}
          </dd>
          <dt>Created</dt>
          <dd>{formatDateTime(run.createdAt)}</dd>
          <dt>Started</dt>
          <dd>{formatDateTime(run.startedAt)}</dd>
          <dt>Finished</dt>
          <dd>{formatDateTime(run.finishedAt)}</dd>
          <dt>Duration</dt>
          <dd suppressHydrationWarning>{run.startedAt ? formatSpan(run.startedAt, run.finishedAt) : '—'}</dd>
          <dt>Load points</dt>
          <dd>
            {variantCount} variant(s) × {levelCount} level(s);{' '}
            {points.filter((p) => p.status === 'completed').length} of {points.length} completed
          </dd>
        </dl>
      </div>

      <ImportedSource run={run} />

      {allWarnings.length ? <SummaryWarnings warnings={allWarnings} /> : null}

      <h2>Load points</h2>
      <LoadPointTable
        run={run}
        points={points}
        liveProgress={(lp) => aggregatePointProgress(live?.loadPoints[lp]?.shards)}
        liveShards={(lp) => live?.loadPoints[lp]?.shards}
      />

      {levelCount > 1 && completed.length > 1 ? (
        <>
          <h2>Latency vs throughput</h2>
          <LatencyThroughputChart points={completed} slo={runSlo(run)} />
        </>
      ) : null}

      {variantCount > 1
        ? byLevel
            .filter((g) => g.points.filter((p) => p.summary).length > 1)
            .map((g) => (
              <section key={g.levelLabel}>
                <h2>Variants at {g.levelLabel}</h2>
                <VariantComparisonTable points={g.points} />
              </section>
            ))
        : null}

      <BottleneckHints hints={run.hints} />

      {run.evaluation ? <CiVerdicts evaluation={run.evaluation} /> : null}

      {run.evals ? <RunEvals runId={run.id} evals={run.evals} /> : null}

      <h2>Summaries</h2>
      {completed.length === 0 ? (
        <p className="muted">
          {isLive
            ? 'Summaries appear here as each load point completes.'
            : 'No load point produced a summary.'}
        </p>
      ) : (
        completed.map((p) => <PointSummaryCard key={p.id} point={p} />)
      )}

      <Comments subject={{ kind: 'run', id: run.id }} />
    </>
  );
}

function groupByLevel(points: LoadPoint[]): { levelLabel: string; points: LoadPoint[] }[] {
  const map = new Map<string, LoadPoint[]>();
  for (const p of points) map.set(p.levelLabel, [...(map.get(p.levelLabel) ?? []), p]);
  return [...map.entries()].map(([levelLabel, pts]) => ({ levelLabel, points: pts }));
}

function LoadPointTable({
  run,
  points,
  liveProgress,
  liveShards,
}: {
  run: Run;
  points: LoadPoint[];
  liveProgress: (id: string) => PointProgress | undefined;
  liveShards: (id: string) => Record<number, ShardProgress> | undefined;
}) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Variant</th>
            <th>Level</th>
            <th>Status</th>
            <th>Progress</th>
            <th className="num">Errors</th>
            <th className="num">
              Output <span className="unit">(tok/s)</span>
            </th>
            <th className="num">Samples stored</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => {
            const prog = p.status === 'running' ? liveProgress(p.id) : undefined;
            const done = prog?.done ?? p.summary?.requests.succeeded;
            const planned = prog?.planned;
            const pct = planned ? Math.min(100, (100 * (prog?.done ?? 0)) / planned) : undefined;
            return (
              <tr key={p.id} data-loadpoint={p.id}>
                <td>{p.variantLabel}</td>
                <td className="mono">{p.levelLabel}</td>
                <td>
                  <StatusBadge status={p.status} />
                  {p.error ? (
                    <div className="small" style={{ color: 'var(--bad)' }}>
                      {p.error}
                    </div>
                  ) : null}
                  <ErrorRateMarker summary={p.summary} />
                </td>
                <td>
                  {prog ? (
                    <>
                      {pct !== undefined ? (
                        <div className="progress" aria-label={`${Math.round(pct)}% done`}>
                          <span style={{ width: `${pct}%` }} />
                        </div>
                      ) : null}
                      <span className="small">
                        {formatInt(prog.done)}
                        {planned ? ` / ${formatInt(planned)}` : ''} requests · {prog.elapsedSec.toFixed(0)} s
                      </span>
                      {p.shards > 1 ? (
                        <ShardProgressList shards={liveShards(p.id)} shardCount={p.shards} />
                      ) : null}
                    </>
                  ) : p.status === 'completed' && done !== undefined ? (
                    <span className="small">{formatInt(done)} ok</span>
                  ) : (
                    <span className="muted small">
                      {p.status === 'queued'
                        ? run.status === 'running'
                          ? 'waiting its turn'
                          : 'waiting'
                        : '—'}
                    </span>
                  )}
                </td>
                <td className="num">{formatInt(prog?.errors ?? p.summary?.requests.failed ?? undefined)}</td>
                <td className="num">
                  {prog ? formatRate(prog.outputTokensPerSec) : formatRate(p.summary?.outputTokenThroughput)}
                </td>
                <td className="num">{formatInt(p.samplesStored)}</td>
                <td suppressHydrationWarning>{p.startedAt ? formatSpan(p.startedAt, p.finishedAt) : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function PointSummaryCard({ point }: { point: LoadPoint }) {
  const s = point.summary;
  if (!s) return null;
  return (
    <section
      className="point-card"
      data-testid="point-summary"
      aria-label={`Summary of ${point.variantLabel} at ${point.levelLabel}`}
    >
      <div className="point-card-header">
        <strong>
          {point.variantLabel} · <span className="mono">{point.levelLabel}</span>
        </strong>
        <span>
          <StatusBadge status={point.status} /> <ErrorRateMarker summary={s} />{' '}
          <a className="small" href={samplesDownloadUrl(point.id, 'csv')}>
            raw samples (CSV)
          </a>{' '}
          ·{' '}
          <a className="small" href={samplesDownloadUrl(point.id, 'jsonl')}>
            JSONL
          </a>
        </span>
      </div>
      <div className="point-card-body">
        <SummaryWarnings warnings={s.warnings} />
        <SummaryKpis summary={s} />
        <LatencyTable summary={s} />
        <ErrorsByClass summary={s} />
        <TokenNote summary={s} tokenizer={point.tokenizer} />
        {s.timeSeries?.length ? (
          <TimeSeriesChart series={s.timeSeries} title="TTFT and ITL over time" />
        ) : null}
        <PointTelemetry telemetry={point.telemetry} />
        <DistributionChart loadPointId={point.id} />
        <details>
          <summary>Raw samples</summary>
          <SamplesTable loadPointId={point.id} />
        </details>
      </div>
    </section>
  );
}

/** The SLO frozen into the run's spec, if any (the chart draws its bounds). */
function runSlo(run: Run): { ttftMs?: number; tpotMs?: number; itlMs?: number; e2eMs?: number } | undefined {
  return run.spec.slo ?? undefined;
}

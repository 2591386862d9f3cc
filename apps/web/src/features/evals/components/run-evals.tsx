'use client';
import type { EvalTaskSummary, EvalVariantSummary, RunEvals as RunEvalsData } from '@inferbench/contracts';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorState } from '../../../components/states';
import { StatusBadge } from '../../../components/status-badge';
import { formatInt, formatMs, formatPct } from '../../../lib/format';
import styles from '../evals.module.css';
import { runEvalsOptions } from '../queries';
import { IntervalBar } from './interval-bar';
import { ItemBrowser } from './item-browser';

/**
 * The run page's accuracy section: per variant the suite score (mean of tasks and item-weighted), per task the
 * score with its Wilson 95 % interval as a bar, bootstrap SE, parse-failure rate, request errors, other metrics and
 * latency; then the item browser. `evals` is the run's latest summaries (from the run query, refreshed while live).
 */
export function RunEvals({ runId, evals }: { runId: string; evals: RunEvalsData }) {
  const latest = evals.scoreVersions.at(-1) ?? 0;
  const [version, setVersion] = useState<number | null>(null);
  const pinned = useQuery({
    ...runEvalsOptions(runId, version),
    enabled: version !== null && version !== latest,
  });
  const shown = version !== null && version !== latest ? pinned.data : evals;

  return (
    <section data-testid="run-evals" aria-label="Accuracy evals">
      <h2>Accuracy</h2>
      {evals.scoreVersions.length > 1 ? (
        <div className="toolbar">
          <label className="small" htmlFor="eval-score-version">
            Score version
          </label>
          <select
            id="eval-score-version"
            value={version ?? latest}
            onChange={(e) => setVersion(Number(e.target.value))}
          >
            {evals.scoreVersions.map((v) => (
              <option key={v} value={v}>
                {v === 0 ? '0 (as measured)' : `${v} (re-scored)`}
                {v === latest ? ' · latest' : ''}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {pinned.isError ? (
        <ErrorState error={pinned.error} title="That score version could not be loaded" />
      ) : null}
      {!shown ? (
        <p className="muted">Loading…</p>
      ) : shown.variants.length === 0 ? (
        <p className="muted">No eval has been scheduled for this run yet.</p>
      ) : (
        shown.variants.map((v) => <VariantEvals key={v.workItemId} v={v} />)
      )}
      <h3>Items</h3>
      <ItemBrowser
        runId={runId}
        variants={evals.variants.map((v) => v.variantLabel)}
        tasks={[...new Set(evals.variants.flatMap((v) => v.tasks.map((t) => t.taskId)))]}
        scoreVersion={version}
      />
    </section>
  );
}

function VariantEvals({ v }: { v: EvalVariantSummary }) {
  return (
    <section
      className="point-card"
      data-testid="variant-evals"
      data-variant={v.variantLabel}
      aria-label={`Accuracy of ${v.variantLabel}`}
    >
      <div className="point-card-header">
        <strong>
          {v.variantLabel} ·{' '}
          <span className="small muted">
            {v.mode === 'alongside-load' ? 'alongside a load point' : 'standalone'}
            {v.scoreVersion > 0 ? ` · score version ${v.scoreVersion}` : ''}
          </span>
        </strong>
        <span>
          <StatusBadge status={v.status} />
          {v.progress && v.status === 'running' ? (
            <span className="small">
              {' '}
              {formatInt(v.progress.done)} / {formatInt(v.progress.total)} items
            </span>
          ) : null}
        </span>
      </div>
      <div className="point-card-body">
        {v.error ? (
          <div className="error-box" role="alert">
            <p>{v.error}</p>
          </div>
        ) : null}
        {v.suite ? (
          <div className={styles.suiteScore} data-testid="suite-score">
            <div>
              <div className={styles.label}>Suite score · mean of tasks</div>
              <span className="kpi-value">{formatPct(v.suite.meanOfTasks)}</span>
            </div>
            <div>
              <div className={styles.label}>Suite score · item-weighted</div>
              <span className="kpi-value">{formatPct(v.suite.itemWeighted)}</span>
            </div>
            <div>
              <div className={styles.label}>Tasks counted</div>
              <span className="kpi-value">
                {v.suite.tasks} / {v.tasks.length}
              </span>
            </div>
          </div>
        ) : null}
        <TaskTable tasks={v.tasks} />
      </div>
    </section>
  );
}

/** Metrics worth a column of their own are shown there; the rest are listed by name. */
const HIDDEN_METRICS = new Set(['accuracy', 'parse_failure_rate']);

function TaskTable({ tasks }: { tasks: EvalTaskSummary[] }) {
  if (!tasks.length) return <p className="muted small">No task has reported yet.</p>;
  return (
    <div className="table-wrap">
      <table data-testid="eval-task-table" className={styles.taskTable}>
        <thead>
          <tr>
            <th>Task</th>
            <th>Status</th>
            <th className="num">Items</th>
            <th className="num">Score</th>
            <th>Accuracy, 95 % Wilson interval</th>
            <th className="num">
              Bootstrap SE <span className="unit">(pts)</span>
            </th>
            <th className="num">Parse failures</th>
            <th className="num">Request errors</th>
            <th>Other metrics</th>
            <th className="num">
              Latency p50 / p95 <span className="unit">(ms)</span>
            </th>
            <th>Version</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => (
            <tr key={t.taskId} data-task={t.taskId}>
              <td className="mono">{t.taskId}</td>
              <td>
                <StatusBadge status={t.status} />
                {t.error ? (
                  <div className="small" style={{ color: 'var(--bad)' }}>
                    {t.error}
                  </div>
                ) : null}
              </td>
              <td className="num">{formatInt(t.items)}</td>
              <td className="num" data-testid="task-score" title={`primary metric: ${t.primaryMetric}`}>
                {t.items ? formatPct(t.score) : '—'}
                <div className="small muted">{t.primaryMetric}</div>
              </td>
              <td>
                {t.items ? (
                  <>
                    <IntervalBar
                      value={t.accuracy}
                      lower={t.wilson.lo}
                      upper={t.wilson.hi}
                      label={`accuracy ${formatPct(t.accuracy)}, 95 % Wilson interval ${formatPct(t.wilson.lo)}–${formatPct(t.wilson.hi)}`}
                    />{' '}
                    <span className="small" data-testid="task-accuracy">
                      {formatPct(t.accuracy)}{' '}
                      <span className="muted">
                        [{formatPct(t.wilson.lo)}–{formatPct(t.wilson.hi)}]
                      </span>
                    </span>
                  </>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td className="num">±{(t.bootstrapSe * 100).toFixed(1)}</td>
              <td className="num" data-testid="task-parse-failures">
                <span className={t.parseFailureRate > 0 ? 'delta-worse' : undefined}>
                  {formatPct(t.parseFailureRate)}
                </span>
                {t.noAnswer + t.invalid > 0 ? (
                  <div className="small muted">
                    {t.noAnswer} no answer, {t.invalid} invalid
                  </div>
                ) : null}
              </td>
              <td className="num">{formatInt(t.requestErrors)}</td>
              <td className="small">
                {Object.entries(t.metrics)
                  .filter(([k]) => !HIDDEN_METRICS.has(k))
                  .map(
                    ([k, val]) =>
                      `${k} ${k === 'bleu' ? (val <= 1 ? val * 100 : val).toFixed(1) : formatPct(val)}`,
                  )
                  .join(', ') || '—'}
              </td>
              <td className="num">
                {formatMs(t.latency.p50)} / {formatMs(t.latency.p95)}
              </td>
              <td className="mono small" title={t.versionHash}>
                {t.versionHash.slice(0, 10)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

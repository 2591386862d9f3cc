'use client';
import type { CompareResult, EvalComparison, RunEvals } from '@inferbench/contracts';
import { useQueries } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { CartesianGrid, Legend, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import {
  CHART_GRID,
  CHART_LEGEND,
  CHART_MARGIN,
  ChartFrame,
  ChartSelect,
  ChartTooltipCard,
  seriesColor,
  xAxisLabel,
  yAxisLabel,
} from '../../../components/chart-frame';
import { ErrorState } from '../../../components/states';
import { formatInt, formatPct, formatRate, formatTick } from '../../../lib/format';
import styles from '../evals.module.css';
import { evalCompareOptions, runEvalsOptions, type EvalSide } from '../queries';
import { paretoFrontMax, throughputAtSlo } from '../throughput-at-slo';
import { DeltaIntervalBar, pts } from './interval-bar';

/**
 * The compare page's accuracy part: paired deltas (McNemar) of every candidate against the reference column, and the
 * decision chart — accuracy against throughput at the SLO, one point per variant. Renders nothing when no selected
 * run has evals.
 */
export function CompareAccuracy({ result }: { result: CompareResult }) {
  const runIds = useMemo(() => [...new Set(result.columns.map((c) => c.runId))], [result.columns]);
  const evalQueries = useQueries({ queries: runIds.map((id) => runEvalsOptions(id)) });
  // a run without evals answers with an empty variant list (or 404 before the backend has them): both mean "none"
  const evalsByRun = new Map<string, RunEvals>();
  evalQueries.forEach((q, i) => {
    if (q.data && q.data.variants.length) evalsByRun.set(runIds[i]!, q.data);
  });
  const pairs = pairsOf(result, evalsByRun);
  if (evalQueries.some((q) => q.isPending)) return null;
  if (!evalsByRun.size) return null;
  return (
    <section data-testid="compare-accuracy" aria-label="Accuracy">
      <h2>Accuracy</h2>
      <AccuracyPareto result={result} evalsByRun={evalsByRun} />
      {pairs.length === 0 ? (
        <p className="muted">
          No variant has eval results on both sides, so there is no paired comparison (pairs are matched by
          variant label).
        </p>
      ) : (
        pairs.map((p) => (
          <PairedTable key={`${p.a.runId}:${p.a.variantLabel}|${p.b.runId}:${p.b.variantLabel}`} {...p} />
        ))
      )}
    </section>
  );
}

interface Pair {
  a: EvalSide;
  b: EvalSide;
  aLabel: string;
  bLabel: string;
}

/** Reference column against every other column; in run mode per variant label both runs scored. */
function pairsOf(result: CompareResult, evalsByRun: Map<string, RunEvals>): Pair[] {
  const ref = result.columns[0];
  if (!ref) return [];
  const labelsOf = (runId: string) =>
    new Set(evalsByRun.get(runId)?.variants.map((v) => v.variantLabel) ?? []);
  const out: Pair[] = [];
  for (const col of result.columns.slice(1)) {
    const refLabels = labelsOf(ref.runId);
    const colLabels = labelsOf(col.runId);
    if (result.mode === 'variants') {
      if (
        ref.variantLabel &&
        col.variantLabel &&
        refLabels.has(ref.variantLabel) &&
        colLabels.has(col.variantLabel)
      )
        out.push({
          a: { runId: ref.runId, variantLabel: ref.variantLabel },
          b: { runId: col.runId, variantLabel: col.variantLabel },
          aLabel: ref.label,
          bLabel: col.label,
        });
    } else {
      for (const l of refLabels)
        if (colLabels.has(l))
          out.push({
            a: { runId: ref.runId, variantLabel: l },
            b: { runId: col.runId, variantLabel: l },
            aLabel: `${ref.label} · ${l}`,
            bLabel: `${col.label} · ${l}`,
          });
    }
  }
  return out;
}

function PairedTable({ a, b, aLabel, bLabel }: Pair) {
  const [q] = useQueries({ queries: [evalCompareOptions(a, b)] });
  return (
    <section data-testid="eval-paired" style={{ marginBottom: '1rem' }}>
      <h3>
        {bLabel} <span className="muted small">vs reference</span> {aLabel}
      </h3>
      {q?.error ? <ErrorState error={q.error} title="The paired comparison failed" /> : null}
      {q?.data ? <PairedBody c={q.data} /> : q?.isPending ? <p className="muted">Comparing…</p> : null}
    </section>
  );
}

function PairedBody({ c }: { c: EvalComparison }) {
  const mismatched = c.tasks.filter((t) => t.versionHashMismatch);
  return (
    <>
      {mismatched.length ? (
        <div className="error-box" role="alert" data-testid="version-mismatch">
          <p className="error-title">Scored with different task versions</p>
          <p>
            {mismatched.map((t) => t.taskId).join(', ')}: the two sides ran with a different template,
            extraction or metric configuration (version hash {mismatched[0]!.versionHashes.a.slice(0, 10)} vs{' '}
            {mismatched[0]!.versionHashes.b.slice(0, 10)}
            {mismatched.length > 1 ? ', …' : ''}), so a difference may come from the config rather than the
            model.
          </p>
        </div>
      ) : null}
      {c.unmatchedTasks.length ? (
        <p className="small muted">On one side only (not compared): {c.unmatchedTasks.join(', ')}</p>
      ) : null}
      <div className="table-wrap">
        <table data-testid="eval-paired-table">
          <thead>
            <tr>
              <th>Task</th>
              <th className="num">Paired items</th>
              <th className="num">Reference</th>
              <th className="num">Candidate</th>
              <th>Difference, 95 % paired interval</th>
              <th className="num">McNemar p</th>
              <th>Verdict</th>
              <th className="num">Flips (↓ / ↑)</th>
              <th
                className="num"
                title="items a McNemar test needs to detect a drop of 2 / 5 points (α 0.05, power 0.8)"
              >
                Items for a 2 / 5 pt drop
              </th>
            </tr>
          </thead>
          <tbody>
            {c.tasks.map((t) => (
              <tr key={t.taskId} data-task={t.taskId} data-significant={t.significant}>
                <td className="mono">
                  {t.taskId}
                  {t.versionHashMismatch ? (
                    <span title="different task version on the two sides" style={{ color: 'var(--warn)' }}>
                      {' '}
                      ⚠
                    </span>
                  ) : null}
                </td>
                <td className="num">
                  {formatInt(t.n)}
                  {t.unmatched ? <div className="small muted">{t.unmatched} unmatched</div> : null}
                </td>
                <td className="num">{formatPct(t.baselineAccuracy)}</td>
                <td className="num">{formatPct(t.candidateAccuracy)}</td>
                <td>
                  <DeltaIntervalBar
                    delta={t.difference}
                    lower={t.interval.lo}
                    upper={t.interval.hi}
                    significant={t.significant}
                  />{' '}
                  <span className={t.significant ? undefined : 'muted'}>
                    {pts(t.difference)}{' '}
                    <span className="small">
                      [{pts(t.interval.lo)}, {pts(t.interval.hi)}]
                    </span>
                  </span>
                </td>
                <td className="num">
                  {t.mcnemar.method === 'none' ? '—' : formatP(t.mcnemar.p)}
                  <div className="small muted">
                    {t.mcnemar.method === 'chi2_cc' ? 'χ², cc' : t.mcnemar.method}
                  </div>
                </td>
                <td data-testid="eval-verdict">
                  {t.significant ? (
                    <span className={t.difference < 0 ? styles.significantWorse : styles.significantBetter}>
                      {t.difference < 0 ? 'worse' : 'better'} (p &lt; {c.alpha})
                    </span>
                  ) : (
                    <span className={styles.notSignificant}>not significant</span>
                  )}
                </td>
                <td className="num">
                  {t.mcnemar.discordant.rightToWrong} / {t.mcnemar.discordant.wrongToRight}
                </td>
                <td className="num">
                  {formatInt(t.itemsNeededForDrop.twoPoints)} / {formatInt(t.itemsNeededForDrop.fivePoints)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="small muted">
        Items are paired by id; a difference is called only when McNemar’s test on the discordant pairs gives
        p &lt; {c.alpha}. Otherwise the delta is grey, whatever its size.
      </p>
    </>
  );
}

function formatP(p: number): string {
  if (p < 0.001) return '< 0.001';
  return p.toFixed(p < 0.01 ? 4 : 3);
}

interface AccPoint {
  x: number;
  y: number;
  label: string;
  level: string | null;
  sloApplied: boolean;
}

/** What the Pareto chart plots on its y axis. */
type AccuracyAxis = 'suite:meanOfTasks' | 'suite:itemWeighted' | `task:${string}`;

/**
 * Accuracy against throughput at the SLO, one point per variant (compare column × variant): the points on the
 * dashed front are the choices no other variant beats on both. Variants missing either figure are named below.
 */
function AccuracyPareto({
  result,
  evalsByRun,
}: {
  result: CompareResult;
  evalsByRun: Map<string, RunEvals>;
}) {
  const taskIds = [
    ...new Set(
      [...evalsByRun.values()].flatMap((e) => e.variants.flatMap((v) => v.tasks.map((t) => t.taskId))),
    ),
  ];
  const [axis, setAxis] = useState<AccuracyAxis>('suite:meanOfTasks');
  const options: { id: AccuracyAxis; label: string }[] = [
    { id: 'suite:meanOfTasks', label: 'Suite score (mean of tasks)' },
    { id: 'suite:itemWeighted', label: 'Suite score (item-weighted)' },
    ...taskIds.map((t) => ({ id: `task:${t}` as const, label: `Task ${t}` })),
  ];
  const axisLabel = options.find((o) => o.id === axis)?.label ?? axis;
  const tps = throughputAtSlo(result);
  const points: AccPoint[][] = [];
  const missing: string[] = [];
  tps.forEach((tp) => {
    const col = result.columns[tp.columnIndex]!;
    const label = result.mode === 'variants' ? col.label : `${col.label} · ${tp.variantLabel}`;
    const v = evalsByRun.get(tp.runId)?.variants.find((x) => x.variantLabel === tp.variantLabel);
    let y: number | null = null;
    if (v) {
      if (axis === 'suite:meanOfTasks') y = v.suite?.meanOfTasks ?? null;
      else if (axis === 'suite:itemWeighted') y = v.suite?.itemWeighted ?? null;
      else {
        const t = v.tasks.find((x) => x.taskId === axis.slice('task:'.length) && x.status === 'completed');
        y = t ? t.score : null;
      }
    }
    if (y === null) missing.push(`${label}: no ${v ? axisLabel.toLowerCase() : 'eval results'}`);
    else if (tp.throughput === null) missing.push(`${label}: no load point meets the SLO`);
    else {
      (points[tp.columnIndex] ??= []).push({
        x: tp.throughput,
        y,
        label,
        level: tp.levelLabel,
        sloApplied: tp.sloApplied,
      });
    }
  });
  const all = points.flat();
  const front = paretoFrontMax(all);
  const sloText = tps.some((t) => t.sloApplied)
    ? 'output throughput at the SLO (tok/s)'
    : 'best output throughput, no SLO set (tok/s)';
  return (
    <>
      <ChartFrame
        data-testid="accuracy-pareto-chart"
        data-points={String(all.length)}
        title="Accuracy vs throughput at the SLO — Pareto front dashed"
        controls={<ChartSelect label="Accuracy figure" value={axis} options={options} onChange={setAxis} />}
        placeholder={
          all.length ? undefined : 'No variant has both an accuracy and a throughput at the SLO yet.'
        }
        height={320}
      >
        <ScatterChart margin={CHART_MARGIN}>
          <CartesianGrid {...CHART_GRID} />
          <XAxis type="number" dataKey="x" tickFormatter={formatTick} label={xAxisLabel(sloText)} />
          <YAxis
            type="number"
            dataKey="y"
            domain={[0, 1]}
            tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
            label={yAxisLabel(axisLabel)}
          />
          <Tooltip
            content={({ active, payload }) => {
              const d = payload?.[0]?.payload as AccPoint | undefined;
              if (!active || !d) return null;
              return (
                <ChartTooltipCard>
                  <strong>{d.label}</strong>
                  <div>
                    {formatRate(d.x)} tok/s{d.level ? ` at ${d.level}` : ''}
                    {d.sloApplied ? ' (best point meeting the SLO)' : ''}
                  </div>
                  <div>
                    {axisLabel}: {formatPct(d.y)}
                  </div>
                </ChartTooltipCard>
              );
            }}
          />
          <Legend {...CHART_LEGEND} />
          {result.columns.map((c, i) =>
            points[i]?.length ? (
              <Scatter
                key={c.item}
                name={c.label}
                data={points[i]}
                fill={seriesColor(i)}
                isAnimationActive={false}
              />
            ) : null,
          )}
          <Scatter
            name="Pareto front"
            data={front}
            fill="none"
            line={{ stroke: '#212529', strokeDasharray: '4 3' }}
            shape={() => <g />}
            isAnimationActive={false}
            legendType="plainline"
          />
        </ScatterChart>
      </ChartFrame>
      {missing.length ? (
        <p className="small muted" data-testid="pareto-missing">
          Not plotted: {missing.join('; ')}.
        </p>
      ) : null}
    </>
  );
}

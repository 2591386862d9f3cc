'use client';
import type { HistoryPoint } from '@inferbench/contracts';
import { useQueries, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import {
  CHART_GRID,
  CHART_LEGEND,
  CHART_MARGIN,
  ChartFrame,
  ChartSelect,
  seriesColor,
  xAxisLabel,
  yAxisLabel,
} from '../../../components/chart-frame';
import { ErrorState } from '../../../components/states';
import { formatDateTime, formatTick } from '../../../lib/format';
import { runEvalsOptions } from '../../evals/queries';
import { historyOptions } from '../queries';

const FIGURES = [
  { id: 'ttftP50Ms', label: 'TTFT p50', unit: 'ms', lowerIsBetter: true },
  { id: 'ttftP99Ms', label: 'TTFT p99', unit: 'ms', lowerIsBetter: true },
  { id: 'tpotP50Ms', label: 'TPOT p50', unit: 'ms', lowerIsBetter: true },
  { id: 'tpotP99Ms', label: 'TPOT p99', unit: 'ms', lowerIsBetter: true },
  { id: 'outputTokenThroughput', label: 'Output throughput', unit: 'tok/s', lowerIsBetter: false },
  { id: 'goodput', label: 'Goodput', unit: 'req/s', lowerIsBetter: false },
] as const satisfies readonly {
  id: keyof HistoryPoint;
  label: string;
  unit: string;
  lowerIsBetter: boolean;
}[];

/** Accuracy figures of the history: a suite score or one task's score, one line per variant. */
type EvalFigureId = 'eval:suite' | `eval:task:${string}`;
type FigureId = (typeof FIGURES)[number]['id'] | EvalFigureId;

/**
 * An experiment's runs over time, one line per variant × level: a regression is a line going the wrong way. With
 * `evals`, the figure picker also offers the suite score and every task's score (one line per variant).
 */
export function HistoryChart({ experimentId, evals = false }: { experimentId: string; evals?: boolean }) {
  const [figId, setFigId] = useState<FigureId>('ttftP99Ms');
  const { data, error } = useQuery(historyOptions(experimentId));
  const evalRuns = evals ? (data?.runs ?? []) : [];
  const evalQueries = useQueries({ queries: evalRuns.map((r) => runEvalsOptions(r.runId)) });
  if (error) return <ErrorState error={error} title="The history could not be loaded" />;
  if (!data) return <p className="muted">Loading history…</p>;
  const evalsOfRun = new Map(evalRuns.map((r, i) => [r.runId, evalQueries[i]?.data]));
  const taskIds = [
    ...new Set(
      [...evalsOfRun.values()].flatMap((e) => e?.variants.flatMap((v) => v.tasks.map((t) => t.taskId)) ?? []),
    ),
  ];
  const evalFigures = evals
    ? [
        { id: 'eval:suite' as const, label: 'Suite score (mean of tasks)', unit: '%', lowerIsBetter: false },
        ...taskIds.map((t) => ({
          id: `eval:task:${t}` as const,
          label: `Task ${t} score`,
          unit: '%',
          lowerIsBetter: false,
        })),
      ]
    : [];
  const options: { id: FigureId; label: string; unit: string; lowerIsBetter: boolean }[] = [
    ...FIGURES,
    ...evalFigures,
  ];
  const fig = options.find((f) => f.id === figId) ?? FIGURES[0];
  const isEval = fig.id.startsWith('eval:');
  let runs = data.runs.filter((r) => r.points.length);
  let keys: string[];
  let rows: Record<string, number | string | null>[];
  if (isEval) {
    // one line per variant: the suite score, or the task's score where the task completed
    const taskId = fig.id.startsWith('eval:task:') ? fig.id.slice('eval:task:'.length) : null;
    const scoreOf = (runId: string) =>
      (evalsOfRun.get(runId)?.variants ?? []).flatMap((v) => {
        const t = taskId ? v.tasks.find((x) => x.taskId === taskId && x.status === 'completed') : undefined;
        const y = taskId ? (t ? t.score * 100 : null) : v.suite ? v.suite.meanOfTasks * 100 : null;
        return y === null ? [] : [{ key: v.variantLabel, y }];
      });
    runs = data.runs.filter((r) => scoreOf(r.runId).length);
    keys = [...new Set(runs.flatMap((r) => scoreOf(r.runId).map((p) => p.key)))];
    rows = runs.map((r) => {
      const row: Record<string, number | string | null> = { t: Date.parse(r.createdAt), runId: r.runId };
      for (const p of scoreOf(r.runId)) row[p.key] = p.y;
      return row;
    });
  } else {
    keys = [...new Set(runs.flatMap((r) => r.points.map((p) => p.key)))];
    rows = runs.map((r) => {
      const row: Record<string, number | string | null> = { t: Date.parse(r.createdAt), runId: r.runId };
      for (const p of r.points) row[p.key] = p[fig.id as (typeof FIGURES)[number]['id']];
      return row;
    });
  }
  const picker = <ChartSelect label="History figure" value={fig.id} options={options} onChange={setFigId} />;
  if (runs.length < 1)
    return isEval ? (
      <ChartFrame
        data-testid="history-chart"
        title="History"
        controls={picker}
        placeholder="No run has finished this eval yet."
        height={280}
      />
    ) : (
      <>
        {evals ? <div className="toolbar">{picker}</div> : null}
        <p className="muted">The history appears once a run has completed load points.</p>
      </>
    );
  const baseline = runs.find((r) => r.isBaseline);
  return (
    <ChartFrame
      data-testid="history-chart"
      title={`History (${fig.lowerIsBetter ? 'lower' : 'higher'} is better)`}
      data-figure={fig.id}
      controls={picker}
      height={280}
    >
      <LineChart data={rows} margin={CHART_MARGIN}>
        <CartesianGrid {...CHART_GRID} />
        <XAxis
          dataKey="t"
          type="number"
          scale="time"
          domain={['dataMin', 'dataMax']}
          tickFormatter={(v: number) =>
            new Date(v).toLocaleDateString('en-US', {
              month: 'short',
              day: 'numeric',
              hour: '2-digit',
              minute: '2-digit',
            })
          }
          label={xAxisLabel('run started')}
        />
        <YAxis tickFormatter={formatTick} label={yAxisLabel(`${fig.label} (${fig.unit})`)} />
        <Tooltip
          labelFormatter={(v) => `run of ${formatDateTime(new Date(Number(v)).toISOString())}`}
          formatter={(v) => `${formatTick(Number(v))} ${fig.unit}`}
        />
        <Legend {...CHART_LEGEND} />
        {baseline ? (
          <ReferenceLine
            x={Date.parse(baseline.createdAt)}
            stroke="#2b8a3e"
            strokeDasharray="4 3"
            label={{ value: 'baseline', position: 'insideTopLeft', fontSize: 12 }}
          />
        ) : null}
        {keys.map((k, i) => (
          <Line key={k} dataKey={k} name={k} stroke={seriesColor(i)} connectNulls isAnimationActive={false} />
        ))}
      </LineChart>
    </ChartFrame>
  );
}

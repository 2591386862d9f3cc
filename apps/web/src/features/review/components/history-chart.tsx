'use client';
import type { HistoryPoint } from '@inferbench/contracts';
import { useQuery } from '@tanstack/react-query';
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

/** An experiment's runs over time, one line per variant × level: a regression is a line going the wrong way. */
export function HistoryChart({ experimentId }: { experimentId: string }) {
  const [figId, setFigId] = useState<(typeof FIGURES)[number]['id']>('ttftP99Ms');
  const fig = FIGURES.find((f) => f.id === figId) ?? FIGURES[0];
  const { data, error } = useQuery(historyOptions(experimentId));
  if (error) return <ErrorState error={error} title="The history could not be loaded" />;
  if (!data) return <p className="muted">Loading history…</p>;
  const runs = data.runs.filter((r) => r.points.length);
  if (runs.length < 1)
    return <p className="muted">The history appears once a run has completed load points.</p>;
  const keys = [...new Set(runs.flatMap((r) => r.points.map((p) => p.key)))];
  const rows = runs.map((r) => {
    const row: Record<string, number | string | null> = { t: Date.parse(r.createdAt), runId: r.runId };
    for (const p of r.points) row[p.key] = p[fig.id];
    return row;
  });
  const baseline = runs.find((r) => r.isBaseline);
  return (
    <ChartFrame
      data-testid="history-chart"
      title={`History (${fig.lowerIsBetter ? 'lower' : 'higher'} is better)`}
      controls={<ChartSelect label="History figure" value={figId} options={FIGURES} onChange={setFigId} />}
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

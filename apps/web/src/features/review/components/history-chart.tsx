'use client';
import type { HistoryPoint } from '@inferbench/contracts';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { ErrorState } from '../../../components/states';
import { formatDateTime, formatTick } from '../../../lib/format';
import { historyOptions } from '../queries';

const PALETTE = ['#2f5bd3', '#d9480f', '#2b8a3e', '#862e9c', '#c2255c', '#1098ad', '#e67700', '#495057'];

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
    <div className="chart" data-testid="history-chart">
      <div className="toolbar" style={{ margin: '0 0.5rem 0.4rem' }}>
        <span className="chart-title" style={{ margin: 0 }}>
          History ({fig.lowerIsBetter ? 'lower' : 'higher'} is better)
        </span>
        <select
          aria-label="History figure"
          value={figId}
          onChange={(e) => setFigId(e.target.value as typeof figId)}
        >
          {FIGURES.map((f) => (
            <option key={f.id} value={f.id}>
              {f.label}
            </option>
          ))}
        </select>
      </div>
      <ResponsiveContainer width="100%" height={280}>
        <LineChart data={rows} margin={{ top: 8, right: 24, bottom: 28, left: 16 }}>
          <CartesianGrid strokeDasharray="3 3" />
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
            label={{ value: 'run started', position: 'insideBottom', offset: -16 }}
          />
          <YAxis
            tickFormatter={formatTick}
            label={{
              value: `${fig.label} (${fig.unit})`,
              angle: -90,
              position: 'insideLeft',
              style: { textAnchor: 'middle' },
            }}
          />
          <Tooltip
            labelFormatter={(v) => `run of ${formatDateTime(new Date(Number(v)).toISOString())}`}
            formatter={(v) => `${formatTick(Number(v))} ${fig.unit}`}
          />
          <Legend verticalAlign="top" height={28} />
          {baseline ? (
            <ReferenceLine
              x={Date.parse(baseline.createdAt)}
              stroke="#2b8a3e"
              strokeDasharray="4 3"
              label={{ value: 'baseline', position: 'insideTopLeft', fontSize: 12 }}
            />
          ) : null}
          {keys.map((k, i) => (
            <Line
              key={k}
              dataKey={k}
              name={k}
              stroke={PALETTE[i % PALETTE.length]}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

'use client';
import type { CompareResult, DistributionFigure } from '@inferbench/contracts';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatMs, formatRate, formatTick } from '../../../lib/format';
import { FIGURE_LABELS } from '../../runs/components/distribution-chart';
import { paretoFront } from '../selection';

export const PALETTE = [
  '#2f5bd3',
  '#d9480f',
  '#2b8a3e',
  '#862e9c',
  '#c2255c',
  '#1098ad',
  '#e67700',
  '#495057',
  '#5c940d',
  '#a61e4d',
  '#364fc7',
  '#087f5b',
];

/** Overlaid CDFs of one figure in one row, one line per column (CDF points come from stored histograms). */
export function OverlaidCdfChart({
  result,
  rowKey,
  figure,
}: {
  result: CompareResult;
  rowKey: string;
  figure: DistributionFigure;
}) {
  const row = result.rows.find((r) => r.key === rowKey);
  const series = result.columns.map((c, i) => ({
    name: c.label,
    data: row?.cells[i]?.figures[figure]?.cdf ?? [],
  }));
  if (!series.some((s) => s.data.length)) {
    return (
      <p className="muted">
        No stored distribution for {FIGURE_LABELS[figure]} at {rowKey}.
      </p>
    );
  }
  return (
    <div className="chart" data-testid="cdf-chart" data-figure={figure}>
      <p className="chart-title">
        {FIGURE_LABELS[figure]} CDF · {rowKey}
      </p>
      <ResponsiveContainer width="100%" height={280}>
        <LineChart margin={{ top: 8, right: 24, bottom: 28, left: 16 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="valueMs"
            type="number"
            domain={['dataMin', 'dataMax']}
            allowDuplicatedCategory={false}
            tickFormatter={formatTick}
            label={{ value: `${FIGURE_LABELS[figure]} (ms)`, position: 'insideBottom', offset: -16 }}
          />
          <YAxis
            domain={[0, 100]}
            label={{
              value: 'requests ≤ x (%)',
              angle: -90,
              position: 'insideLeft',
              style: { textAnchor: 'middle' },
            }}
          />
          <Tooltip
            formatter={(v) => `${Number(v).toFixed(1)} %`}
            labelFormatter={(v) => `${formatMs(Number(v))} ms`}
          />
          <Legend verticalAlign="top" height={28} />
          {series.map((s, i) => (
            <Line
              key={s.name}
              data={s.data}
              dataKey="pct"
              name={s.name}
              type="stepAfter"
              stroke={PALETTE[i % PALETTE.length]}
              dot={false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

interface ParetoPoint {
  x: number;
  y: number;
  level: string;
  series: string;
}

/**
 * Throughput against a latency percentile (the SLO's percentile) for every column and level, with the
 * Pareto front over all of them and the SLO bound as a line: the best trade-offs sit on the front below the line.
 */
export function ParetoChart({
  result,
  figure,
  stat,
}: {
  result: CompareResult;
  figure: DistributionFigure;
  stat: 'p50' | 'p90' | 'p95' | 'p99' | 'p999';
}) {
  const series = result.columns.map((c, i) => ({
    name: c.label,
    data: result.rows.flatMap((r): ParetoPoint[] => {
      const cell = r.cells[i];
      const y = cell?.figures[figure]?.stats[stat];
      // an aggregates-only imported point is plotted only when its file states both coordinates
      return cell && cell.outputTokenThroughput !== null && y !== undefined
        ? [{ x: cell.outputTokenThroughput, y, level: r.levelLabel, series: c.label }]
        : [];
    }),
  }));
  const all = series.flatMap((s) => s.data);
  const front = paretoFront(all);
  const slo = result.columns[0]?.slo?.[figure];
  if (!all.length) return <p className="muted">No finalized load points to plot yet.</p>;
  return (
    <div className="chart" data-testid="pareto-chart">
      <p className="chart-title">
        Output throughput vs {FIGURE_LABELS[figure]} {stat} — Pareto front dashed
      </p>
      <ResponsiveContainer width="100%" height={300}>
        <ScatterChart margin={{ top: 10, right: 24, bottom: 28, left: 16 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="x"
            tickFormatter={formatTick}
            label={{ value: 'output token throughput (tok/s)', position: 'insideBottom', offset: -16 }}
          />
          <YAxis
            type="number"
            dataKey="y"
            tickFormatter={formatTick}
            label={{
              value: `${FIGURE_LABELS[figure]} ${stat} (ms)`,
              angle: -90,
              position: 'insideLeft',
              style: { textAnchor: 'middle' },
            }}
          />
          <Tooltip
            content={({ active, payload }) => {
              const d = payload?.[0]?.payload as ParetoPoint | undefined;
              if (!active || !d) return null;
              return (
                <div className="panel small" style={{ padding: '0.4rem 0.6rem' }}>
                  <strong>{d.series}</strong> at {d.level}
                  <div>{formatRate(d.x)} tok/s</div>
                  <div>
                    {FIGURE_LABELS[figure]} {stat}: {formatMs(d.y)} ms
                  </div>
                </div>
              );
            }}
          />
          <Legend verticalAlign="top" height={28} />
          {slo !== undefined ? (
            <ReferenceLine
              y={slo}
              stroke="#c92a2a"
              strokeDasharray="6 4"
              ifOverflow="extendDomain"
              label={{ value: `SLO ${slo} ms`, position: 'insideTopRight', fill: '#c92a2a', fontSize: 12 }}
            />
          ) : null}
          {series.map((s, i) => (
            <Scatter
              key={s.name}
              name={s.name}
              data={s.data}
              fill={PALETTE[i % PALETTE.length]}
              isAnimationActive={false}
            />
          ))}
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
      </ResponsiveContainer>
    </div>
  );
}

'use client';
import type { CompareResult, DistributionFigure } from '@inferbench/contracts';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import {
  CHART_GRID,
  CHART_LEGEND,
  CHART_MARGIN,
  ChartFrame,
  ChartTooltipCard,
  seriesColor,
  sloLine,
  xAxisLabel,
  yAxisLabel,
} from '../../../components/chart-frame';
import { formatMs, formatRate, formatTick } from '../../../lib/format';
import { FIGURE_LABELS } from '../../runs/components/distribution-chart';
import { paretoFront } from '../selection';

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
    <ChartFrame
      data-testid="cdf-chart"
      data-figure={figure}
      title={`${FIGURE_LABELS[figure]} CDF · ${rowKey}`}
      height={280}
    >
      <LineChart margin={CHART_MARGIN}>
        <CartesianGrid {...CHART_GRID} />
        <XAxis
          dataKey="valueMs"
          type="number"
          domain={['dataMin', 'dataMax']}
          allowDuplicatedCategory={false}
          tickFormatter={formatTick}
          label={xAxisLabel(`${FIGURE_LABELS[figure]} (ms)`)}
        />
        <YAxis domain={[0, 100]} label={yAxisLabel('requests ≤ x (%)')} />
        <Tooltip
          formatter={(v) => `${Number(v).toFixed(1)} %`}
          labelFormatter={(v) => `${formatMs(Number(v))} ms`}
        />
        <Legend {...CHART_LEGEND} />
        {series.map((s, i) => (
          <Line
            key={s.name}
            data={s.data}
            dataKey="pct"
            name={s.name}
            type="stepAfter"
            stroke={seriesColor(i)}
            dot={false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ChartFrame>
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
    <ChartFrame
      data-testid="pareto-chart"
      title={`Output throughput vs ${FIGURE_LABELS[figure]} ${stat} — Pareto front dashed`}
      height={300}
    >
      <ScatterChart margin={CHART_MARGIN}>
        <CartesianGrid {...CHART_GRID} />
        <XAxis
          type="number"
          dataKey="x"
          tickFormatter={formatTick}
          label={xAxisLabel('output token throughput (tok/s)')}
        />
        <YAxis
          type="number"
          dataKey="y"
          tickFormatter={formatTick}
          label={yAxisLabel(`${FIGURE_LABELS[figure]} ${stat} (ms)`)}
        />
        <Tooltip
          content={({ active, payload }) => {
            const d = payload?.[0]?.payload as ParetoPoint | undefined;
            if (!active || !d) return null;
            return (
              <ChartTooltipCard>
                <strong>{d.series}</strong> at {d.level}
                <div>{formatRate(d.x)} tok/s</div>
                <div>
                  {FIGURE_LABELS[figure]} {stat}: {formatMs(d.y)} ms
                </div>
              </ChartTooltipCard>
            );
          }}
        />
        <Legend {...CHART_LEGEND} />
        {slo !== undefined ? <ReferenceLine {...sloLine(slo, `SLO ${slo} ms`)} /> : null}
        {series.map((s, i) => (
          <Scatter key={s.name} name={s.name} data={s.data} fill={seriesColor(i)} isAnimationActive={false} />
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
    </ChartFrame>
  );
}

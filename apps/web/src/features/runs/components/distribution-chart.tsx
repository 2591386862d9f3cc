'use client';
import { DISTRIBUTION_FIGURES, type DistributionFigure } from '@inferbench/contracts';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import {
  CHART_GRID,
  CHART_MARGIN,
  ChartFrame,
  ChartSelect,
  seriesColor,
  xAxisLabel,
  yAxisLabel,
} from '../../../components/chart-frame';
import { ErrorState } from '../../../components/states';
import { getApi } from '../../../lib/api';
import { formatMs, formatTick } from '../../../lib/format';

export const FIGURE_LABELS: Record<DistributionFigure, string> = {
  ttftMs: 'TTFT',
  tpotMs: 'TPOT',
  itlMs: 'ITL',
  e2eMs: 'E2E latency',
};

const FIGURE_OPTIONS = DISTRIBUTION_FIGURES.map((f) => ({ id: f, label: FIGURE_LABELS[f] }));

/** CDF of one figure of a finalized load point, read from the API's stored histogram (never raw samples). */
export function DistributionChart({ loadPointId }: { loadPointId: string }) {
  const [figure, setFigure] = useState<DistributionFigure>('ttftMs');
  const { data, error, isPending } = useQuery({
    queryKey: ['runs', 'distribution', loadPointId, figure],
    queryFn: () => getApi().getDistribution(loadPointId, figure, 100),
    staleTime: Number.POSITIVE_INFINITY,
  });
  return (
    <ChartFrame
      data-testid="distribution-chart"
      title="Distribution (CDF)"
      controls={
        <>
          <ChartSelect
            label="Distribution figure"
            value={figure}
            options={FIGURE_OPTIONS}
            onChange={setFigure}
          />
          {data ? <span className="small muted">{data.count.toLocaleString('en-US')} values</span> : null}
        </>
      }
      status={error ? <ErrorState error={error} title="The distribution could not be loaded" /> : null}
      placeholder={
        isPending
          ? 'Loading distribution…'
          : data && data.points.length === 0
            ? `No ${FIGURE_LABELS[figure]} values were recorded for this load point.`
            : undefined
      }
      height={240}
    >
      {data ? (
        <LineChart data={data.points} margin={CHART_MARGIN}>
          <CartesianGrid {...CHART_GRID} />
          <XAxis
            dataKey="valueMs"
            type="number"
            domain={['dataMin', 'dataMax']}
            tickFormatter={formatTick}
            label={xAxisLabel(`${FIGURE_LABELS[figure]} (ms)`)}
          />
          <YAxis domain={[0, 100]} tickFormatter={formatTick} label={yAxisLabel('requests ≤ x (%)')} />
          <Tooltip
            formatter={(v) => [`${Number(v).toFixed(2)} %`, 'percent ≤ x']}
            labelFormatter={(v) => `${formatMs(Number(v))} ms`}
          />
          <Line
            type="stepAfter"
            dataKey="pct"
            stroke={seriesColor(0)}
            dot={false}
            isAnimationActive={false}
            name={FIGURE_LABELS[figure]}
          />
        </LineChart>
      ) : null}
    </ChartFrame>
  );
}

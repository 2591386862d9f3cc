'use client';
import { DISTRIBUTION_FIGURES, type DistributionFigure } from '@inferbench/contracts';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ErrorState } from '../../../components/states';
import { getApi } from '../../../lib/api';
import { formatMs, formatTick } from '../../../lib/format';

export const FIGURE_LABELS: Record<DistributionFigure, string> = {
  ttftMs: 'TTFT',
  tpotMs: 'TPOT',
  itlMs: 'ITL',
  e2eMs: 'E2E latency',
};

/** CDF of one figure of a finalized load point, read from the API's stored histogram (never raw samples). */
export function DistributionChart({ loadPointId }: { loadPointId: string }) {
  const [figure, setFigure] = useState<DistributionFigure>('ttftMs');
  const { data, error, isPending } = useQuery({
    queryKey: ['runs', 'distribution', loadPointId, figure],
    queryFn: () => getApi().getDistribution(loadPointId, figure, 100),
    staleTime: Number.POSITIVE_INFINITY,
  });
  return (
    <div className="chart" data-testid="distribution-chart">
      <div className="toolbar" style={{ margin: '0 0.5rem 0.4rem' }}>
        <span className="chart-title" style={{ margin: 0 }}>
          Distribution (CDF)
        </span>
        <select
          aria-label="Distribution figure"
          value={figure}
          onChange={(e) => setFigure(e.target.value as DistributionFigure)}
        >
          {DISTRIBUTION_FIGURES.map((f) => (
            <option key={f} value={f}>
              {FIGURE_LABELS[f]}
            </option>
          ))}
        </select>
        {data ? <span className="small muted">{data.count.toLocaleString('en-US')} values</span> : null}
      </div>
      {error ? <ErrorState error={error} title="The distribution could not be loaded" /> : null}
      {isPending ? (
        <p className="muted" style={{ padding: '1rem' }}>
          Loading distribution…
        </p>
      ) : null}
      {data && data.points.length === 0 ? (
        <p className="muted" style={{ padding: '1rem' }}>
          No {FIGURE_LABELS[figure]} values were recorded for this load point.
        </p>
      ) : null}
      {data && data.points.length > 0 ? (
        <ResponsiveContainer width="100%" height={240}>
          <LineChart data={data.points} margin={{ top: 8, right: 24, bottom: 28, left: 16 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="valueMs"
              type="number"
              domain={['dataMin', 'dataMax']}
              tickFormatter={formatTick}
              label={{ value: `${FIGURE_LABELS[figure]} (ms)`, position: 'insideBottom', offset: -16 }}
            />
            <YAxis
              domain={[0, 100]}
              tickFormatter={formatTick}
              label={{
                value: 'requests ≤ x (%)',
                angle: -90,
                position: 'insideLeft',
                style: { textAnchor: 'middle' },
              }}
            />
            <Tooltip
              formatter={(v) => [`${Number(v).toFixed(2)} %`, 'percent ≤ x']}
              labelFormatter={(v) => `${formatMs(Number(v))} ms`}
            />
            <Line
              type="stepAfter"
              dataKey="pct"
              stroke="#2f5bd3"
              dot={false}
              isAnimationActive={false}
              name={FIGURE_LABELS[figure]}
            />
          </LineChart>
        </ResponsiveContainer>
      ) : null}
    </div>
  );
}

'use client';
import type { LoadPoint, TimeSeriesPoint } from '@inferbench/contracts';
import { useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  ReferenceLine,
  LineChart,
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
  ChartSelect,
  ChartTooltipCard,
  seriesColor,
  sloLine,
  xAxisLabel,
  yAxisLabel,
} from '../../../components/chart-frame';
import { formatMs, formatRate, formatTick } from '../../../lib/format';

const LATENCY_CHOICES = [
  { id: 'ttft-p50', label: 'TTFT p50', key: 'ttftMs', stat: 'p50' },
  { id: 'ttft-p99', label: 'TTFT p99', key: 'ttftMs', stat: 'p99' },
  { id: 'tpot-p50', label: 'TPOT p50', key: 'tpotMs', stat: 'p50' },
  { id: 'tpot-p99', label: 'TPOT p99', key: 'tpotMs', stat: 'p99' },
  { id: 'itl-p99', label: 'ITL p99', key: 'itlMs', stat: 'p99' },
  { id: 'e2e-p99', label: 'E2E p99', key: 'e2eMs', stat: 'p99' },
] as const;

const THROUGHPUT_CHOICES = [
  {
    id: 'tok',
    label: 'Output token throughput',
    unit: 'tok/s',
    read: (p: LoadPoint) => p.summary?.outputTokenThroughput,
  },
  {
    id: 'req',
    label: 'Request throughput',
    unit: 'req/s',
    read: (p: LoadPoint) => p.summary?.requestThroughput,
  },
] as const;

interface CurvePoint {
  x: number;
  y: number;
  level: string;
}

/**
 * Latency against throughput across the levels of a sweep, one curve per variant: the classic serving
 * trade-off plot. Only completed points with a summary are drawn.
 */
export function LatencyThroughputChart({
  points,
  slo,
}: {
  points: LoadPoint[];
  /** SLO bounds (ms); the bound of the chosen figure is drawn as a horizontal line */
  slo?: { ttftMs?: number; tpotMs?: number; itlMs?: number; e2eMs?: number } | undefined;
}) {
  const [latId, setLatId] = useState<(typeof LATENCY_CHOICES)[number]['id']>('ttft-p99');
  const [tpId, setTpId] = useState<(typeof THROUGHPUT_CHOICES)[number]['id']>('tok');
  const lat = LATENCY_CHOICES.find((c) => c.id === latId) ?? LATENCY_CHOICES[0];
  const tp = THROUGHPUT_CHOICES.find((c) => c.id === tpId) ?? THROUGHPUT_CHOICES[0];

  const byVariant = new Map<string, CurvePoint[]>();
  for (const p of [...points].sort((a, b) => a.ordinal - b.ordinal)) {
    const stats = p.summary?.latency[lat.key];
    const x = tp.read(p);
    if (!stats || !stats.count || x === undefined) continue;
    const curve = byVariant.get(p.variantLabel) ?? [];
    curve.push({ x, y: stats[lat.stat], level: p.levelLabel });
    byVariant.set(p.variantLabel, curve);
  }
  for (const curve of byVariant.values()) curve.sort((a, b) => a.x - b.x);

  const sloMs = slo?.[lat.key];

  return (
    <ChartFrame
      title="Latency vs throughput"
      controls={
        <>
          <ChartSelect label="Latency figure" value={latId} options={LATENCY_CHOICES} onChange={setLatId} />
          <ChartSelect
            label="Throughput figure"
            value={tpId}
            options={THROUGHPUT_CHOICES}
            onChange={setTpId}
          />
        </>
      }
      placeholder={byVariant.size === 0 ? 'The chart appears once load points complete.' : undefined}
      height={320}
    >
      <ScatterChart margin={CHART_MARGIN}>
        <CartesianGrid {...CHART_GRID} />
        <XAxis
          type="number"
          dataKey="x"
          name={tp.label}
          tickFormatter={formatTick}
          label={xAxisLabel(`${tp.label} (${tp.unit})`)}
        />
        <YAxis
          type="number"
          dataKey="y"
          name={lat.label}
          tickFormatter={formatTick}
          label={yAxisLabel(`${lat.label} (ms)`)}
        />
        <Tooltip
          cursor={{ strokeDasharray: '3 3' }}
          content={({ active, payload }) => {
            const item = payload?.[0];
            if (!active || !item) return null;
            const d = item.payload as CurvePoint;
            return (
              <ChartTooltipCard>
                <strong>{String(item.name ?? '')}</strong> at {d.level}
                <div>
                  {tp.label}: {formatRate(d.x)} {tp.unit}
                </div>
                <div>
                  {lat.label}: {formatMs(d.y)} ms
                </div>
              </ChartTooltipCard>
            );
          }}
        />
        <Legend {...CHART_LEGEND} />
        {sloMs !== undefined ? (
          <ReferenceLine {...sloLine(sloMs, `SLO ${lat.key.replace('Ms', '').toUpperCase()} ${sloMs} ms`)} />
        ) : null}
        {[...byVariant.entries()].map(([label, data], i) => (
          <Scatter
            key={label}
            name={label}
            data={data}
            fill={seriesColor(i)}
            line
            shape="circle"
            isAnimationActive={false}
          />
        ))}
      </ScatterChart>
    </ChartFrame>
  );
}

/** TTFT and ITL per second of one load point (from `summary.timeSeries`), with completed requests/s. */
export function TimeSeriesChart({ series, title }: { series: TimeSeriesPoint[]; title: string }) {
  if (!series.length) return null;
  const hasItl = series.some((p) => p.itlP50Ms !== undefined);
  return (
    <ChartFrame title={title} height={260}>
      <LineChart data={series} margin={CHART_MARGIN}>
        <CartesianGrid {...CHART_GRID} />
        <XAxis
          dataKey="tSec"
          type="number"
          allowDecimals={false}
          domain={['dataMin', 'dataMax']}
          label={xAxisLabel('time since point start (s)')}
        />
        <YAxis yAxisId="ms" tickFormatter={formatTick} label={yAxisLabel('latency (ms)')} />
        <YAxis
          yAxisId="rps"
          orientation="right"
          allowDecimals={false}
          label={yAxisLabel('completed (req/s)', 'right')}
        />
        <Tooltip
          formatter={(value, name) => [
            typeof value === 'number'
              ? String(name).includes('completed')
                ? String(value)
                : `${formatMs(value)} ms`
              : String(value),
            String(name),
          ]}
          labelFormatter={(l) => `t = ${String(l)} s`}
        />
        <Legend {...CHART_LEGEND} />
        <Line
          yAxisId="ms"
          type="monotone"
          dataKey="ttftP50Ms"
          name="TTFT p50"
          stroke={seriesColor(0)}
          dot={false}
          isAnimationActive={false}
          connectNulls
        />
        <Line
          yAxisId="ms"
          type="monotone"
          dataKey="ttftP99Ms"
          name="TTFT p99"
          stroke={seriesColor(0)}
          strokeDasharray="5 3"
          dot={false}
          isAnimationActive={false}
          connectNulls
        />
        {hasItl ? (
          <Line
            yAxisId="ms"
            type="monotone"
            dataKey="itlP50Ms"
            name="ITL p50"
            stroke={seriesColor(1)}
            dot={false}
            isAnimationActive={false}
            connectNulls
          />
        ) : null}
        {hasItl ? (
          <Line
            yAxisId="ms"
            type="monotone"
            dataKey="itlP99Ms"
            name="ITL p99"
            stroke={seriesColor(1)}
            strokeDasharray="5 3"
            dot={false}
            isAnimationActive={false}
            connectNulls
          />
        ) : null}
        <Line
          yAxisId="rps"
          type="stepAfter"
          dataKey="completed"
          name="completed req/s"
          stroke={seriesColor(2)}
          dot={false}
          isAnimationActive={false}
        />
      </LineChart>
    </ChartFrame>
  );
}

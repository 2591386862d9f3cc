'use client';
import type { LoadPoint, TimeSeriesPoint } from '@inferbench/contracts';
import { useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  ReferenceLine,
  LineChart,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatMs, formatRate, formatTick } from '../../../lib/format';

const PALETTE = ['#2f5bd3', '#d9480f', '#2b8a3e', '#862e9c', '#c2255c', '#1098ad', '#e67700', '#495057'];

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

  return (
    <div className="chart">
      <div className="toolbar" style={{ margin: '0 0.5rem 0.4rem' }}>
        <span className="chart-title" style={{ margin: 0 }}>
          Latency vs throughput
        </span>
        <select
          aria-label="Latency figure"
          value={latId}
          onChange={(e) => setLatId(e.target.value as typeof latId)}
        >
          {LATENCY_CHOICES.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </select>
        <select
          aria-label="Throughput figure"
          value={tpId}
          onChange={(e) => setTpId(e.target.value as typeof tpId)}
        >
          {THROUGHPUT_CHOICES.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </select>
      </div>
      {byVariant.size === 0 ? (
        <p className="muted" style={{ padding: '1rem' }}>
          The chart appears once load points complete.
        </p>
      ) : (
        <ResponsiveContainer width="100%" height={320}>
          <ScatterChart margin={{ top: 10, right: 24, bottom: 28, left: 16 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              type="number"
              dataKey="x"
              name={tp.label}
              tickFormatter={formatTick}
              label={{ value: `${tp.label} (${tp.unit})`, position: 'insideBottom', offset: -16 }}
            />
            <YAxis
              type="number"
              dataKey="y"
              name={lat.label}
              tickFormatter={formatTick}
              label={{
                value: `${lat.label} (ms)`,
                angle: -90,
                position: 'insideLeft',
                style: { textAnchor: 'middle' },
              }}
            />
            <Tooltip
              cursor={{ strokeDasharray: '3 3' }}
              content={({ active, payload }) => {
                const item = payload?.[0];
                if (!active || !item) return null;
                const d = item.payload as CurvePoint;
                return (
                  <div className="panel small" style={{ padding: '0.4rem 0.6rem' }}>
                    <strong>{String(item.name ?? '')}</strong> at {d.level}
                    <div>
                      {tp.label}: {formatRate(d.x)} {tp.unit}
                    </div>
                    <div>
                      {lat.label}: {formatMs(d.y)} ms
                    </div>
                  </div>
                );
              }}
            />
            <Legend verticalAlign="top" height={28} />
            {slo?.[lat.key] !== undefined ? (
              <ReferenceLine
                y={slo[lat.key]}
                stroke="#c92a2a"
                strokeDasharray="6 4"
                ifOverflow="extendDomain"
                label={{
                  value: `SLO ${lat.key.replace('Ms', '').toUpperCase()} ${slo[lat.key]} ms`,
                  position: 'insideTopRight',
                  fill: '#c92a2a',
                  fontSize: 12,
                }}
              />
            ) : null}
            {[...byVariant.entries()].map(([label, data], i) => (
              <Scatter
                key={label}
                name={label}
                data={data}
                fill={PALETTE[i % PALETTE.length]}
                line
                shape="circle"
                isAnimationActive={false}
              />
            ))}
          </ScatterChart>
        </ResponsiveContainer>
      )}
    </div>
  );
}

/** TTFT and ITL per second of one load point (from `summary.timeSeries`), with completed requests/s. */
export function TimeSeriesChart({ series, title }: { series: TimeSeriesPoint[]; title: string }) {
  if (!series.length) return null;
  const hasItl = series.some((p) => p.itlP50Ms !== undefined);
  return (
    <div className="chart">
      <p className="chart-title">{title}</p>
      <ResponsiveContainer width="100%" height={260}>
        <LineChart data={series} margin={{ top: 8, right: 24, bottom: 28, left: 16 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="tSec"
            type="number"
            allowDecimals={false}
            domain={['dataMin', 'dataMax']}
            label={{ value: 'time since point start (s)', position: 'insideBottom', offset: -16 }}
          />
          <YAxis
            yAxisId="ms"
            tickFormatter={formatTick}
            label={{
              value: 'latency (ms)',
              angle: -90,
              position: 'insideLeft',
              style: { textAnchor: 'middle' },
            }}
          />
          <YAxis
            yAxisId="rps"
            orientation="right"
            allowDecimals={false}
            label={{
              value: 'completed (req/s)',
              angle: 90,
              position: 'insideRight',
              style: { textAnchor: 'middle' },
            }}
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
          <Legend verticalAlign="top" height={28} />
          <Line
            yAxisId="ms"
            type="monotone"
            dataKey="ttftP50Ms"
            name="TTFT p50"
            stroke={PALETTE[0]}
            dot={false}
            isAnimationActive={false}
            connectNulls
          />
          <Line
            yAxisId="ms"
            type="monotone"
            dataKey="ttftP99Ms"
            name="TTFT p99"
            stroke={PALETTE[0]}
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
              stroke={PALETTE[1]}
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
              stroke={PALETTE[1]}
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
            stroke={PALETTE[2]}
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

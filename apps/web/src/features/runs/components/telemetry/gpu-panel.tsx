'use client';
import type { GpuTelemetry } from '@inferbench/contracts';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { CHART_GRID, ChartFrame, seriesColor } from '../../../../components/chart-frame';
import { formatInt, formatRate, formatTick } from '../../../../lib/format';
import styles from './telemetry.module.css';

/** Small multiples in a panel grid: tighter than CHART_MARGIN, with a bare "s" for the time axis. */
const GPU_CHART_MARGIN = { top: 4, right: 16, bottom: 24, left: 8 } as const;

/** Rows keyed by time with one column per GPU, for one figure of the samples. */
function pivot(
  gpu: GpuTelemetry,
  read: (s: GpuTelemetry['gpus'][number]['series'][number]) => number | undefined,
) {
  const byT = new Map<number, Record<string, number>>();
  for (const g of gpu.gpus) {
    for (const s of g.series) {
      const v = read(s);
      if (v === undefined) continue;
      const row = byT.get(s.tSec) ?? { tSec: s.tSec };
      row[`gpu${g.index}`] = v;
      byT.set(s.tSec, row);
    }
  }
  return [...byT.values()].sort((a, b) => a.tSec! - b.tSec!);
}

function GpuChart({
  gpu,
  title,
  unit,
  read,
}: {
  gpu: GpuTelemetry;
  title: string;
  unit: string;
  read: Parameters<typeof pivot>[1];
}) {
  const data = pivot(gpu, read);
  if (data.length < 2) return null;
  return (
    <ChartFrame
      title={
        <>
          {title} <span className="unit">({unit})</span>
        </>
      }
      height={180}
    >
      <LineChart data={data} margin={GPU_CHART_MARGIN}>
        <CartesianGrid {...CHART_GRID} />
        <XAxis
          dataKey="tSec"
          type="number"
          domain={['dataMin', 'dataMax']}
          tickFormatter={formatTick}
          label={{ value: 's', position: 'insideBottomRight', offset: -6 }}
        />
        <YAxis tickFormatter={formatTick} />
        <Tooltip formatter={(v) => [typeof v === 'number' ? `${formatRate(v)} ${unit}` : String(v)]} />
        {gpu.gpus.length > 1 ? <Legend verticalAlign="top" height={22} /> : null}
        {gpu.gpus.map((g, i) => (
          <Line
            key={g.index}
            dataKey={`gpu${g.index}`}
            name={`GPU ${g.index}`}
            stroke={seriesColor(i)}
            dot={false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ChartFrame>
  );
}

/** GPU utilization, memory and power over the point, with energy and energy per output token. */
export function GpuPanel({ gpu }: { gpu: GpuTelemetry }) {
  const methodNote =
    gpu.energyMethod === 'trapezoid'
      ? 'integrated from power samples'
      : gpu.energyMethod === 'dcgm-counter'
        ? 'DCGM energy counter'
        : 'no power reading';
  return (
    <section className={styles.panel} data-testid="gpu-panel" aria-label="GPU telemetry">
      <p className={styles.panelTitle}>
        GPU{' '}
        <span className="small muted">
          ({gpu.source ?? 'unknown source'}, {gpu.samples} samples
          {gpu.sampleErrors ? `, ${gpu.sampleErrors} failed` : ''})
        </span>
      </p>
      <div className="kpis">
        <div className="kpi">
          <span className="kpi-label">Energy</span>
          <span className="kpi-value">
            {gpu.energyMethod === 'none' ? '—' : `${formatRate(gpu.energyJ)} J`}
          </span>
        </div>
        <div className="kpi">
          <span className="kpi-label">Energy per output token</span>
          <span className="kpi-value">
            {gpu.energyPerOutputTokenJ === undefined
              ? '—'
              : `${formatRate(gpu.energyPerOutputTokenJ)} J/token`}
          </span>
        </div>
        {gpu.gpus.map((g) => (
          <div className="kpi" key={g.index}>
            <span className="kpi-label">
              GPU {g.index} {g.name}
            </span>
            <span className="kpi-value small">
              {g.utilPctMean === undefined ? '—' : `${g.utilPctMean.toFixed(0)} %`} util ·{' '}
              {formatInt(g.memUsedMbMax)}
              {g.memTotalMb ? ` / ${formatInt(g.memTotalMb)}` : ''} MiB ·{' '}
              {g.powerWMean === undefined ? '—' : `${g.powerWMean.toFixed(0)} W`}
            </span>
          </div>
        ))}
      </div>
      <p className="small muted">Energy: {methodNote}.</p>
      <div className={styles.grid}>
        <GpuChart gpu={gpu} title="Utilization" unit="%" read={(s) => s.utilPct} />
        <GpuChart gpu={gpu} title="Memory used" unit="MiB" read={(s) => s.memUsedMb} />
        <GpuChart gpu={gpu} title="Power" unit="W" read={(s) => s.powerW} />
      </div>
    </section>
  );
}

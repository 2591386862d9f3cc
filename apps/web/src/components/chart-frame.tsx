'use client';
import type { ReactElement, ReactNode } from 'react';
import { ResponsiveContainer } from 'recharts';

/**
 * The one home of the dashboard's chart setup: the frame around a recharts chart (title or title + controls,
 * status line, placeholder instead of the chart, responsive sizing) and the props every chart shares (series
 * colours, margins, grid, legend, axis labels, SLO line). Each chart keeps only what is its own: data, axes'
 * keys and domains, tooltip text and series.
 */

/** Series colours in order: twelve, so a wide compare selection rarely repeats one. */
export const CHART_PALETTE = [
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
] as const;

/** The colour of the i-th series, wrapping around the palette. */
export function seriesColor(i: number): string {
  return CHART_PALETTE[i % CHART_PALETTE.length] ?? CHART_PALETTE[0];
}

/** SLO bounds are red dashed lines on every chart that shows one. */
export const SLO_COLOR = '#c92a2a';

/** Room for the bottom axis label (offset -16) and the rotated left one. */
export const CHART_MARGIN = { top: 8, right: 24, bottom: 28, left: 16 } as const;

/** `<CartesianGrid {...CHART_GRID} />` */
export const CHART_GRID = { strokeDasharray: '3 3' } as const;

/** `<Legend {...CHART_LEGEND} />`: above the plot, so it never hides the bottom axis label. */
export const CHART_LEGEND = { verticalAlign: 'top', height: 28 } as const;

/** Label under the X axis; needs CHART_MARGIN's bottom room. */
export function xAxisLabel(value: string) {
  return { value, position: 'insideBottom', offset: -16 } as const;
}

/** Rotated label along a Y axis, reading bottom-up on the left and top-down on the right. */
export function yAxisLabel(value: string, side: 'left' | 'right' = 'left') {
  return side === 'left'
    ? ({ value, angle: -90, position: 'insideLeft', style: { textAnchor: 'middle' } } as const)
    : ({ value, angle: 90, position: 'insideRight', style: { textAnchor: 'middle' } } as const);
}

/** `<ReferenceLine {...sloLine(bound, text)} />`: a horizontal SLO bound, the axis extended to show it. */
export function sloLine(y: number, text: string) {
  return {
    y,
    stroke: SLO_COLOR,
    strokeDasharray: '6 4',
    ifOverflow: 'extendDomain',
    label: { value: text, position: 'insideTopRight', fill: SLO_COLOR, fontSize: 12 },
  } as const;
}

/** A chart's figure picker, shown next to the title. */
export function ChartSelect<T extends string>({
  label,
  value,
  options,
  onChange,
}: {
  /** accessible name (there is no visible label) */
  label: string;
  value: T;
  options: readonly { id: T; label: string }[];
  onChange: (value: T) => void;
}) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value as T)}>
      {options.map((o) => (
        <option key={o.id} value={o.id}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

/** The box of a custom tooltip (`<Tooltip content={...} />`). */
export function ChartTooltipCard({ children }: { children: ReactNode }) {
  return (
    <div className="panel small" style={{ padding: '0.4rem 0.6rem' }}>
      {children}
    </div>
  );
}

/**
 * A chart card: the title (in a toolbar when there are `controls`), an optional `status` (e.g. an error),
 * then either the `placeholder` text (loading, no data yet) or the chart at full width and `height` px.
 * `data-*` attributes go on the card, where the browser tests find charts.
 */
export function ChartFrame({
  title,
  controls,
  status,
  placeholder,
  height,
  children,
  ...data
}: {
  title: ReactNode;
  controls?: ReactNode;
  status?: ReactNode;
  /** shown instead of the chart when set */
  placeholder?: ReactNode;
  height: number;
  /** one recharts chart (LineChart, ScatterChart…); nothing is drawn when absent */
  children?: ReactElement | null | false;
  [dataAttribute: `data-${string}`]: string | undefined;
}) {
  return (
    <div className="chart" {...data}>
      {controls ? (
        <div className="toolbar" style={{ margin: '0 0.5rem 0.4rem' }}>
          <span className="chart-title" style={{ margin: 0 }}>
            {title}
          </span>
          {controls}
        </div>
      ) : (
        <p className="chart-title">{title}</p>
      )}
      {status}
      {placeholder ? (
        <p className="muted" style={{ padding: '1rem' }}>
          {placeholder}
        </p>
      ) : children ? (
        <ResponsiveContainer width="100%" height={height}>
          {children}
        </ResponsiveContainer>
      ) : null}
    </div>
  );
}

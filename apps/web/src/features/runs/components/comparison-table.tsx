import type { LoadPoint } from '@inferbench/contracts';
import { formatDelta, formatMs, formatPct, formatRate } from '../../../lib/format';

/** A figure of the comparison table: how to read it from a summary and which direction is better. */
export interface CompareFigure {
  label: string;
  unit: string;
  read: (p: LoadPoint) => number | undefined;
  format: (v: number | undefined) => string;
  isHigherBetter: boolean;
}

const lat = (key: string, stat: 'p50' | 'p99' | 'mean') => (p: LoadPoint) => {
  const s = p.summary?.latency[key];
  return s && s.count > 0 ? s[stat] : undefined;
};

export const COMPARE_FIGURES: CompareFigure[] = [
  { label: 'TTFT p50', unit: 'ms', read: lat('ttftMs', 'p50'), format: formatMs, isHigherBetter: false },
  { label: 'TTFT p99', unit: 'ms', read: lat('ttftMs', 'p99'), format: formatMs, isHigherBetter: false },
  { label: 'TPOT p50', unit: 'ms', read: lat('tpotMs', 'p50'), format: formatMs, isHigherBetter: false },
  { label: 'TPOT p99', unit: 'ms', read: lat('tpotMs', 'p99'), format: formatMs, isHigherBetter: false },
  { label: 'ITL p99', unit: 'ms', read: lat('itlMs', 'p99'), format: formatMs, isHigherBetter: false },
  { label: 'E2E p99', unit: 'ms', read: lat('e2eMs', 'p99'), format: formatMs, isHigherBetter: false },
  {
    label: 'Requests',
    unit: 'req/s',
    read: (p) => p.summary?.requestThroughput,
    format: formatRate,
    isHigherBetter: true,
  },
  {
    label: 'Output tokens',
    unit: 'tok/s',
    read: (p) => p.summary?.outputTokenThroughput,
    format: formatRate,
    isHigherBetter: true,
  },
  {
    label: 'Goodput',
    unit: 'req/s',
    read: (p) => p.summary?.goodput,
    format: formatRate,
    isHigherBetter: true,
  },
  {
    label: 'Error rate',
    unit: '%',
    read: (p) => p.summary?.errorRate,
    format: formatPct,
    isHigherBetter: false,
  },
];

/** Class for a delta cell: green when b is better than a. Differences under 1% are left neutral. */
export function deltaClass(a: number | undefined, b: number | undefined, isHigherBetter: boolean): string {
  if (a === undefined || b === undefined || a === 0) return '';
  const rel = (b - a) / Math.abs(a);
  if (Math.abs(rel) < 0.01) return '';
  return rel > 0 === isHigherBetter ? 'delta-better' : 'delta-worse';
}

/**
 * Variants side by side at one load level, with each figure's change against the first (baseline) variant.
 * A point without a summary (not completed) shows dashes.
 */
export function VariantComparisonTable({ points }: { points: LoadPoint[] }) {
  const base = points[0];
  if (!base) return null;
  const figures = COMPARE_FIGURES.filter((f) => points.some((p) => f.read(p) !== undefined));
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Variant</th>
            {figures.map((f) => (
              <th key={f.label} className="num">
                {f.label} <span className="unit">({f.unit})</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {points.map((p, i) => (
            <tr key={p.id}>
              <td>
                <strong>{p.variantLabel}</strong>
                {i === 0 ? <div className="muted small">baseline</div> : null}
              </td>
              {figures.map((f) => {
                const a = f.read(base);
                const b = f.read(p);
                return (
                  <td key={f.label} className="num">
                    {f.format(b)}
                    {i > 0 && b !== undefined && formatDelta(a, b) !== '—' ? (
                      <div className={`small ${deltaClass(a, b, f.isHigherBetter)}`}>{formatDelta(a, b)}</div>
                    ) : null}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

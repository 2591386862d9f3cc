import type { CompareCell, CompareResult, DistributionFigure, SloSpec } from '@inferbench/contracts';
import { statKeyOfPercentile } from '../compare/selection';

/**
 * "Throughput at the SLO" of one variant: the highest output token throughput among its load points that meet
 * every SLO bound at the SLO's percentile (the figure a capacity plan buys). Read from the compare result's
 * stored aggregates, so it is exactly what the latency tables on the compare page show.
 */
export interface ThroughputAtSlo {
  /** the compare column (a run in run mode, a run's variant in variant mode) */
  columnIndex: number;
  runId: string;
  /** variant label: the column's in variant mode, the row's in run mode */
  variantLabel: string;
  /** tok/s of the best point meeting the SLO; null when no point meets it */
  throughput: number | null;
  /** the level of that point */
  levelLabel: string | null;
  /** points considered (finalized, with a throughput) and how many met the SLO */
  points: number;
  pointsMeeting: number;
  /** false when the column has no SLO: then `throughput` is the highest throughput at any level */
  sloApplied: boolean;
}

const SLO_FIGURES: { key: keyof SloSpec; figure: DistributionFigure }[] = [
  { key: 'ttftMs', figure: 'ttftMs' },
  { key: 'tpotMs', figure: 'tpotMs' },
  { key: 'itlMs', figure: 'itlMs' },
  { key: 'e2eMs', figure: 'e2eMs' },
];

/** Whether one cell meets every bound of `slo` at its percentile; a bound whose figure is missing fails. */
export function meetsSlo(figures: CompareCell['figures'], slo: SloSpec): boolean {
  const stat = statKeyOfPercentile(slo.percentile);
  return SLO_FIGURES.every(({ key, figure }) => {
    const bound = slo[key];
    if (bound === undefined || typeof bound !== 'number') return true;
    const v = figures[figure]?.stats[stat];
    return v !== undefined && v !== null && v <= bound;
  });
}

/** Throughput at the SLO of every (column × variant) of a compare result. */
export function throughputAtSlo(result: CompareResult): ThroughputAtSlo[] {
  const out = new Map<string, ThroughputAtSlo>();
  result.columns.forEach((col, ci) => {
    const slo = col.slo;
    const sloApplied =
      slo !== null && SLO_FIGURES.some(({ key }) => typeof slo[key] === 'number' && slo[key] !== undefined);
    for (const row of result.rows) {
      const cell = row.cells[ci];
      if (!cell || cell.outputTokenThroughput === null) continue;
      const variantLabel = col.variantLabel ?? row.variantLabel ?? col.label;
      const key = `${ci}\u0000${variantLabel}`;
      const entry = out.get(key) ?? {
        columnIndex: ci,
        runId: col.runId,
        variantLabel,
        throughput: null,
        levelLabel: null,
        points: 0,
        pointsMeeting: 0,
        sloApplied,
      };
      entry.points++;
      const ok = !sloApplied || meetsSlo(cell.figures, slo!);
      if (ok) {
        entry.pointsMeeting++;
        if (entry.throughput === null || cell.outputTokenThroughput > entry.throughput) {
          entry.throughput = cell.outputTokenThroughput;
          entry.levelLabel = row.levelLabel;
        }
      }
      out.set(key, entry);
    }
  });
  return [...out.values()];
}

/** Points not dominated by another (higher-or-equal x and y, one strictly): both axes are higher-is-better. */
export function paretoFrontMax<T extends { x: number; y: number }>(points: readonly T[]): T[] {
  const front = points.filter(
    (p) => !points.some((q) => q !== p && q.x >= p.x && q.y >= p.y && (q.x > p.x || q.y > p.y)),
  );
  return [...front].sort((a, b) => a.x - b.x);
}

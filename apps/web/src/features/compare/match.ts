import type { LoadPoint, Run } from '@inferbench/contracts';

/** Run ids from `?runs=a,b` (also accepts pasted run URLs); duplicates dropped, at most 4. */
export function parseRunIds(raw: string): string[] {
  const ids = raw
    .split(/[\s,]+/)
    .map((s) =>
      s
        .trim()
        .replace(/^.*\/runs\//, '')
        .replace(/[/?#].*$/, ''),
    )
    .filter(Boolean);
  return [...new Set(ids)].slice(0, 4);
}

/** One row of the comparison: the same variant label and level in every run (missing → undefined). */
export interface MatchedPoint {
  variantLabel: string;
  levelLabel: string;
  points: (LoadPoint | undefined)[];
}

/**
 * Pair load points across runs by (variant label, level label), in the first run's order, then any points only
 * later runs have. Labels, not ids, because each run has its own load point ids.
 */
export function matchLoadPoints(runs: Run[]): MatchedPoint[] {
  const keyOf = (p: LoadPoint) => `${p.variantLabel}\u0000${p.levelLabel}`;
  const order: string[] = [];
  const rows = new Map<string, MatchedPoint>();
  runs.forEach((run, i) => {
    for (const p of [...run.loadPoints].sort((a, b) => a.ordinal - b.ordinal)) {
      const k = keyOf(p);
      let row = rows.get(k);
      if (!row) {
        row = { variantLabel: p.variantLabel, levelLabel: p.levelLabel, points: runs.map(() => undefined) };
        rows.set(k, row);
        order.push(k);
      }
      row.points[i] = p;
    }
  });
  return order.map((k) => rows.get(k)!);
}

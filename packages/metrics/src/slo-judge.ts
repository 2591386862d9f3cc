import type { SloSpec } from '@inferbench/contracts';

/** The figures an SLO can bound, in the order checks are reported. */
export const SLO_FIGURES = ['ttftMs', 'tpotMs', 'itlMs', 'e2eMs'] as const;
export type SloFigure = (typeof SLO_FIGURES)[number];

/**
 * Anything that answers any percentile (0 < p ≤ 100) of a figure, in ms; undefined when no request had the
 * figure. {@link LoadPointAccumulator} (live, or decoded from a stored state) is one: it reads its histograms,
 * so a p97 SLO is judged at p97, not at the next reported percentile of a summary.
 */
export interface PercentileSource {
  percentile(figure: SloFigure, p: number): number | undefined;
}

/** One SLO bound judged at the SLO's percentile. */
export interface SloCheck {
  figure: SloFigure;
  boundMs: number;
  percentile: number;
  /** observed value at the percentile, ms; undefined when no request had this figure */
  observedMs: number | undefined;
  pass: boolean;
}

/** The verdict of a load point against an SLO: it passes when every bound that is set holds. */
export interface SloVerdict {
  pass: boolean;
  checks: SloCheck[];
}

/**
 * The one SLO judge: each bound that is set must hold for the SLO's percentile (default 99) of its figure
 * (ITL: pooled gaps), read exactly from `source`. A figure without data fails its bound. No SLO passes.
 */
export function judgeSlo(source: PercentileSource, slo: SloSpec | undefined): SloVerdict {
  const checks: SloCheck[] = [];
  if (!slo) return { pass: true, checks };
  const percentile = slo.percentile ?? 99;
  for (const figure of SLO_FIGURES) {
    const boundMs = slo[figure];
    if (boundMs === undefined) continue;
    const observedMs = source.percentile(figure, percentile);
    checks.push({
      figure,
      boundMs,
      percentile,
      observedMs,
      pass: observedMs !== undefined && observedMs <= boundMs,
    });
  }
  return { pass: checks.every((c) => c.pass), checks };
}

/** The broken bounds of a verdict in words, e.g. `ttftMs p90 123.4 > 80` or `e2eMs: no data`; empty when it passes. */
export function describeSloViolations(verdict: SloVerdict): string[] {
  return verdict.checks
    .filter((c) => !c.pass)
    .map((c) =>
      c.observedMs === undefined
        ? `${c.figure}: no data`
        : `${c.figure} p${c.percentile} ${c.observedMs.toFixed(1)} > ${c.boundMs}`,
    );
}

import type {
  HistoryPoint,
  HistoryRun,
  Experiment,
  ExperimentListItem,
  RunBrief,
  RunStatus,
  Variant,
} from '@inferbench/contracts';
import type { ExperimentRow, VariantRow } from './experiments.repository.js';
import type { HistoryRunRow, RunBriefRow } from './ports/experiment-run-reads.js';

export function toVariant(v: VariantRow): Variant {
  return {
    id: v.id,
    targetId: v.targetId,
    label: v.label,
    optimization: v.optimization,
    params: v.params,
  };
}

function toRunBrief(r: RunBriefRow): RunBrief {
  return {
    id: r.id,
    status: r.status as RunStatus,
    trigger: r.trigger,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

/**
 * Experiment row (JSON columns parsed by the repository) with its newest runs (newest first, read from runs through
 * `EXPERIMENT_RUN_READS`) → API response.
 */
export function toExperiment(row: ExperimentRow, recentRuns: readonly RunBriefRow[]): Experiment {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    tags: row.tags,
    workload: row.workload,
    loadPlan: row.loadPlan,
    slo: row.slo,
    evals: row.evals,
    variants: row.variants.map(toVariant),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    recentRuns: recentRuns.map(toRunBrief),
    baselineRunId: row.baselineRunId,
    archivedAt: row.archivedAt?.toISOString() ?? null,
    webhooks: row.webhooks.map((w) => ({ url: w.url, hasSecret: w.secretEnc !== null })),
  };
}

export function toExperimentListItem(
  row: ExperimentRow,
  recentRuns: readonly RunBriefRow[],
): ExperimentListItem {
  const {
    workload: _w,
    loadPlan: _l,
    slo: _s,
    evals: _e,
    webhooks: _h,
    ...rest
  } = toExperiment(row, recentRuns);
  return { ...rest, lastRun: rest.recentRuns[0] ?? null };
}

/** A run with its finalized points → history entry (key figures straight from the stored summaries). */
export function toHistoryRun(r: HistoryRunRow, baselineRunId: string | null): HistoryRun {
  const points: HistoryPoint[] = r.loadPoints.flatMap((p) => {
    const s = p.summary;
    // aggregates-only imported points hold only their file's figures (contracts imports.ts): not charted here
    if (!s || 'aggregatesOnly' in s) return [];
    const lat = (f: string, k: 'p50' | 'p99'): number | null => s.latency[f]?.[k] ?? null;
    return [
      {
        loadPointId: p.id,
        variantLabel: p.variantLabel,
        levelLabel: p.levelLabel,
        level: p.level,
        key: `${p.variantLabel} · ${p.levelLabel}`,
        ttftP50Ms: lat('ttftMs', 'p50'),
        ttftP99Ms: lat('ttftMs', 'p99'),
        tpotP50Ms: lat('tpotMs', 'p50'),
        tpotP99Ms: lat('tpotMs', 'p99'),
        outputTokenThroughput: s.outputTokenThroughput,
        requestThroughput: s.requestThroughput,
        goodput: s.goodput ?? null,
        errorRate: s.errorRate,
      },
    ];
  });
  return {
    runId: r.id,
    status: r.status as RunStatus,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    tags: r.tags,
    isBaseline: r.id === baselineRunId,
    points,
  };
}

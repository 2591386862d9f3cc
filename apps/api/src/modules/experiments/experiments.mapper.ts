import type {
  Experiment,
  ExperimentListItem,
  LoadPlanSpec,
  OptimizationDescriptor,
  RequestParams,
  RunBrief,
  RunStatus,
  SloSpec,
  Variant,
  WorkloadSpec,
} from '@inferbench/contracts';
import type { ExperimentRow, VariantRow } from './experiments.repository.js';

export function toVariant(v: VariantRow): Variant {
  return {
    id: v.id,
    targetId: v.targetId,
    label: v.label,
    optimization: v.optimization as OptimizationDescriptor,
    params: v.params as RequestParams,
  };
}

function toRunBrief(r: ExperimentRow['runs'][number]): RunBrief {
  return {
    id: r.id,
    status: r.status as RunStatus,
    trigger: r.trigger,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

/** Experiment row → API response (JSON columns were validated by the contracts on the way in). */
export function toExperiment(row: ExperimentRow): Experiment {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    tags: row.tags,
    workload: row.workload as WorkloadSpec,
    loadPlan: row.loadPlan as LoadPlanSpec,
    slo: (row.slo as SloSpec | null) ?? null,
    variants: row.variants.map(toVariant),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    recentRuns: row.runs.map(toRunBrief),
  };
}

export function toExperimentListItem(row: ExperimentRow): ExperimentListItem {
  const { workload: _w, loadPlan: _l, slo: _s, ...rest } = toExperiment(row);
  return { ...rest, lastRun: rest.recentRuns[0] ?? null };
}

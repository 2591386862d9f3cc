import {
  isTerminalPointStatus,
  type LoadPoint,
  type Run,
  type RunEvals,
  type RunListItem,
  type RunStatus,
  type RunTrigger,
  type StoredPointSummary,
} from '@inferbench/contracts';
import type { PointRow, RunListRow, RunRow, RunWithPointsRow } from './runs.repository.js';
import { toShardHealth } from './shard-health.js';

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

export function toLoadPoint(p: PointRow, spec: RunRow['spec']): LoadPoint {
  // the variant row may have been deleted since (variantId SetNull); the frozen spec still knows its id
  const variantId = p.variantId ?? spec.variants.find((v) => v.label === p.variantLabel)?.id ?? 'deleted';
  return {
    id: p.id,
    variantId,
    variantLabel: p.variantLabel,
    ordinal: p.ordinal,
    level: p.level,
    levelLabel: p.levelLabel,
    status: p.status as RunStatus,
    shards: p.shards,
    samplesStored: p.samplesStored,
    startedAt: iso(p.startedAt),
    finishedAt: iso(p.finishedAt),
    error: p.error,
    // an aggregates-only imported point's summary holds only its file's figures: it is served under `imported`
    summary: p.summary === null || isAggregatesOnly(p.summary) ? null : p.summary,
    ...toShardHealth(p.shardState, p.shardAttempts),
    telemetry: p.telemetry,
    imported: p.imported,
  };
}

/** The `aggregatesOnly` mark of an imported point's stored summary (contracts imports.ts). */
export function isAggregatesOnly(
  summary: StoredPointSummary,
): summary is Extract<StoredPointSummary, { aggregatesOnly: true }> {
  return 'aggregatesOnly' in summary;
}

/**
 * A run with its load points (eval work items are served under `evals`, not as load points) and its experiment's name
 * (read through ExperimentsService).
 */
export function toRun(r: RunWithPointsRow, experimentName: string, evals: RunEvals | null = null): Run {
  return {
    id: r.id,
    experimentId: r.experimentId,
    experimentName,
    status: r.status as RunStatus,
    trigger: r.trigger as RunTrigger,
    metadata: r.metadata,
    spec: r.spec,
    error: r.error,
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    loadPoints: r.loadPoints.filter((p) => p.kind !== 'eval').map((p) => toLoadPoint(p, r.spec)),
    evals,
    hints: r.hints,
    source: r.source,
    idempotencyKey: r.idempotencyKey,
    evaluation: r.evaluation,
  };
}

export function toRunListItem(r: RunListRow, experimentName: string): RunListItem {
  return {
    id: r.id,
    experimentId: r.experimentId,
    experimentName,
    status: r.status as RunStatus,
    trigger: r.trigger as RunTrigger,
    metadata: r.metadata,
    error: r.error,
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    loadPointCount: r.pointStatuses.length,
    loadPointsDone: r.pointStatuses.filter((s) => isTerminalPointStatus(s)).length,
    hints: r.hints,
    source: r.source,
  };
}

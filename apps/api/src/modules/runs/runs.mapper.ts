import {
  ImportedPointInfoSchema,
  ImportSourceSchema,
  isTerminalPointStatus,
  type LoadLevel,
  type LoadPoint,
  type LoadPointSummary,
  type Run,
  type RunListItem,
  type RunStatus,
  type RunTrigger,
} from '@inferbench/contracts';
import type { RunSpec } from './run-spec.js';
import { parseStoredHints, parseStoredTelemetry } from './run-telemetry.js';
import type { PointRow, RunListRow, RunWithPointsRow } from './runs.repository.js';
import { toShardHealth } from './shard-health.js';

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

function toMetadata(json: unknown): Record<string, string> {
  if (typeof json !== 'object' || json === null) return {};
  return Object.fromEntries(
    Object.entries(json).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

export function toLoadPoint(p: PointRow, spec: RunSpec): LoadPoint {
  // the variant row may have been deleted since (variantId SetNull); the frozen spec still knows its id
  const variantId = p.variantId ?? spec.variants.find((v) => v.label === p.variantLabel)?.id ?? 'deleted';
  return {
    id: p.id,
    variantId,
    variantLabel: p.variantLabel,
    ordinal: p.ordinal,
    level: p.level as LoadLevel,
    levelLabel: p.levelLabel,
    status: p.status as RunStatus,
    shards: p.shards,
    samplesStored: p.samplesStored,
    startedAt: iso(p.startedAt),
    finishedAt: iso(p.finishedAt),
    error: p.error,
    // an aggregates-only imported point's summary holds only its file's figures: it is served under `imported`
    summary: isAggregatesOnly(p.summary) ? null : ((p.summary as LoadPointSummary | null) ?? null),
    ...toShardHealth(p.shardState, p.shardAttempts),
    telemetry: parseStoredTelemetry(p.telemetry),
    imported: parseImported(p.imported),
  };
}

/** The `aggregatesOnly` mark of an imported point's stored summary (contracts imports.ts). */
export function isAggregatesOnly(summary: unknown): boolean {
  return typeof summary === 'object' && summary !== null && 'aggregatesOnly' in summary;
}

function parseImported(json: unknown): LoadPoint['imported'] {
  if (json === null || json === undefined) return null;
  const r = ImportedPointInfoSchema.safeParse(json);
  return r.success ? r.data : null;
}

function parseSource(json: unknown): Run['source'] {
  if (json === null || json === undefined) return null;
  const r = ImportSourceSchema.safeParse(json);
  return r.success ? r.data : null;
}

export function toRun(r: RunWithPointsRow): Run {
  const spec = r.spec as unknown as RunSpec;
  return {
    id: r.id,
    experimentId: r.experimentId,
    experimentName: r.experiment.name,
    status: r.status as RunStatus,
    trigger: r.trigger as RunTrigger,
    metadata: toMetadata(r.metadata),
    spec: spec as unknown as Record<string, unknown>,
    error: r.error,
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    loadPoints: r.loadPoints.map((p) => toLoadPoint(p, spec)),
    hints: parseStoredHints(r.hints),
    source: parseSource(r.source),
  };
}

export function toRunListItem(r: RunListRow): RunListItem {
  return {
    id: r.id,
    experimentId: r.experimentId,
    experimentName: r.experiment.name,
    status: r.status as RunStatus,
    trigger: r.trigger as RunTrigger,
    metadata: toMetadata(r.metadata),
    error: r.error,
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    loadPointCount: r.pointStatuses.length,
    loadPointsDone: r.pointStatuses.filter((s) => isTerminalPointStatus(s)).length,
    hints: parseStoredHints(r.hints),
    source: parseSource(r.source),
  };
}

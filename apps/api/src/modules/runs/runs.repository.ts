import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '@inferbench/db';
import {
  NON_TERMINAL_RUN_STATUSES,
  parseStoredOr,
  RunMetadataSchema,
  RunSpecSchema,
  ShardAttemptsSchema,
  ShardStatesSchema,
  StoredImportedPointSchema,
  StoredLoadLevelSchema,
  StoredPointSummarySchema,
  StoredRunHintsSchema,
  StoredRunSourceSchema,
  RunEvaluationSchema,
  type RunEvaluation,
  type BottleneckHint,
  type ImportedPointInfo,
  type ImportSource,
  type LoadLevel,
  type LoadPointSummary,
  type LoadPointTelemetry,
  type RunMetadata,
  type RunSpec,
  type RunStatus,
  type ShardState,
  type StoredPointSummary,
} from '@inferbench/contracts';
import { asJson } from '../../common/json.js';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';
import type { SqlTx } from '../../infra/sql/sql-tx.js';
import type { EvalPointRow } from '../evals/ports/eval-point-reads.js';
import type { HistoryRunRow, RunBriefRow } from '../experiments/ports/experiment-run-reads.js';
import { parseStoredTelemetry } from './run-telemetry.js';

const pointSelect = {
  id: true,
  runId: true,
  variantId: true,
  variantLabel: true,
  ordinal: true,
  level: true,
  levelLabel: true,
  status: true,
  shards: true,
  samplesStored: true,
  shardState: true,
  shardAttempts: true,
  summary: true,
  telemetry: true,
  imported: true,
  kind: true,
  error: true,
  startedAt: true,
  finishedAt: true,
} satisfies Prisma.LoadPointSelect;

const runSelect = {
  id: true,
  experimentId: true,
  status: true,
  trigger: true,
  metadata: true,
  spec: true,
  error: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  enqueuedAt: true,
  hints: true,
  source: true,
  idempotencyKey: true,
  evaluation: true,
} satisfies Prisma.RunSelect;

type RawPoint = Prisma.LoadPointGetPayload<{ select: typeof pointSelect }>;
type RawRun = Prisma.RunGetPayload<{ select: typeof runSelect }>;

/** A LoadPoint row with its JSON columns parsed (once, here) with the contracts' stored-column schemas. */
export interface PointRow extends Omit<
  RawPoint,
  'level' | 'shardState' | 'shardAttempts' | 'summary' | 'telemetry' | 'imported'
> {
  level: LoadLevel;
  /** shard index → its end report */
  shardState: Map<number, ShardState>;
  /** shard index → the attempt that counts (absent = 0) */
  shardAttempts: Map<number, number>;
  summary: StoredPointSummary | null;
  telemetry: LoadPointTelemetry | null;
  imported: ImportedPointInfo | null;
}
/** A Run row with its JSON columns parsed. */
export interface RunRow extends Omit<RawRun, 'metadata' | 'spec' | 'hints' | 'source' | 'evaluation'> {
  /** the last CI evaluation (RunEvaluationSchema); null when none or unreadable */
  evaluation: RunEvaluation | null;
  metadata: RunMetadata;
  spec: RunSpec;
  hints: BottleneckHint[];
  source: ImportSource | null;
}
export type RunWithPointsRow = RunRow & { loadPoints: PointRow[] };
export type RunListRow = Omit<RunRow, 'spec'> & { pointStatuses: string[] };

/** LoadPoint row → typed row. Never throws on rows older versions wrote (see packages/contracts stored.ts). */
export function toPointRow(p: RawPoint): PointRow {
  return {
    ...p,
    level: StoredLoadLevelSchema.parse(p.level),
    shardState: ShardStatesSchema.parse(p.shardState),
    shardAttempts: ShardAttemptsSchema.parse(p.shardAttempts),
    summary: parseStoredOr(StoredPointSummarySchema, p.summary, null),
    telemetry: parseStoredTelemetry(p.telemetry),
    imported: parseStoredOr(StoredImportedPointSchema, p.imported, null),
  };
}

function toRunRowBase<R extends Omit<RawRun, 'spec'>>(
  r: R,
): Omit<R, 'metadata' | 'hints' | 'source' | 'evaluation'> &
  Pick<RunRow, 'metadata' | 'hints' | 'source' | 'evaluation'> {
  return {
    ...r,
    evaluation: parseStoredOr(RunEvaluationSchema, r.evaluation, null),
    metadata: RunMetadataSchema.parse(r.metadata),
    hints: StoredRunHintsSchema.parse(r.hints),
    source: parseStoredOr(StoredRunSourceSchema, r.source, null),
  };
}

/** Run row → typed row (the frozen spec parsed with `RunSpecSchema`, which accepts every spec version 1 row). */
export function toRunRow(r: RawRun): RunRow {
  return { ...toRunRowBase(r), spec: RunSpecSchema.parse(r.spec) };
}

/** A run read for comparisons: only its points with a summary, each with its stored histograms. */
export type ComparedRunRow = RunRow & {
  tags: string[];
  loadPoints: (PointRow & { histograms: string | null })[];
};

/** One load point of an imported run, ready to store (status `completed`). */
export interface NewImportedPoint {
  ordinal: number;
  level: Prisma.InputJsonValue;
  levelLabel: string;
  summary: Prisma.InputJsonValue;
  histograms: string | null;
  imported: Prisma.InputJsonValue;
  samplesStored: number;
}

export interface NewPoint {
  variantId: string;
  variantLabel: string;
  ordinal: number;
  level: Prisma.InputJsonValue;
  levelLabel: string;
  shards: number;
  /** work-item kind (absent: `load`) */
  kind?: string;
}

/** The only code that touches the Run and LoadPoint tables. Status changes are conditional updates. */
@Injectable()
export class RunsRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  async createRun(
    data: {
      experimentId: string;
      trigger: string;
      metadata: Record<string, string>;
      spec: Prisma.InputJsonValue;
      points: NewPoint[];
      /** unique per experiment: a second create with the same key fails with P2002 */
      idempotencyKey?: string | undefined;
    },
    db: Db = this.prisma.client,
  ): Promise<string> {
    const run = await db.run.create({
      data: {
        experimentId: data.experimentId,
        status: 'queued',
        trigger: data.trigger,
        metadata: data.metadata,
        spec: data.spec,
        ...(data.idempotencyKey !== undefined ? { idempotencyKey: data.idempotencyKey } : {}),
        loadPoints: { create: data.points.map((p) => ({ ...p, status: 'queued' })) },
      },
      select: { id: true },
    });
    return run.id;
  }

  /** The run an earlier start of the experiment with this idempotency key created, if any. */
  async findRunIdByIdempotencyKey(
    experimentId: string,
    idempotencyKey: string,
    db: Db = this.prisma.client,
  ): Promise<string | null> {
    const r = await db.run.findUnique({
      where: { experimentId_idempotencyKey: { experimentId, idempotencyKey } },
      select: { id: true },
    });
    return r?.id ?? null;
  }

  /** Store the verdicts of the last CI evaluation with the run. */
  async storeEvaluation(
    id: string,
    evaluation: Prisma.InputJsonValue,
    db: Db = this.prisma.client,
  ): Promise<void> {
    await db.run.update({ where: { id }, data: { evaluation } });
  }

  async findRun(id: string, db: Db = this.prisma.client): Promise<RunWithPointsRow | null> {
    const r = await db.run.findUnique({
      where: { id },
      select: { ...runSelect, loadPoints: { select: pointSelect, orderBy: { ordinal: 'asc' } } },
    });
    if (!r) return null;
    const { loadPoints, ...run } = r;
    return { ...toRunRow(run), loadPoints: loadPoints.map(toPointRow) };
  }

  /** How many runs are in each status (statuses with no run are absent). */
  async countByStatus(db: Db = this.prisma.client): Promise<Map<string, number>> {
    const groups = await db.run.groupBy({ by: ['status'], _count: { _all: true } });
    return new Map(groups.map((g) => [g.status, g._count._all]));
  }

  async listRuns(
    filter: { experimentId?: string | undefined; status?: string | undefined; limit: number; offset: number },
    db: Db = this.prisma.client,
  ): Promise<{ rows: RunListRow[]; total: number }> {
    const where: Prisma.RunWhereInput = {
      ...(filter.experimentId ? { experimentId: filter.experimentId } : {}),
      ...(filter.status ? { status: filter.status } : {}),
    };
    const { spec: _spec, ...select } = runSelect;
    const [rows, total] = await Promise.all([
      db.run.findMany({
        where,
        select: { ...select, loadPoints: { select: { status: true } } },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: filter.limit,
        skip: filter.offset,
      }),
      db.run.count({ where }),
    ]);
    return {
      rows: rows.map(({ loadPoints, ...r }) => ({
        ...toRunRowBase(r),
        pointStatuses: loadPoints.map((p) => p.status),
      })),
      total,
    };
  }

  async findRunSpec(
    id: string,
    db: Db = this.prisma.client,
  ): Promise<{ status: string; error: string | null; spec: RunSpec } | null> {
    const r = await db.run.findUnique({ where: { id }, select: { status: true, error: true, spec: true } });
    return r ? { ...r, spec: RunSpecSchema.parse(r.spec) } : null;
  }

  async findPoint(id: string, db: Db = this.prisma.client): Promise<PointRow | null> {
    const p = await db.loadPoint.findUnique({ where: { id }, select: pointSelect });
    return p ? toPointRow(p) : null;
  }

  /** The encoded accumulators (`LoadPoint.histograms`) of some points, by id; null where a point has none. */
  async findHistograms(
    ids: readonly string[],
    db: Db = this.prisma.client,
  ): Promise<Map<string, string | null>> {
    const rows = await db.loadPoint.findMany({
      where: { id: { in: [...ids] } },
      select: { id: true, histograms: true },
    });
    return new Map(rows.map((r) => [r.id, r.histograms]));
  }

  async createPoint(runId: string, point: NewPoint, db: Db = this.prisma.client): Promise<string> {
    const row = await db.loadPoint.create({
      data: { ...point, runId, status: 'queued' },
      select: { id: true },
    });
    return row.id;
  }

  async setEnqueued(runId: string, db: Db = this.prisma.client): Promise<void> {
    await db.run.updateMany({ where: { id: runId, enqueuedAt: null }, data: { enqueuedAt: new Date() } });
  }

  /** queued → running; returns whether this call made the change. */
  async markPointRunning(id: string, db: Db = this.prisma.client): Promise<boolean> {
    const r = await db.loadPoint.updateMany({
      where: { id, status: 'queued' },
      data: { status: 'running', startedAt: new Date() },
    });
    return r.count === 1;
  }

  async markRunRunning(id: string, db: Db = this.prisma.client): Promise<boolean> {
    const r = await db.run.updateMany({
      where: { id, status: 'queued' },
      data: { status: 'running', startedAt: new Date() },
    });
    return r.count === 1;
  }

  /**
   * Record what an agent reported for one shard, atomically (concurrent shards do not overwrite each other),
   * only while `attempt` is the shard's counted attempt in `shardAttempts` (absent = 0). Returns whether it did.
   */
  async recordShardState(
    id: string,
    shardIndex: number,
    attempt: number,
    state: object,
    db: Db = this.prisma.client,
  ): Promise<boolean> {
    const key = String(shardIndex);
    const n = await db.$executeRaw`
      UPDATE "LoadPoint" SET "shardState" = "shardState" || jsonb_build_object(${key}::text, ${JSON.stringify(state)}::jsonb)
      WHERE id = ${id} AND COALESCE(("shardAttempts" ->> ${key})::int, 0) = ${attempt}`;
    return n === 1;
  }

  /** Move a shard from attempt `from` to `to` (compare-and-set); returns whether this call did it. */
  async setShardAttempt(
    id: string,
    shardIndex: number,
    from: number,
    to: number,
    db: Db = this.prisma.client,
  ): Promise<boolean> {
    const key = String(shardIndex);
    const n = await db.$executeRaw`
      UPDATE "LoadPoint" SET "shardAttempts" = "shardAttempts" || jsonb_build_object(${key}::text, ${to}::int)
      WHERE id = ${id} AND COALESCE(("shardAttempts" ->> ${key})::int, 0) = ${from} AND status IN ('queued', 'running')`;
    return n === 1;
  }

  /**
   * Count a stored sample batch on its point, inside the batch's transaction (`sql`, opened by the samples module).
   * The point must exist and belong to the event's run (null otherwise: the batch is dropped). `mayFinalize`: the
   * point has no summary yet and some shard has reported its end, so this batch may be the last one the point waited
   * for; while no shard has finished, finalization is not even attempted (one query less per batch). Last statement
   * before COMMIT: the point's row lock is held only briefly by each concurrent batch.
   */
  async countStoredSamples(
    sql: SqlTx,
    loadPointId: string,
    runId: string,
    n: number,
  ): Promise<{ mayFinalize: boolean } | null> {
    const rows = await sql<{ mayFinalize: boolean }>(
      `UPDATE "LoadPoint" SET "samplesStored" = "samplesStored" + $3 WHERE id = $1 AND "runId" = $2
       RETURNING ("summary" IS NULL AND "shardState" <> '{}'::jsonb) AS "mayFinalize"`,
      [loadPointId, runId, n],
    );
    return rows.length === 1 ? rows[0]! : null;
  }

  /**
   * Store a point's summary. When the point is still active it also takes its final status (only one caller
   * wins: the update is conditional on the status). A point already ended by cancel or a stall keeps its
   * status and only gains the (partial) summary. Returns whether the status changed.
   */
  async finalizePoint(
    id: string,
    outcome: {
      status: RunStatus;
      error: string | null;
      summary: LoadPointSummary;
      histograms: string;
      shardState?: object;
    },
    db: Db = this.prisma.client,
  ): Promise<{ statusChanged: boolean; summaryStored: boolean }> {
    const summary = asJson(outcome.summary);
    const { histograms } = outcome;
    const shardState = outcome.shardState === undefined ? {} : { shardState: asJson(outcome.shardState) };
    const active = await db.loadPoint.updateMany({
      where: { id, status: { in: [...NON_TERMINAL_RUN_STATUSES] } },
      data: {
        status: outcome.status,
        error: outcome.error,
        summary,
        histograms,
        ...shardState,
        finishedAt: new Date(),
      },
    });
    if (active.count === 1) return { statusChanged: true, summaryStored: true };
    const late = await db.loadPoint.updateMany({
      where: { id, summary: { equals: Prisma.DbNull } },
      data: { summary, histograms, ...shardState },
    });
    return { statusChanged: false, summaryStored: late.count === 1 };
  }

  /** End active points (cancel, stall, no agent); returns the ids that changed. */
  async endPoints(
    where: { runId: string; ids?: string[] },
    status: RunStatus,
    error: string | null,
    db: Db = this.prisma.client,
  ): Promise<string[]> {
    const filter: Prisma.LoadPointWhereInput = {
      runId: where.runId,
      status: { in: [...NON_TERMINAL_RUN_STATUSES] },
      ...(where.ids ? { id: { in: where.ids } } : {}),
    };
    const ids = (await db.loadPoint.findMany({ where: filter, select: { id: true } })).map((p) => p.id);
    if (!ids.length) return [];
    await db.loadPoint.updateMany({
      where: { ...filter, id: { in: ids } },
      data: { status, error, finishedAt: new Date() },
    });
    return ids;
  }

  /** Move an active run to a terminal status; returns whether this call made the change. */
  async finishRun(
    id: string,
    status: RunStatus,
    error: string | null,
    db: Db = this.prisma.client,
  ): Promise<boolean> {
    const r = await db.run.updateMany({
      where: { id, status: { in: [...NON_TERMINAL_RUN_STATUSES] } },
      data: { status, error, finishedAt: new Date() },
    });
    return r.count === 1;
  }

  /** Runs still `queued` that were never handed to the queue, created before `createdBefore`. */
  async findUnenqueuedRuns(createdBefore: Date, db: Db = this.prisma.client): Promise<string[]> {
    const rows = await db.run.findMany({
      where: { status: 'queued', enqueuedAt: null, createdAt: { lt: createdBefore } },
      select: { id: true },
      orderBy: { createdAt: 'asc' },
      take: 100,
    });
    return rows.map((r) => r.id);
  }

  async findRunningPoints(
    db: Db = this.prisma.client,
  ): Promise<{ id: string; runId: string; startedAt: Date | null }[]> {
    return db.loadPoint.findMany({
      where: { status: 'running' },
      select: { id: true, runId: true, startedAt: true },
    });
  }

  async findActiveRunIds(db: Db = this.prisma.client): Promise<string[]> {
    const rows = await db.run.findMany({
      where: { status: { in: [...NON_TERMINAL_RUN_STATUSES] } },
      select: { id: true },
      take: 1000,
    });
    return rows.map((r) => r.id);
  }

  /** The run's experiment and review tags; null when the run does not exist. */
  async findRunTags(
    id: string,
    db: Db = this.prisma.client,
  ): Promise<{ experimentId: string; tags: string[] } | null> {
    return db.run.findUnique({ where: { id }, select: { experimentId: true, tags: true } });
  }

  /** Record who started the run (the audit interceptor calls this right after the start). */
  async setStartedBy(id: string, who: string, db: Db = this.prisma.client): Promise<void> {
    await db.run.updateMany({ where: { id, startedBy: null }, data: { startedBy: who } });
  }

  async setTags(id: string, tags: string[], db: Db = this.prisma.client): Promise<void> {
    await db.run.update({ where: { id }, data: { tags } });
  }

  /** Runs with their tags and only their points that have a summary (with the stored histograms), for comparisons. */
  async findRunsWithSummaries(
    ids: readonly string[],
    db: Db = this.prisma.client,
  ): Promise<ComparedRunRow[]> {
    const rows = await db.run.findMany({
      where: { id: { in: [...ids] } },
      select: {
        ...runSelect,
        tags: true,
        loadPoints: {
          // eval work items carry a request-level summary of the eval, not a load level's
          where: { summary: { not: Prisma.DbNull }, kind: 'load' },
          orderBy: { ordinal: 'asc' },
          select: { ...pointSelect, histograms: true },
        },
      },
    });
    return rows.map(({ loadPoints, ...r }) => ({
      ...toRunRow(r),
      tags: r.tags,
      loadPoints: loadPoints.map(({ histograms, ...p }) => ({ ...toPointRow(p), histograms })),
    }));
  }

  /** A point's encoded merged accumulator (null before finalization), or null when the point does not exist. */
  async findPointHistograms(
    id: string,
    db: Db = this.prisma.client,
  ): Promise<{ id: string; histograms: string | null } | null> {
    return db.loadPoint.findUnique({ where: { id }, select: { id: true, histograms: true } });
  }

  /** An imported run: `completed`, trigger `import`, with its completed points. Returns the ids, points in order. */
  async createImportedRun(
    data: {
      experimentId: string;
      variantId: string;
      variantLabel: string;
      source: Prisma.InputJsonValue;
      spec: Prisma.InputJsonValue;
      metadata: Record<string, string>;
      points: NewImportedPoint[];
    },
    db: Db = this.prisma.client,
  ): Promise<{ runId: string; pointIds: string[] }> {
    const now = new Date();
    const run = await db.run.create({
      data: {
        experimentId: data.experimentId,
        status: 'completed',
        trigger: 'import',
        metadata: data.metadata,
        source: data.source,
        spec: data.spec,
        startedAt: now,
        finishedAt: now,
        enqueuedAt: now,
        loadPoints: {
          create: data.points.map((p) => ({
            variantId: data.variantId,
            variantLabel: data.variantLabel,
            ordinal: p.ordinal,
            level: p.level,
            levelLabel: p.levelLabel,
            status: 'completed',
            summary: p.summary,
            histograms: p.histograms,
            imported: p.imported,
            samplesStored: p.samplesStored,
            startedAt: now,
            finishedAt: now,
          })),
        },
      },
      select: { id: true, loadPoints: { select: { id: true }, orderBy: { ordinal: 'asc' } } },
    });
    return { runId: run.id, pointIds: run.loadPoints.map((p) => p.id) };
  }

  // Read-only views other modules ask for through ports they declare (experiments: EXPERIMENT_RUN_READS, evals:
  // EVAL_POINT_READS), because they are below runs in the module order; see run-reads.adapters.ts.

  /** The newest `limit` runs of each experiment (newest first), as briefs. */
  async recentRunsOf(
    experimentIds: readonly string[],
    limit: number,
    db: Db = this.prisma.client,
  ): Promise<Map<string, RunBriefRow[]>> {
    const byExperiment = new Map<string, RunBriefRow[]>();
    if (experimentIds.length === 0) return byExperiment;
    const rows = await db.$queryRaw<(RunBriefRow & { experimentId: string })[]>`
      SELECT id, "experimentId", status, trigger, "createdAt", "finishedAt" FROM (
        SELECT id, "experimentId", status, trigger, "createdAt", "finishedAt",
               row_number() OVER (PARTITION BY "experimentId" ORDER BY "createdAt" DESC, id DESC) AS rn
        FROM "Run" WHERE "experimentId" = ANY(${[...experimentIds]}::text[])) r
      WHERE rn <= ${limit}
      ORDER BY "experimentId", "createdAt" DESC, id DESC`;
    for (const { experimentId, ...brief } of rows) {
      const list = byExperiment.get(experimentId);
      if (list) list.push(brief);
      else byExperiment.set(experimentId, [brief]);
    }
    return byExperiment;
  }

  /** Ids of experiments whose newest run has `status`. */
  async experimentIdsWithLastRunStatus(status: string, db: Db = this.prisma.client): Promise<string[]> {
    // from the Run table alone (Experiment belongs to experiments): each experiment's newest run
    const rows = await db.$queryRaw<{ experimentId: string }[]>`
      SELECT "experimentId" FROM (
        SELECT DISTINCT ON ("experimentId") "experimentId", status FROM "Run"
        ORDER BY "experimentId", "createdAt" DESC, id DESC) newest
      WHERE status = ${status}`;
    return rows.map((r) => r.experimentId);
  }

  /** Runs of the experiment that are not finished. */
  countActiveRuns(experimentId: string, db: Db = this.prisma.client): Promise<number> {
    return db.run.count({ where: { experimentId, status: { in: ['queued', 'running'] } } });
  }

  /** The run's experiment id, or null when the run does not exist. */
  async findRunExperimentId(runId: string, db: Db = this.prisma.client): Promise<string | null> {
    const r = await db.run.findUnique({ where: { id: runId }, select: { experimentId: true } });
    return r?.experimentId ?? null;
  }

  /** Runs of the experiment with their finalized load points' summaries, newest `limit` runs (history view). */
  async historyRuns(
    experimentId: string,
    limit: number,
    db: Db = this.prisma.client,
  ): Promise<HistoryRunRow[]> {
    const rows = await db.run.findMany({
      where: { experimentId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit,
      select: {
        id: true,
        status: true,
        createdAt: true,
        finishedAt: true,
        tags: true,
        loadPoints: {
          // eval work items (kind eval) carry a request-level summary of the eval, not a load level's
          where: { summary: { not: Prisma.DbNull }, kind: 'load' },
          orderBy: { ordinal: 'asc' },
          select: {
            id: true,
            variantLabel: true,
            levelLabel: true,
            level: true,
            status: true,
            summary: true,
          },
        },
      },
    });
    return rows.map(({ loadPoints, ...r }) => ({
      ...r,
      loadPoints: loadPoints.map((p) => ({
        ...p,
        level: StoredLoadLevelSchema.parse(p.level),
        summary: parseStoredOr(StoredPointSummarySchema, p.summary, null),
      })),
    }));
  }

  /** Ids of the load points (every work item) of the experiment's runs. */
  async findExperimentPointIds(experimentId: string, db: Db = this.prisma.client): Promise<string[]> {
    const points = await db.loadPoint.findMany({ where: { run: { experimentId } }, select: { id: true } });
    return points.map((p) => p.id);
  }

  /** The LoadPoint columns of the run's eval work items, in ordinal order. */
  findEvalPoints(runId: string, db: Db = this.prisma.client): Promise<EvalPointRow[]> {
    return db.loadPoint.findMany({
      where: { runId, kind: 'eval' },
      orderBy: { ordinal: 'asc' },
      select: {
        id: true,
        variantId: true,
        variantLabel: true,
        status: true,
        error: true,
        startedAt: true,
        finishedAt: true,
        shardAttempts: true,
      },
    });
  }

  async runExists(runId: string, db: Db = this.prisma.client): Promise<boolean> {
    return (await db.run.count({ where: { id: runId } })) > 0;
  }
}

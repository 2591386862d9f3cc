import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '@inferbench/db';
import { NON_TERMINAL_RUN_STATUSES, type LoadPointSummary, type RunStatus } from '@inferbench/contracts';
import { asJson } from '../../common/json.js';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';

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
  experiment: { select: { name: true } },
} satisfies Prisma.RunSelect;

export type PointRow = Prisma.LoadPointGetPayload<{ select: typeof pointSelect }>;
export type RunRow = Prisma.RunGetPayload<{ select: typeof runSelect }>;
export type RunWithPointsRow = RunRow & { loadPoints: PointRow[] };
export type RunListRow = Omit<RunRow, 'spec'> & { pointStatuses: string[] };

export interface NewPoint {
  variantId: string;
  variantLabel: string;
  ordinal: number;
  level: Prisma.InputJsonValue;
  levelLabel: string;
  shards: number;
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
        loadPoints: { create: data.points.map((p) => ({ ...p, status: 'queued' })) },
      },
      select: { id: true },
    });
    return run.id;
  }

  async findRun(id: string, db: Db = this.prisma.client): Promise<RunWithPointsRow | null> {
    return db.run.findUnique({
      where: { id },
      select: { ...runSelect, loadPoints: { select: pointSelect, orderBy: { ordinal: 'asc' } } },
    });
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
      rows: rows.map(({ loadPoints, ...r }) => ({ ...r, pointStatuses: loadPoints.map((p) => p.status) })),
      total,
    };
  }

  async findRunSpec(
    id: string,
    db: Db = this.prisma.client,
  ): Promise<{ status: string; error: string | null; spec: unknown } | null> {
    return db.run.findUnique({ where: { id }, select: { status: true, error: true, spec: true } });
  }

  async findPoint(id: string, db: Db = this.prisma.client): Promise<PointRow | null> {
    return db.loadPoint.findUnique({ where: { id }, select: pointSelect });
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

  async incrementSamplesStored(id: string, n: number, db: Db = this.prisma.client): Promise<void> {
    await db.loadPoint.update({ where: { id }, data: { samplesStored: { increment: n } } });
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
}

import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '@inferbench/db';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';

/** How many run briefs an experiment carries (newest first). */
export const RECENT_RUNS = 20;

const experimentSelect = {
  id: true,
  name: true,
  description: true,
  tags: true,
  workload: true,
  loadPlan: true,
  slo: true,
  archivedAt: true,
  baselineRunId: true,
  createdAt: true,
  updatedAt: true,
  variants: {
    select: { id: true, targetId: true, label: true, position: true, optimization: true, params: true },
    orderBy: [{ position: 'asc' }, { createdAt: 'asc' }],
  },
  // run briefs are read through the relation (narrow, read-only); runs themselves belong to the runs module
  runs: {
    select: { id: true, status: true, trigger: true, createdAt: true, finishedAt: true },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: RECENT_RUNS,
  },
} satisfies Prisma.ExperimentSelect;

export type ExperimentRow = Prisma.ExperimentGetPayload<{ select: typeof experimentSelect }>;
export type VariantRow = ExperimentRow['variants'][number];

export interface VariantWrite {
  targetId: string;
  label: string;
  position: number;
  optimization: Prisma.InputJsonValue;
  params: Prisma.InputJsonValue;
}

export interface ExperimentWrite {
  name?: string;
  description?: string;
  tags?: string[];
  workload?: Prisma.InputJsonValue;
  loadPlan?: Prisma.InputJsonValue;
  /** null clears the SLO */
  slo?: Prisma.InputJsonValue | null;
}

/** The only code that touches the Experiment and Variant tables. */
@Injectable()
export class ExperimentsRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  async list(
    filter: {
      q?: string | undefined;
      tag?: string | undefined;
      status?: string | undefined;
      archived?: boolean | undefined;
      limit: number;
      offset: number;
    },
    db: Db = this.prisma.client,
  ): Promise<{ rows: ExperimentRow[]; total: number }> {
    const where: Prisma.ExperimentWhereInput = filter.archived
      ? { archivedAt: { not: null } }
      : { archivedAt: null };
    if (filter.status) where.id = { in: await this.idsWithLastRunStatus(filter.status, db) };
    if (filter.q) {
      where.OR = [
        { name: { contains: filter.q, mode: 'insensitive' } },
        { description: { contains: filter.q, mode: 'insensitive' } },
      ];
    }
    if (filter.tag) where.tags = { has: filter.tag };
    const [rows, total] = await Promise.all([
      db.experiment.findMany({
        where,
        select: experimentSelect,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: filter.limit,
        skip: filter.offset,
      }),
      db.experiment.count({ where }),
    ]);
    return { rows, total };
  }

  /** Ids of experiments whose newest run has `status` (the list's status filter). */
  private async idsWithLastRunStatus(status: string, db: Db): Promise<string[]> {
    const rows = await db.$queryRaw<{ id: string }[]>`
      SELECT e.id FROM "Experiment" e
      WHERE (SELECT r.status FROM "Run" r WHERE r."experimentId" = e.id
             ORDER BY r."createdAt" DESC, r.id DESC LIMIT 1) = ${status}`;
    return rows.map((r) => r.id);
  }

  /** The experiment, archived or not (an archived experiment can still be opened, cloned and unarchived). */
  find(id: string, db: Db = this.prisma.client): Promise<ExperimentRow | null> {
    return db.experiment.findFirst({ where: { id }, select: experimentSelect });
  }

  async setArchivedAt(id: string, archivedAt: Date | null, db: Db = this.prisma.client): Promise<void> {
    await db.experiment.update({ where: { id }, data: { archivedAt } });
  }

  async setBaseline(id: string, runId: string | null, db: Db = this.prisma.client): Promise<void> {
    await db.experiment.update({ where: { id }, data: { baselineRunId: runId } });
  }

  /** The run's experiment id, or null when the run does not exist (narrow read-only lookup for the baseline check). */
  async findRunExperimentId(runId: string, db: Db = this.prisma.client): Promise<string | null> {
    const r = await db.run.findUnique({ where: { id: runId }, select: { experimentId: true } });
    return r?.experimentId ?? null;
  }

  /**
   * Runs of the experiment with their finalized load points' summaries, newest `limit` runs
   * (read-only; the history view only needs the stored summaries, never samples).
   */
  historyRuns(experimentId: string, limit: number, db: Db = this.prisma.client) {
    return db.run.findMany({
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
          where: { summary: { not: Prisma.DbNull } },
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
  }

  async create(
    data: Required<Pick<ExperimentWrite, 'name' | 'description' | 'tags' | 'workload' | 'loadPlan'>> &
      ExperimentWrite,
    variants: VariantWrite[],
    db: Db = this.prisma.client,
  ): Promise<string> {
    const row = await db.experiment.create({
      data: {
        name: data.name,
        description: data.description,
        tags: data.tags,
        workload: data.workload,
        loadPlan: data.loadPlan,
        ...(data.slo ? { slo: data.slo } : {}),
        variants: { create: variants },
      },
      select: { id: true },
    });
    return row.id;
  }

  async update(id: string, data: ExperimentWrite, db: Db = this.prisma.client): Promise<void> {
    const { slo, ...rest } = data;
    await db.experiment.update({
      where: { id },
      data: {
        ...rest,
        ...(slo === null ? { slo: Prisma.DbNull } : slo !== undefined ? { slo } : {}),
        updatedAt: new Date(),
      },
    });
  }

  async deleteVariants(
    experimentId: string,
    keepIds: readonly string[],
    db: Db = this.prisma.client,
  ): Promise<void> {
    await db.variant.deleteMany({ where: { experimentId, id: { notIn: [...keepIds] } } });
  }

  async updateVariant(id: string, data: VariantWrite, db: Db = this.prisma.client): Promise<void> {
    await db.variant.update({ where: { id }, data });
  }

  async renameVariant(id: string, label: string, db: Db = this.prisma.client): Promise<void> {
    await db.variant.update({ where: { id }, data: { label } });
  }

  async createVariant(experimentId: string, data: VariantWrite, db: Db = this.prisma.client): Promise<void> {
    await db.variant.create({ data: { ...data, experimentId } });
  }

  /** Runs of the experiment that are not finished (an experiment with active runs cannot be deleted). */
  countActiveRuns(experimentId: string, db: Db = this.prisma.client): Promise<number> {
    return db.run.count({ where: { experimentId, status: { in: ['queued', 'running'] } } });
  }

  /**
   * Delete the experiment; variants, runs and load points cascade. Raw samples and the ingest ledger
   * have no foreign key (bulk-insert speed), so they are deleted here in the same transaction.
   */
  async delete(id: string, db: Db = this.prisma.client): Promise<void> {
    const points = await db.loadPoint.findMany({
      where: { run: { experimentId: id } },
      select: { id: true },
    });
    const ids = points.map((p) => p.id);
    if (ids.length) {
      await db.requestSample.deleteMany({ where: { loadPointId: { in: ids } } });
      await db.ingestBatch.deleteMany({ where: { loadPointId: { in: ids } } });
    }
    await db.experiment.delete({ where: { id } });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '@inferbench/db';
import {
  LoadPlanSpecSchema,
  OptimizationDescriptorSchema,
  parseStoredOr,
  RequestParamsSchema,
  SloSpecSchema,
  StoredExperimentEvalsSchema,
  StoredWebhooksSchema,
  WorkloadSpecSchema,
  type ExperimentEvals,
  type StoredWebhook,
  type LoadPlanSpec,
  type OptimizationDescriptor,
  type RequestParams,
  type SloSpec,
  type WorkloadSpec,
} from '@inferbench/contracts';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';

const experimentSelect = {
  id: true,
  name: true,
  description: true,
  tags: true,
  workload: true,
  loadPlan: true,
  slo: true,
  evals: true,
  webhooks: true,
  archivedAt: true,
  baselineRunId: true,
  createdAt: true,
  updatedAt: true,
  variants: {
    select: { id: true, targetId: true, label: true, position: true, optimization: true, params: true },
    orderBy: [{ position: 'asc' }, { createdAt: 'asc' }],
  },
} satisfies Prisma.ExperimentSelect;

type RawExperiment = Prisma.ExperimentGetPayload<{ select: typeof experimentSelect }>;
type RawVariant = RawExperiment['variants'][number];

/** A Variant row with its JSON columns parsed. */
export interface VariantRow extends Omit<RawVariant, 'optimization' | 'params'> {
  optimization: OptimizationDescriptor;
  params: RequestParams;
}
/** An Experiment row with its JSON columns parsed (once, here) with the contracts' schemas. */
export interface ExperimentRow extends Omit<
  RawExperiment,
  'workload' | 'loadPlan' | 'slo' | 'evals' | 'variants' | 'webhooks'
> {
  /** webhook URLs with their encrypted secrets (decrypted only by the service, for a delivery) */
  webhooks: StoredWebhook[];
  workload: WorkloadSpec;
  loadPlan: LoadPlanSpec;
  slo: SloSpec | null;
  evals: ExperimentEvals | null;
  variants: VariantRow[];
}

/** Variant row → typed row: optimization and params as validated on write (older rows parse with the defaults). */
function toVariantRow(v: RawVariant): VariantRow {
  return {
    ...v,
    optimization: OptimizationDescriptorSchema.parse(v.optimization),
    params: RequestParamsSchema.parse(v.params),
  };
}

function toExperimentRow(e: RawExperiment): ExperimentRow {
  return {
    ...e,
    workload: WorkloadSpecSchema.parse(e.workload),
    loadPlan: LoadPlanSpecSchema.parse(e.loadPlan),
    slo: parseStoredOr(SloSpecSchema, e.slo, null),
    evals: parseStoredOr(StoredExperimentEvalsSchema, e.evals, null),
    webhooks: StoredWebhooksSchema.parse(e.webhooks),
    variants: e.variants.map(toVariantRow),
  };
}

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
  /** null clears the evals */
  evals?: Prisma.InputJsonValue | null;
  /** StoredWebhook[]: secrets already encrypted */
  webhooks?: Prisma.InputJsonValue;
}

/** The only code that touches the Experiment and Variant tables. */
@Injectable()
export class ExperimentsRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  async list(
    filter: {
      q?: string | undefined;
      tag?: string | undefined;
      /** only these experiments (the list's last-run-status filter, resolved by the service) */
      ids?: readonly string[] | undefined;
      archived?: boolean | undefined;
      limit: number;
      offset: number;
    },
    db: Db = this.prisma.client,
  ): Promise<{ rows: ExperimentRow[]; total: number }> {
    const where: Prisma.ExperimentWhereInput = filter.archived
      ? { archivedAt: { not: null } }
      : { archivedAt: null };
    if (filter.ids) where.id = { in: [...filter.ids] };
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
    return { rows: rows.map(toExperimentRow), total };
  }

  /** The experiment, archived or not (an archived experiment can still be opened, cloned and unarchived). */
  async find(id: string, db: Db = this.prisma.client): Promise<ExperimentRow | null> {
    const row = await db.experiment.findFirst({ where: { id }, select: experimentSelect });
    return row ? toExperimentRow(row) : null;
  }

  /** The names of these experiments, by id (absent: no such experiment). */
  async findNames(ids: readonly string[], db: Db = this.prisma.client): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await db.experiment.findMany({
      where: { id: { in: [...new Set(ids)] } },
      select: { id: true, name: true },
    });
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Experiment ids with exactly this name, at most two (names are not unique: the caller decides what several mean). */
  async findIdsByName(name: string, db: Db = this.prisma.client): Promise<string[]> {
    const rows = await db.experiment.findMany({ where: { name }, select: { id: true }, take: 2 });
    return rows.map((r) => r.id);
  }

  /** The experiment's baseline run; undefined when the experiment does not exist. */
  async findBaselineRunId(id: string, db: Db = this.prisma.client): Promise<string | null | undefined> {
    const row = await db.experiment.findUnique({ where: { id }, select: { baselineRunId: true } });
    return row ? row.baselineRunId : undefined;
  }

  async findVariantByLabel(
    experimentId: string,
    label: string,
    db: Db = this.prisma.client,
  ): Promise<{ id: string; targetId: string } | null> {
    return db.variant.findUnique({
      where: { experimentId_label: { experimentId, label } },
      select: { id: true, targetId: true },
    });
  }

  /** A new variant placed after the experiment's last one; returns its id. */
  async appendVariant(
    experimentId: string,
    data: { label: string; targetId: string; optimization: Prisma.InputJsonValue },
    db: Db = this.prisma.client,
  ): Promise<string> {
    const last = await db.variant.aggregate({ where: { experimentId }, _max: { position: true } });
    const row = await db.variant.create({
      data: {
        experimentId,
        label: data.label,
        targetId: data.targetId,
        position: (last._max.position ?? -1) + 1,
        optimization: data.optimization,
        params: {},
      },
      select: { id: true },
    });
    return row.id;
  }

  async setArchivedAt(id: string, archivedAt: Date | null, db: Db = this.prisma.client): Promise<void> {
    await db.experiment.update({ where: { id }, data: { archivedAt } });
  }

  async setBaseline(id: string, runId: string | null, db: Db = this.prisma.client): Promise<void> {
    await db.experiment.update({ where: { id }, data: { baselineRunId: runId } });
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
        ...(data.evals ? { evals: data.evals } : {}),
        ...(data.webhooks !== undefined ? { webhooks: data.webhooks } : {}),
        variants: { create: variants },
      },
      select: { id: true },
    });
    return row.id;
  }

  async update(id: string, data: ExperimentWrite, db: Db = this.prisma.client): Promise<void> {
    const { slo, evals, ...rest } = data;
    await db.experiment.update({
      where: { id },
      data: {
        ...rest,
        ...(slo === null ? { slo: Prisma.DbNull } : slo !== undefined ? { slo } : {}),
        ...(evals === null ? { evals: Prisma.DbNull } : evals !== undefined ? { evals } : {}),
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

  /** How many variants point at the target (a target in use cannot be deleted; asked through `TARGET_USAGE`). */
  countVariantsUsingTarget(targetId: string, db: Db = this.prisma.client): Promise<number> {
    return db.variant.count({ where: { targetId } });
  }

  /** Delete the experiment; variants, runs and load points cascade (foreign keys). */
  async delete(id: string, db: Db = this.prisma.client): Promise<void> {
    await db.experiment.delete({ where: { id } });
  }
}

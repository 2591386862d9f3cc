import { Inject, Injectable } from '@nestjs/common';
import type { Prisma } from '@inferbench/db';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';

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

/** The original file of an imported run. */
export interface NewImportFile {
  fileName: string;
  mediaType: string;
  sha256: string;
  content: Uint8Array<ArrayBuffer>;
}

const exportPointSelect = {
  id: true,
  variantLabel: true,
  ordinal: true,
  level: true,
  levelLabel: true,
  status: true,
  shards: true,
  shardAttempts: true,
  summary: true,
  imported: true,
} satisfies Prisma.LoadPointSelect;
export type ExportPointRow = Prisma.LoadPointGetPayload<{ select: typeof exportPointSelect }>;

/**
 * The only code of the imports module that touches Prisma: experiments and variants looked up (and a variant
 * with its placeholder target created) for an import, the imported run with its points and original file,
 * and the reads behind exports and the file download.
 */
@Injectable()
export class ImportsRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  /** Experiment ids with exactly this name (names are not unique: the caller decides what several mean). */
  async findExperimentIdsByName(name: string, db: Db = this.prisma.client): Promise<string[]> {
    const rows = await db.experiment.findMany({ where: { name }, select: { id: true }, take: 2 });
    return rows.map((r) => r.id);
  }

  async findVariant(
    experimentId: string,
    label: string,
    db: Db = this.prisma.client,
  ): Promise<{ id: string; targetId: string } | null> {
    return db.variant.findUnique({
      where: { experimentId_label: { experimentId, label } },
      select: { id: true, targetId: true },
    });
  }

  /** The placeholder target of imports named `name`, created when missing (name is unique). */
  async upsertPlaceholderTarget(
    data: { name: string; baseUrl: string; model: string },
    db: Db = this.prisma.client,
  ): Promise<string> {
    const row = await db.target.upsert({
      where: { name: data.name },
      create: { name: data.name, baseUrl: data.baseUrl, model: data.model, apiKind: 'chat' },
      update: {},
      select: { id: true },
    });
    return row.id;
  }

  async createVariant(
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

  /** The run (completed, trigger `import`), its points and the original file, in one go. Returns ids. */
  async createImportedRun(
    experimentId: string,
    data: {
      variantId: string;
      variantLabel: string;
      source: Prisma.InputJsonValue;
      spec: Prisma.InputJsonValue;
      metadata: Record<string, string>;
      points: NewImportedPoint[];
      file: NewImportFile;
    },
    db: Db = this.prisma.client,
  ): Promise<{ runId: string; pointIds: string[] }> {
    const now = new Date();
    const run = await db.run.create({
      data: {
        experimentId,
        status: 'completed',
        trigger: 'import',
        metadata: data.metadata,
        source: data.source,
        spec: data.spec,
        startedAt: now,
        finishedAt: now,
        enqueuedAt: now,
        importFile: {
          create: {
            fileName: data.file.fileName,
            mediaType: data.file.mediaType,
            size: data.file.content.byteLength,
            sha256: data.file.sha256,
            content: data.file.content,
          },
        },
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

  async findImportFile(
    runId: string,
    db: Db = this.prisma.client,
  ): Promise<{ fileName: string; mediaType: string; sha256: string; content: Uint8Array } | null> {
    return db.importFile.findUnique({
      where: { runId },
      select: { fileName: true, mediaType: true, sha256: true, content: true },
    });
  }

  async runExists(runId: string, db: Db = this.prisma.client): Promise<boolean> {
    return (await db.run.count({ where: { id: runId } })) === 1;
  }

  /** A run's points for export, in ordinal order; null when the run does not exist. */
  async findRunForExport(
    runId: string,
    db: Db = this.prisma.client,
  ): Promise<{
    id: string;
    spec: unknown;
    source: unknown;
    experiment: { name: string };
    loadPoints: ExportPointRow[];
  } | null> {
    return db.run.findUnique({
      where: { id: runId },
      select: {
        id: true,
        spec: true,
        source: true,
        experiment: { select: { name: true } },
        loadPoints: { select: exportPointSelect, orderBy: { ordinal: 'asc' } },
      },
    });
  }
}

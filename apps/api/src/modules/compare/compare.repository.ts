import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '@inferbench/db';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';

const runSelect = {
  id: true,
  experimentId: true,
  status: true,
  createdAt: true,
  tags: true,
  spec: true,
  source: true,
  experiment: { select: { name: true } },
  loadPoints: {
    where: { summary: { not: Prisma.DbNull } },
    orderBy: { ordinal: 'asc' },
    select: {
      id: true,
      variantId: true,
      variantLabel: true,
      ordinal: true,
      level: true,
      levelLabel: true,
      status: true,
      summary: true,
      histograms: true,
    },
  },
} satisfies Prisma.RunSelect;

export type CompareRunRow = Prisma.RunGetPayload<{ select: typeof runSelect }>;

/** A raw sample row as the samples table shows it. */
export interface SamplePageRow {
  shardIndex: number;
  idx: number;
  warmup: boolean;
  scheduledUs: number | null;
  sentUs: number;
  firstChunkUs: number | null;
  firstContentUs: number | null;
  endUs: number;
  chunkGapsUs: number[];
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  tokenSource: string;
  httpStatus: number;
  errorClass: string | null;
  errorMessage: string | null;
}

/**
 * Read-only access for comparisons and distributions: finalized load points' stored summaries and
 * histograms, and one page of raw samples for the samples table (the only raw-sample read here; charts
 * never read samples).
 */
@Injectable()
export class CompareRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  findRuns(ids: readonly string[], db: Db = this.prisma.client): Promise<CompareRunRow[]> {
    return db.run.findMany({ where: { id: { in: [...ids] } }, select: runSelect });
  }

  findPointHistograms(
    id: string,
    db: Db = this.prisma.client,
  ): Promise<{ id: string; histograms: string | null } | null> {
    return db.loadPoint.findUnique({ where: { id }, select: { id: true, histograms: true } });
  }

  /**
   * One page of a point's samples, ordered by shard and request index. Only each shard's counted attempt
   * (`LoadPoint.shardAttempts`, 0 when unset) is listed, so a retried shard's abandoned rows never show.
   */
  async samplesPage(
    loadPointId: string,
    limit: number,
    offset: number,
    db: Db = this.prisma.client,
  ): Promise<{ rows: SamplePageRow[]; total: number }> {
    const rows = await db.$queryRaw<SamplePageRow[]>`
      SELECT s."shardIndex", s.idx, s.warmup, s."scheduledUs", s."sentUs", s."firstChunkUs", s."firstContentUs",
             s."endUs", s."chunkGapsUs", s."inputTokens", s."outputTokens", s."reasoningTokens", s."tokenSource",
             s."httpStatus", s."errorClass", s."errorMessage"
      FROM "RequestSample" s JOIN "LoadPoint" p ON p.id = s."loadPointId"
      WHERE s."loadPointId" = ${loadPointId}
        AND s.attempt = COALESCE((p."shardAttempts" ->> s."shardIndex"::text)::int, 0)
      ORDER BY s."shardIndex", s.idx
      LIMIT ${limit} OFFSET ${offset}`;
    const [count] = await db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM "RequestSample" s JOIN "LoadPoint" p ON p.id = s."loadPointId"
      WHERE s."loadPointId" = ${loadPointId}
        AND s.attempt = COALESCE((p."shardAttempts" ->> s."shardIndex"::text)::int, 0)`;
    return { rows, total: Number(count?.n ?? 0) };
  }
}

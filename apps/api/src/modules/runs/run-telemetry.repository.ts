import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '@inferbench/db';
import {
  parseStoredOr,
  StoredLoadLevelSchema,
  StoredPointSummarySchema,
  type BottleneckHint,
  type LoadLevel,
  type LoadPointTelemetry,
  type StoredPointSummary,
} from '@inferbench/contracts';
import { asJson } from '../../common/json.js';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';
import { parseStoredTelemetry } from './run-telemetry.js';

/** A load point as the hint computation reads it. */
export interface HintPointRow {
  variantLabel: string;
  status: string;
  level: LoadLevel;
  summary: StoredPointSummary | null;
  telemetry: LoadPointTelemetry | null;
}

/** The only code that reads or writes `LoadPoint.telemetry` and `Run.hints`. */
@Injectable()
export class RunTelemetryRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  async setPointTelemetry(
    loadPointId: string,
    telemetry: LoadPointTelemetry | null,
    db: Db = this.prisma.client,
  ): Promise<void> {
    await db.loadPoint.update({
      where: { id: loadPointId },
      data: { telemetry: telemetry === null ? Prisma.DbNull : asJson(telemetry) },
    });
  }

  async findHintPoints(runId: string, db: Db = this.prisma.client): Promise<HintPointRow[]> {
    const rows = await db.loadPoint.findMany({
      // eval work items are not load levels: no bottleneck hints from them
      where: { runId, kind: 'load' },
      select: { variantLabel: true, status: true, level: true, summary: true, telemetry: true },
      orderBy: { ordinal: 'asc' },
    });
    return rows.map((p) => ({
      ...p,
      level: StoredLoadLevelSchema.parse(p.level),
      summary: parseStoredOr(StoredPointSummarySchema, p.summary, null),
      telemetry: parseStoredTelemetry(p.telemetry),
    }));
  }

  async setRunHints(runId: string, hints: BottleneckHint[], db: Db = this.prisma.client): Promise<void> {
    await db.run.update({ where: { id: runId }, data: { hints: asJson(hints) } });
  }
}

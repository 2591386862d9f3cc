import { Inject, Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/prisma/prisma.service.js';

export interface AuditRow {
  id: string;
  at: Date;
  actorId: string;
  actor: string;
  action: string;
  method: string;
  path: string;
  targetId: string | null;
  experimentId: string | null;
  runId: string | null;
}

/** The AuditLog table (owned by the audit module). */
@Injectable()
export class AuditRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  async insert(row: Omit<AuditRow, 'id' | 'at'>): Promise<void> {
    await this.prisma.client.auditLog.create({ data: row });
  }

  /** An experiment's entries, newest first (its runs' included: they carry its id). */
  listForExperiment(experimentId: string, limit: number): Promise<AuditRow[]> {
    return this.prisma.client.auditLog.findMany({
      where: { experimentId },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: limit,
    });
  }
}

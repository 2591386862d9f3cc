import { Inject, Injectable } from '@nestjs/common';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';

export interface DeliveryRow {
  id: string;
  experimentId: string;
  runId: string;
  event: string;
  url: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  payload: string;
  createdAt: Date;
  deliveredAt: Date | null;
  updatedAt: Date;
}

/** The only code that touches the WebhookDelivery table. */
@Injectable()
export class WebhooksRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  /** Insert deliveries; one that exists for (run, url, event) is kept as it is (a run ends once). Returns the new ids. */
  async createDeliveries(
    rows: { id: string; experimentId: string; runId: string; event: string; url: string; payload: string }[],
    db: Db = this.prisma.client,
  ): Promise<string[]> {
    const created: string[] = [];
    for (const r of rows) {
      const res = await db.webhookDelivery.createMany({ data: [r], skipDuplicates: true });
      if (res.count === 1) created.push(r.id);
    }
    return created;
  }

  find(id: string, db: Db = this.prisma.client): Promise<DeliveryRow | null> {
    return db.webhookDelivery.findUnique({ where: { id } });
  }

  async recordAttempt(
    id: string,
    data: {
      status: string;
      attempts: number;
      lastStatusCode: number | null;
      lastError: string | null;
      deliveredAt?: Date;
    },
    db: Db = this.prisma.client,
  ): Promise<void> {
    await db.webhookDelivery.update({ where: { id }, data });
  }

  async list(
    experimentId: string,
    limit: number,
    offset: number,
    db: Db = this.prisma.client,
  ): Promise<{ rows: DeliveryRow[]; total: number }> {
    const where = { experimentId };
    const [rows, total] = await Promise.all([
      db.webhookDelivery.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit,
        skip: offset,
      }),
      db.webhookDelivery.count({ where }),
    ]);
    return { rows, total };
  }
}

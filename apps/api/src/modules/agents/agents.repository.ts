import { Inject, Injectable } from '@nestjs/common';
import type { AgentInfo } from '@inferbench/contracts';
import { Prisma } from '@inferbench/db';
import { asJson } from '../../common/json.js';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';

export interface AgentRow {
  id: string;
  pool: string;
  host: string;
  version: string;
  capabilities: unknown;
  startedAt: Date;
  lastHeartbeatAt: Date;
  state: string;
  currentJob: unknown;
}

/** The only code that touches the Agent table (agents never write it; the API mirrors Redis here). */
@Injectable()
export class AgentsRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  async upsert(info: AgentInfo, db: Db = this.prisma.client): Promise<void> {
    const data = {
      pool: info.pool,
      host: info.host,
      version: info.version,
      capabilities: asJson(info.capabilities),
      startedAt: new Date(info.startedAt),
      lastHeartbeatAt: new Date(info.heartbeatAt),
      state: info.state,
      currentJob: info.currentJob ? asJson(info.currentJob) : Prisma.DbNull,
    };
    await db.agent.upsert({
      where: { id: info.id },
      create: { id: info.id, ...data },
      update: data,
    });
  }

  list(db: Db = this.prisma.client): Promise<AgentRow[]> {
    return db.agent.findMany({ orderBy: [{ pool: 'asc' }, { id: 'asc' }] });
  }

  /** Latest heartbeat per pool (for "no live agent in pool X for N s"). */
  async lastHeartbeatByPool(db: Db = this.prisma.client): Promise<Map<string, Date>> {
    const rows = await db.agent.groupBy({ by: ['pool'], _max: { lastHeartbeatAt: true } });
    return new Map(rows.flatMap((r) => (r._max.lastHeartbeatAt ? [[r.pool, r._max.lastHeartbeatAt] as const] : [])));
  }
}

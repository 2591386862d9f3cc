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

  /** Agents not in `liveIds` whose last mirrored heartbeat named a job: they died (or left) while running it. */
  async findGoneWithJob(
    liveIds: readonly string[],
    db: Db = this.prisma.client,
  ): Promise<{ id: string; currentJob: unknown }[]> {
    return db.agent.findMany({
      where: { id: { notIn: [...liveIds] }, currentJob: { not: Prisma.DbNull } },
      select: { id: true, currentJob: true },
    });
  }

  /** Forget a gone agent's job once its loss was handled (so it is handled once). */
  async clearJob(id: string, db: Db = this.prisma.client): Promise<void> {
    await db.agent.updateMany({ where: { id }, data: { currentJob: Prisma.DbNull, state: 'idle' } });
  }

  list(db: Db = this.prisma.client): Promise<AgentRow[]> {
    return db.agent.findMany({ orderBy: [{ pool: 'asc' }, { id: 'asc' }] });
  }

  /** Latest heartbeat per pool (for "no live agent in pool X for N s"). */
  async lastHeartbeatByPool(db: Db = this.prisma.client): Promise<Map<string, Date>> {
    const rows = await db.agent.groupBy({ by: ['pool'], _max: { lastHeartbeatAt: true } });
    return new Map(
      rows.flatMap((r) => (r._max.lastHeartbeatAt ? [[r.pool, r._max.lastHeartbeatAt] as const] : [])),
    );
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { ConnectionMode, TokenizerSetting } from '@inferbench/contracts';
import { Prisma } from '@inferbench/db';
import { asJson } from '../../common/json.js';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';

/** A Target row as the service sees it (the encrypted key included; the mapper drops it). */
export interface TargetRow {
  id: string;
  name: string;
  baseUrl: string;
  apiKind: string;
  model: string;
  headers: unknown;
  apiKeyEnc: string | null;
  pool: string;
  metricsUrl: string | null;
  /** keep-alive | close */
  connection: string;
  /** TokenizerSetting JSON; null: the agent's default */
  tokenizer: unknown;
  createdAt: Date;
  updatedAt: Date;
}

export interface TargetWrite {
  name?: string;
  baseUrl?: string;
  apiKind?: string;
  model?: string;
  headers?: Record<string, string>;
  apiKeyEnc?: string | null;
  pool?: string;
  metricsUrl?: string | null;
  connection?: ConnectionMode;
  /** null: the agent's default */
  tokenizer?: TokenizerSetting | null;
}

/** A write as Prisma data: the tokenizer setting is JSON (null stored as SQL NULL). */
function toData<T extends TargetWrite>(
  data: T,
): Omit<T, 'tokenizer'> & { tokenizer?: Prisma.InputJsonValue | typeof Prisma.DbNull } {
  const { tokenizer, ...rest } = data;
  if (tokenizer === undefined) return rest;
  return { ...rest, tokenizer: tokenizer === null ? Prisma.DbNull : asJson(tokenizer) };
}

/** The only code that touches the Target table. */
@Injectable()
export class TargetsRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  async list(
    page: { limit: number; offset: number },
    db: Db = this.prisma.client,
  ): Promise<{ rows: TargetRow[]; total: number }> {
    const [rows, total] = await Promise.all([
      db.target.findMany({
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
        take: page.limit,
        skip: page.offset,
      }),
      db.target.count(),
    ]);
    return { rows, total };
  }

  find(id: string, db: Db = this.prisma.client): Promise<TargetRow | null> {
    return db.target.findUnique({ where: { id } });
  }

  findMany(ids: readonly string[], db: Db = this.prisma.client): Promise<TargetRow[]> {
    return db.target.findMany({ where: { id: { in: [...ids] } } });
  }

  create(
    data: Required<Pick<TargetWrite, 'name' | 'baseUrl' | 'apiKind' | 'model' | 'pool'>> & TargetWrite,
    db: Db = this.prisma.client,
  ): Promise<TargetRow> {
    return db.target.create({ data: toData(data) });
  }

  update(id: string, data: TargetWrite, db: Db = this.prisma.client): Promise<TargetRow> {
    return db.target.update({ where: { id }, data: toData(data) });
  }

  delete(id: string, db: Db = this.prisma.client): Promise<void> {
    return db.target.delete({ where: { id } }).then(() => undefined);
  }

  /** How many experiment variants point at this target (a target in use cannot be deleted). */
  countVariantsUsing(id: string, db: Db = this.prisma.client): Promise<number> {
    return db.variant.count({ where: { targetId: id } });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import {
  parseStoredOr,
  StoredHeadersSchema,
  StoredTokenizerSettingSchema,
  type ConnectionMode,
  type TokenizerSetting,
} from '@inferbench/contracts';
import { Prisma } from '@inferbench/db';
import { asJson } from '../../common/json.js';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';

/** A Target row as the service sees it (the encrypted key included; the mapper drops it), JSON columns parsed. */
export interface TargetRow {
  id: string;
  name: string;
  baseUrl: string;
  apiKind: string;
  model: string;
  /** string values only (anything else in an old row is dropped) */
  headers: Record<string, string>;
  apiKeyEnc: string | null;
  pool: string;
  metricsUrl: string | null;
  /** keep-alive | close */
  connection: string;
  /** null: the agent's default (also for a stored value that is not a setting) */
  tokenizer: TokenizerSetting | null;
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

type RawTarget = Omit<TargetRow, 'headers' | 'tokenizer'> & { headers: unknown; tokenizer: unknown };

function toTargetRow(r: RawTarget): TargetRow {
  return {
    ...r,
    headers: StoredHeadersSchema.parse(r.headers),
    tokenizer: parseStoredOr(StoredTokenizerSettingSchema, r.tokenizer, null),
  };
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
    return { rows: rows.map(toTargetRow), total };
  }

  async find(id: string, db: Db = this.prisma.client): Promise<TargetRow | null> {
    const row = await db.target.findUnique({ where: { id } });
    return row ? toTargetRow(row) : null;
  }

  async findMany(ids: readonly string[], db: Db = this.prisma.client): Promise<TargetRow[]> {
    return (await db.target.findMany({ where: { id: { in: [...ids] } } })).map(toTargetRow);
  }

  async create(
    data: Required<Pick<TargetWrite, 'name' | 'baseUrl' | 'apiKind' | 'model' | 'pool'>> & TargetWrite,
    db: Db = this.prisma.client,
  ): Promise<TargetRow> {
    return toTargetRow(await db.target.create({ data: toData(data) }));
  }

  async update(id: string, data: TargetWrite, db: Db = this.prisma.client): Promise<TargetRow> {
    return toTargetRow(await db.target.update({ where: { id }, data: toData(data) }));
  }

  /** The target named `name`, created when missing (names are unique); returns its id. */
  async upsertByName(
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

  delete(id: string, db: Db = this.prisma.client): Promise<void> {
    return db.target.delete({ where: { id } }).then(() => undefined);
  }
}

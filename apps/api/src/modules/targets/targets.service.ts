import { Inject, Injectable } from '@nestjs/common';
import type {
  CreateTargetRequest,
  PageQuery,
  Target,
  TargetList,
  UpdateTargetRequest,
} from '@inferbench/contracts';
import { AppError, withPrismaErrors } from '../../common/errors/app-error.js';
import { SecretBox } from '../../common/crypto/secret-box.js';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';
import { splitConnectionHeader, toFrozenTarget, toTarget, type FrozenTarget } from './targets.mapper.js';
import { TARGET_USAGE, type TargetUsage } from './ports/target-usage.js';
import { TargetsRepository, type TargetWrite } from './targets.repository.js';

/** Target use cases; also the one place that encrypts and decrypts target API keys. */
@Injectable()
export class TargetsService {
  constructor(
    @Inject(TargetsRepository) private readonly repo: TargetsRepository,
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(SecretBox) private readonly secrets: SecretBox,
    @Inject(TARGET_USAGE) private readonly usage: TargetUsage,
  ) {}

  async listTargets(page: PageQuery): Promise<TargetList> {
    const { rows, total } = await this.repo.list(page);
    return { items: rows.map(toTarget), total };
  }

  async getTarget(id: string): Promise<Target> {
    const row = await this.repo.find(id);
    if (!row) throw AppError.notFound('target', id);
    return toTarget(row);
  }

  async createTarget(body: CreateTargetRequest): Promise<Target> {
    // a `Connection` header is the connection setting, not a header to store (`connection` wins when both are given)
    const { headers, mode } = splitConnectionHeader(body.headers);
    const row = await withPrismaErrors('target', () =>
      this.repo.create({
        name: body.name,
        baseUrl: body.baseUrl,
        apiKind: body.apiKind,
        model: body.model,
        headers,
        pool: body.pool,
        metricsUrl: body.metricsUrl ?? null,
        apiKeyEnc: body.apiKey !== undefined ? this.secrets.encrypt(body.apiKey) : null,
        connection: body.connection ?? mode ?? 'keep-alive',
        tokenizer: body.tokenizer ?? null,
      }),
    );
    return toTarget(row);
  }

  /** PATCH: only the fields given change (the update contract has no defaults). */
  async updateTarget(id: string, body: UpdateTargetRequest): Promise<Target> {
    const data: TargetWrite = {};
    if (body.name !== undefined) data.name = body.name;
    if (body.baseUrl !== undefined) data.baseUrl = body.baseUrl;
    if (body.apiKind !== undefined) data.apiKind = body.apiKind;
    if (body.model !== undefined) data.model = body.model;
    if (body.pool !== undefined) data.pool = body.pool;
    if (body.metricsUrl !== undefined) data.metricsUrl = body.metricsUrl;
    if (body.apiKey === null) data.apiKeyEnc = null;
    else if (body.apiKey !== undefined) data.apiKeyEnc = this.secrets.encrypt(body.apiKey);
    if (body.headers !== undefined) {
      // a `Connection` header sets the mode unless `connection` is given too; it is never stored as a header
      const { headers, mode } = splitConnectionHeader(body.headers);
      data.headers = headers;
      if (mode !== undefined) data.connection = mode;
    }
    if (body.connection !== undefined) data.connection = body.connection;
    if (body.tokenizer !== undefined) data.tokenizer = body.tokenizer;
    const row = await withPrismaErrors('target', async () => {
      if (!(await this.repo.find(id))) throw AppError.notFound('target', id);
      return this.repo.update(id, data);
    });
    return toTarget(row);
  }

  /** 409 CONFLICT while experiment variants still use the target. */
  async deleteTarget(id: string): Promise<void> {
    await this.prisma.transaction(async (tx) => {
      if (!(await this.repo.find(id, tx))) throw AppError.notFound('target', id);
      const users = await this.usage.countVariantsUsing(id, tx);
      if (users > 0) {
        throw AppError.conflict(
          `target '${id}' is used by ${users} experiment variant(s); change or delete them first`,
          {
            variants: users,
          },
        );
      }
      await withPrismaErrors('target', () => this.repo.delete(id, tx));
    });
  }

  /** The targets with these ids that exist (for checking references in experiment bodies). */
  async findExistingIds(ids: readonly string[], db?: Db): Promise<Set<string>> {
    const rows = await this.repo.findMany([...new Set(ids)], db);
    return new Set(rows.map((r) => r.id));
  }

  /** Secret-free snapshots of targets, keyed by id, for freezing into a run spec. */
  async getFrozenTargets(ids: readonly string[], db?: Db): Promise<Map<string, FrozenTarget>> {
    const rows = await this.repo.findMany([...new Set(ids)], db);
    return new Map(rows.map((r) => [r.id, toFrozenTarget(r)]));
  }

  /**
   * The placeholder target of imported results named `name` (a chat target that cannot be run unless the file gave
   * its URL), created when missing and reused by later imports; returns its id.
   */
  upsertPlaceholderTarget(data: { name: string; baseUrl: string; model: string }, tx: Db): Promise<string> {
    return this.repo.upsertByName(data, tx);
  }

  /**
   * The decrypted API key of a target at enqueue time: `undefined` when none is stored, `null` when the
   * target no longer exists. Throws when the stored key cannot be decrypted (wrong SECRET_KEY).
   */
  async getApiKey(id: string): Promise<string | undefined | null> {
    const row = await this.repo.find(id);
    if (!row) return null;
    return row.apiKeyEnc === null ? undefined : this.secrets.decrypt(row.apiKeyEnc);
  }
}

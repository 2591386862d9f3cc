import { Inject, Injectable } from '@nestjs/common';
import type { RequestSample } from '@inferbench/contracts';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';

/** A stored sample with the shard (and the shard's execution attempt) it came from. */
export interface StoredSample extends RequestSample {
  shardIndex: number;
  attempt: number;
}

interface SampleDbRow {
  shardIndex: number;
  attempt: number;
  idx: number;
  warmup: boolean;
  scheduledUs: number | null;
  clientQueueUs: number | null;
  sentUs: number;
  firstChunkUs: number | null;
  firstContentUs: number | null;
  endUs: number;
  chunkGapsUs: number[];
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  tokenSource: string;
  clientOutputTokens: number | null;
  httpStatus: number;
  errorClass: string | null;
  errorMessage: string | null;
}

/** DB row → the contract's RequestSample (NULL columns become absent optional fields). */
export function toStoredSample(r: SampleDbRow): StoredSample {
  return {
    shardIndex: r.shardIndex,
    attempt: r.attempt,
    idx: r.idx,
    warmup: r.warmup,
    ...(r.scheduledUs !== null ? { scheduledUs: r.scheduledUs } : {}),
    ...(r.clientQueueUs !== null ? { clientQueueUs: r.clientQueueUs } : {}),
    sentUs: r.sentUs,
    ...(r.firstChunkUs !== null ? { firstChunkUs: r.firstChunkUs } : {}),
    ...(r.firstContentUs !== null ? { firstContentUs: r.firstContentUs } : {}),
    endUs: r.endUs,
    chunkGapsUs: r.chunkGapsUs,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    reasoningTokens: r.reasoningTokens,
    tokenSource: r.tokenSource as RequestSample['tokenSource'],
    ...(r.clientOutputTokens !== null ? { clientOutputTokens: r.clientOutputTokens } : {}),
    httpStatus: r.httpStatus,
    ...(r.errorClass !== null ? { errorClass: r.errorClass as NonNullable<RequestSample['errorClass']> } : {}),
    ...(r.errorMessage !== null ? { errorMessage: r.errorMessage } : {}),
  };
}

const SAMPLE_COLUMNS = {
  shardIndex: true,
  attempt: true,
  idx: true,
  warmup: true,
  scheduledUs: true,
  clientQueueUs: true,
  sentUs: true,
  firstChunkUs: true,
  firstContentUs: true,
  endUs: true,
  chunkGapsUs: true,
  inputTokens: true,
  outputTokens: true,
  reasoningTokens: true,
  tokenSource: true,
  clientOutputTokens: true,
  httpStatus: true,
  errorClass: true,
  errorMessage: true,
} as const;

const nul = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

/** The only code that touches the RequestSample and IngestBatch tables. */
@Injectable()
export class SamplesRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  /**
   * Claim a batch id in the idempotency ledger. Returns false when (loadPoint, shard, attempt, batchSeq) was
   * stored before: the caller must then skip the samples.
   */
  async claimBatch(
    key: { loadPointId: string; shardIndex: number; attempt: number; batchSeq: number },
    sampleCount: number,
    db: Db = this.prisma.client,
  ): Promise<boolean> {
    const inserted = await db.$executeRaw`
      INSERT INTO "IngestBatch" ("loadPointId", "shardIndex", "attempt", "batchSeq", "sampleCount")
      VALUES (${key.loadPointId}, ${key.shardIndex}, ${key.attempt}, ${key.batchSeq}, ${sampleCount})
      ON CONFLICT DO NOTHING`;
    return inserted === 1;
  }

  /**
   * Insert many samples in ONE statement: column arrays unnest()ed into rows. Chunk gaps travel as
   * array literals in a text[] (unnest would flatten an int[][]) and are cast back per row. Rows that
   * already exist are skipped. Returns the number of rows inserted.
   */
  async insertSamples(
    loadPointId: string,
    shardIndex: number,
    attempt: number,
    samples: readonly RequestSample[],
    db: Db = this.prisma.client,
  ): Promise<number> {
    if (!samples.length) return 0;
    const col = <T>(f: (s: RequestSample) => T) => samples.map(f);
    return db.$executeRaw`
      INSERT INTO "RequestSample" ("loadPointId", "shardIndex", "attempt", "idx", "warmup", "scheduledUs", "clientQueueUs", "sentUs",
        "firstChunkUs", "firstContentUs", "endUs", "chunkGapsUs", "inputTokens", "outputTokens", "reasoningTokens",
        "tokenSource", "clientOutputTokens", "httpStatus", "errorClass", "errorMessage")
      SELECT ${loadPointId}, ${shardIndex}, ${attempt}, u.idx, u.warmup, u.scheduled, u.client_queue, u.sent, u.first_chunk, u.first_content,
        u.end_us, u.gaps::int[], u.input_tokens, u.output_tokens, u.reasoning_tokens, u.token_source, u.client_output_tokens,
        u.http_status, u.error_class, u.error_message
      FROM unnest(
        ${col((s) => s.idx)}::int[], ${col((s) => s.warmup)}::bool[], ${col((s) => nul(s.scheduledUs))}::float8[],
        ${col((s) => nul(s.clientQueueUs))}::float8[], ${col((s) => s.sentUs)}::float8[], ${col((s) => nul(s.firstChunkUs))}::float8[],
        ${col((s) => nul(s.firstContentUs))}::float8[], ${col((s) => s.endUs)}::float8[], ${col((s) => `{${s.chunkGapsUs.join(',')}}`)}::text[],
        ${col((s) => s.inputTokens)}::int[], ${col((s) => s.outputTokens)}::int[], ${col((s) => s.reasoningTokens)}::int[],
        ${col((s) => s.tokenSource)}::text[], ${col((s) => nul(s.clientOutputTokens))}::int[], ${col((s) => s.httpStatus)}::int[],
        ${col((s) => nul(s.errorClass))}::text[], ${col((s) => nul(s.errorMessage))}::text[]
      ) AS u(idx, warmup, scheduled, client_queue, sent, first_chunk, first_content, end_us, gaps, input_tokens, output_tokens,
             reasoning_tokens, token_source, client_output_tokens, http_status, error_class, error_message)
      ON CONFLICT DO NOTHING`;
  }

  /** Stored batches of one (shard, attempt), keyed `${shardIndex}/${attempt}` (an index-only scan of the ledger PK). */
  async batchCounts(loadPointId: string, db: Db = this.prisma.client): Promise<Map<string, number>> {
    const rows = await db.ingestBatch.groupBy({ by: ['shardIndex', 'attempt'], where: { loadPointId }, _count: { _all: true } });
    return new Map(rows.map((r) => [`${r.shardIndex}/${r.attempt}`, r._count._all]));
  }

  /** Every stored sample of one shard attempt, in idx order (a range scan of the primary key). */
  async loadShard(loadPointId: string, shardIndex: number, attempt: number, db: Db = this.prisma.client): Promise<StoredSample[]> {
    const rows = await db.requestSample.findMany({
      where: { loadPointId, shardIndex, attempt },
      select: SAMPLE_COLUMNS,
      orderBy: { idx: 'asc' },
    });
    return rows.map(toStoredSample);
  }

  /**
   * Pages of stored samples in primary-key order (shard, attempt, idx), keyset-paginated so memory stays flat
   * on big points. Every attempt is included: a retried shard's dead attempt stays downloadable.
   */
  async *iterate(loadPointId: string, pageSize = 2000, db: Db = this.prisma.client): AsyncGenerator<StoredSample[]> {
    let after: { shardIndex: number; attempt: number; idx: number } | undefined;
    for (;;) {
      const rows = await db.requestSample.findMany({
        where: {
          loadPointId,
          ...(after
            ? {
                OR: [
                  { shardIndex: { gt: after.shardIndex } },
                  { shardIndex: after.shardIndex, attempt: { gt: after.attempt } },
                  { shardIndex: after.shardIndex, attempt: after.attempt, idx: { gt: after.idx } },
                ],
              }
            : {}),
        },
        select: SAMPLE_COLUMNS,
        orderBy: [{ shardIndex: 'asc' }, { attempt: 'asc' }, { idx: 'asc' }],
        take: pageSize,
      });
      if (!rows.length) return;
      yield rows.map(toStoredSample);
      const last = rows[rows.length - 1]!;
      after = { shardIndex: last.shardIndex, attempt: last.attempt, idx: last.idx };
      if (rows.length < pageSize) return;
    }
  }
}

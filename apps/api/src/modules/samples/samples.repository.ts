import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { columnsToSamples, type RequestSample, type SampleColumns } from '@inferbench/contracts';
import { CONFIG, type AppConfig } from '../../config.js';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';
import type { SqlTx } from '../../infra/sql/sql-tx.js';
import { Prisma } from '@inferbench/db';
import { columnsToCopyBinary, COPY_BINARY_COLUMNS, copyBinaryText, toCopyBinary } from './copy-binary.js';

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
    ...(r.errorClass !== null
      ? { errorClass: r.errorClass as NonNullable<RequestSample['errorClass']> }
      : {}),
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

const isColumns = (b: readonly RequestSample[] | SampleColumns): b is SampleColumns => !Array.isArray(b);

/** Identity of one sample batch in the idempotency ledger. */
export interface BatchKey {
  loadPointId: string;
  shardIndex: number;
  attempt: number;
  batchSeq: number;
}

/**
 * Counts a stored batch on its load point inside the batch's transaction (the runs module owns that row, see
 * `RunsService.countStoredSamples`): null when the point does not exist in the event's run (the batch is then rolled
 * back); `mayFinalize` when this batch may be the last one the point waited for.
 */
export type CountStored = (sql: SqlTx, stored: number) => Promise<{ mayFinalize: boolean } | null>;

/** What became of one sample batch. */
export type StoreBatchResult =
  | { status: 'stored'; count: number; mayFinalize: boolean }
  | { status: 'duplicate' }
  | { status: 'unknown-point' };

/** One batch's rows: json-v1 samples, or the columns of a decoded columnar-v2 batch. */
export type BatchRows = readonly RequestSample[] | SampleColumns;

/** PostgreSQL unique_violation: two batches of one shard attempt carried the same idx. */
const UNIQUE_VIOLATION = '23505';

/** The only code that touches the RequestSample and IngestBatch tables (owned by the samples module). */
@Injectable()
export class SamplesRepository implements OnApplicationShutdown {
  /**
   * A plain pg pool for the ingest hot path: COPY is not available through Prisma. One connection per ingest job in
   * flight (the worker's concurrency) plus one, so a COPY never waits for a connection.
   */
  private readonly ingestPool: pg.Pool;

  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(CONFIG) config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.ingestPool = new pg.Pool({
      connectionString: config.db.url,
      max: config.ingest.concurrency + 1,
      idleTimeoutMillis: 30_000,
    });
    // an idle client whose server went away emits 'error' on the pool; without a listener Node would crash
    this.ingestPool.on('error', (err) =>
      this.logger.warn({ err: err.message }, 'ingest pg pool: idle client error'),
    );
  }

  /**
   * Store one batch in ONE transaction on the ingest pool: claim its id in the ledger, COPY the samples into
   * RequestSample (binary format, see copy-binary.ts), add them to the point's `samplesStored` (`countStored`, the
   * runs module's update, run in this transaction). Nothing is written when the batch was stored
   * before (`duplicate`) or the point does not exist in that run (`unknown-point`). When the COPY hits an existing row (two batches of one shard attempt
   * with a common idx, which a correct agent never sends) the transaction is rolled back and the batch is stored
   * row by row with ON CONFLICT DO NOTHING instead, so such a batch still lands (minus the clashing rows).
   */
  async storeBatchCopy(key: BatchKey, batch: BatchRows, countStored: CountStored): Promise<StoreBatchResult> {
    const count = isColumns(batch) ? batch.count : batch.length;
    // encoded before a connection is taken: a sample that cannot be stored fails here without opening a transaction
    const rows =
      count === 0
        ? undefined
        : isColumns(batch)
          ? columnsToCopyBinary(key.loadPointId, key.shardIndex, key.attempt, batch)
          : toCopyBinary(key.loadPointId, key.shardIndex, key.attempt, batch);
    const client = await this.ingestPool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      try {
        const claimed = await client.query(
          `INSERT INTO "IngestBatch" ("loadPointId", "shardIndex", "attempt", "batchSeq", "sampleCount")
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
          [key.loadPointId, key.shardIndex, key.attempt, key.batchSeq, count],
        );
        if (claimed.rowCount !== 1) {
          await client.query('ROLLBACK');
          return { status: 'duplicate' };
        }
        if (rows) {
          const copy = client.query(
            copyFrom(`COPY "RequestSample" (${COPY_BINARY_COLUMNS}) FROM STDIN (FORMAT binary)`),
          );
          await pipeline(Readable.from([rows]), copy);
        }
        // last statement before COMMIT: the point's row lock is held only briefly by each concurrent batch
        const sql: SqlTx = async <R>(text: string, values: readonly unknown[]) =>
          (await client.query(text, [...values])).rows as R[];
        const point = await countStored(sql, count);
        if (point === null) {
          await client.query('ROLLBACK');
          return { status: 'unknown-point' };
        }
        await client.query('COMMIT');
        return { status: 'stored', count, mayFinalize: point.mayFinalize };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
        this.logger.warn(
          { ...key },
          'sample batch repeats stored idx values; storing it row by row, skipping the clashes',
        );
        // the rare path: a compact batch becomes samples only here
        return await this.storeBatchRowwise(
          key,
          isColumns(batch) ? columnsToSamples(batch) : batch,
          countStored,
        );
      }
    } finally {
      client.release(broken);
    }
  }

  /** The slower path of {@link storeBatchCopy}: ledger claim + unnest INSERT … ON CONFLICT DO NOTHING + count, one transaction. */
  private async storeBatchRowwise(
    key: BatchKey,
    samples: readonly RequestSample[],
    countStored: CountStored,
  ): Promise<StoreBatchResult> {
    const unknown = new Error('unknown point');
    try {
      return await this.prisma.transaction(async (tx): Promise<StoreBatchResult> => {
        if (!(await this.claimBatch(key, samples.length, tx))) return { status: 'duplicate' };
        const n = await this.insertSamples(key.loadPointId, key.shardIndex, key.attempt, samples, tx);
        const sql: SqlTx = <R>(text: string, values: readonly unknown[]) =>
          tx.$queryRawUnsafe<R[]>(text, ...values);
        const point = await countStored(sql, n);
        if (point === null) throw unknown; // rolls the claim and the rows back
        return { status: 'stored', count: n, mayFinalize: point.mayFinalize };
      });
    } catch (err) {
      if (err === unknown) return { status: 'unknown-point' };
      throw err;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ingestPool.end();
  }

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
        ${col((s) => nul(s.errorClass))}::text[], ${col((s) => (s.errorMessage === undefined ? null : copyBinaryText(s.errorMessage)))}::text[]
      ) AS u(idx, warmup, scheduled, client_queue, sent, first_chunk, first_content, end_us, gaps, input_tokens, output_tokens,
             reasoning_tokens, token_source, client_output_tokens, http_status, error_class, error_message)
      ON CONFLICT DO NOTHING`;
  }

  /** Stored batches of one (shard, attempt), keyed `${shardIndex}/${attempt}` (an index-only scan of the ledger PK). */
  async batchCounts(loadPointId: string, db: Db = this.prisma.client): Promise<Map<string, number>> {
    const rows = await db.ingestBatch.groupBy({
      by: ['shardIndex', 'attempt'],
      where: { loadPointId },
      _count: { _all: true },
    });
    return new Map(rows.map((r) => [`${r.shardIndex}/${r.attempt}`, r._count._all]));
  }

  /**
   * The message of the first stored measured (not warm-up) request of `errorClass` among the given shard
   * attempts, in (shard, idx) order; null when none carries a message.
   */
  async firstErrorMessage(
    loadPointId: string,
    errorClass: string,
    shards: readonly { index: number; attempt: number }[],
    db: Db = this.prisma.client,
  ): Promise<string | null> {
    if (!shards.length) return null;
    const row = await db.requestSample.findFirst({
      where: {
        loadPointId,
        warmup: false,
        errorClass,
        errorMessage: { not: null },
        OR: shards.map((s) => ({ shardIndex: s.index, attempt: s.attempt })),
      },
      select: { errorMessage: true },
      orderBy: [{ shardIndex: 'asc' }, { idx: 'asc' }],
    });
    return row?.errorMessage ?? null;
  }

  /** Every stored sample of one shard attempt, in idx order (a range scan of the primary key). */
  async loadShard(
    loadPointId: string,
    shardIndex: number,
    attempt: number,
    db: Db = this.prisma.client,
  ): Promise<StoredSample[]> {
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
  async *iterate(
    loadPointId: string,
    pageSize = 2000,
    db: Db = this.prisma.client,
  ): AsyncGenerator<StoredSample[]> {
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

  /**
   * Delete the stored samples and ledger rows of these points (they have no foreign key, for bulk-insert speed), in
   * the caller's transaction when one is given (deleting an experiment).
   */
  async deleteForPoints(loadPointIds: readonly string[], db: Db = this.prisma.client): Promise<void> {
    if (!loadPointIds.length) return;
    await db.requestSample.deleteMany({ where: { loadPointId: { in: [...loadPointIds] } } });
    await db.ingestBatch.deleteMany({ where: { loadPointId: { in: [...loadPointIds] } } });
  }

  /**
   * One page of a point's samples of the given shard attempts (each shard's counted one), ordered by shard and
   * request index, and how many there are.
   */
  async page(
    loadPointId: string,
    shards: readonly { index: number; attempt: number }[],
    limit: number,
    offset: number,
    db: Db = this.prisma.client,
  ): Promise<{ rows: StoredSample[]; total: number }> {
    if (!shards.length) return { rows: [], total: 0 };
    const pairs = Prisma.join(shards.map((s) => Prisma.sql`(${s.index}::int, ${s.attempt}::int)`));
    const where = Prisma.sql`"loadPointId" = ${loadPointId} AND ("shardIndex", attempt) IN (${pairs})`;
    const rows = await db.$queryRaw<SampleDbRow[]>`
      SELECT "shardIndex", attempt, idx, warmup, "scheduledUs", "clientQueueUs", "sentUs", "firstChunkUs", "firstContentUs",
             "endUs", "chunkGapsUs", "inputTokens", "outputTokens", "reasoningTokens", "tokenSource", "clientOutputTokens",
             "httpStatus", "errorClass", "errorMessage"
      FROM "RequestSample" WHERE ${where}
      ORDER BY "shardIndex", idx
      LIMIT ${limit} OFFSET ${offset}`;
    const [count] = await db.$queryRaw<
      { n: bigint }[]
    >`SELECT count(*) AS n FROM "RequestSample" WHERE ${where}`;
    return { rows: rows.map(toStoredSample), total: Number(count?.n ?? 0) };
  }
}

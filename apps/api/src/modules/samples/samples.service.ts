import { Inject, Injectable } from '@nestjs/common';
import type { LoadPointSummary, RequestSample, SloSpec } from '@inferbench/contracts';
import { LoadPointAccumulator } from '@inferbench/metrics';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { ApiMetrics } from '../../infra/metrics/api-metrics.js';
import type { Db } from '../../infra/prisma/prisma.service.js';
import {
  SamplesRepository,
  type BatchKey,
  type BatchRows,
  type CountStored,
  type StoreBatchResult,
  type StoredSample,
} from './samples.repository.js';

export type { BatchRows, StoredSample } from './samples.repository.js';

/** Columns of the CSV export, in order. */
export const CSV_COLUMNS = [
  'shardIndex',
  'idx',
  'warmup',
  'scheduledUs',
  'clientQueueUs',
  'sentUs',
  'firstChunkUs',
  'firstContentUs',
  'endUs',
  'chunkGapsUs',
  'inputTokens',
  'outputTokens',
  'reasoningTokens',
  'tokenSource',
  'clientOutputTokens',
  'httpStatus',
  'errorClass',
  'errorMessage',
  'attempt',
] as const satisfies readonly (keyof StoredSample)[];

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = Array.isArray(v) ? v.join(';') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsvRow(s: StoredSample): string {
  return CSV_COLUMNS.map((c) => csvField(s[c])).join(',');
}

/** One shard's part of a summary: its counted attempt and, when its agent sent one, its encoded accumulator. */
export interface ShardPart {
  index: number;
  attempt: number;
  accumulator?: string;
}

/**
 * The samples module's use cases. It owns the RequestSample and IngestBatch tables: idempotent batch storage,
 * per-shard batch counts, summaries merged from shard accumulators (or rebuilt from stored samples), downloads,
 * pages of samples, and deletion. It knows nothing of runs: callers pass the point's shards and attempts.
 */
@Injectable()
export class SamplesService {
  constructor(
    @Inject(SamplesRepository) private readonly repo: SamplesRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ApiMetrics) private readonly metrics: ApiMetrics,
  ) {}

  /**
   * Store one batch exactly once (see {@link SamplesRepository.storeBatchCopy}): json-v1 samples, or the columns of a
   * decoded columnar-v2 batch; timed and counted in the ingest metrics (`inferbench_ingest_*`).
   */
  async storeBatch(key: BatchKey, samples: BatchRows, countStored: CountStored): Promise<StoreBatchResult> {
    if (!this.metrics.enabled) return this.repo.storeBatchCopy(key, samples, countStored);
    const t0 = performance.now();
    try {
      const result = await this.repo.storeBatchCopy(key, samples, countStored);
      const stored = result.status === 'stored' ? result.count : 0;
      this.metrics.recordBatch(result.status, stored, (performance.now() - t0) / 1000);
      return result;
    } catch (err) {
      this.metrics.recordBatch('error', 0, (performance.now() - t0) / 1000);
      throw err;
    }
  }

  /** Stored batches per `${shardIndex}/${attempt}`. */
  batchCounts(loadPointId: string): Promise<Map<string, number>> {
    return this.repo.batchCounts(loadPointId);
  }

  /** One stored error message of a failed measured request of this class (the given shard attempts), if any. */
  errorMessage(
    loadPointId: string,
    errorClass: string,
    shards: readonly { index: number; attempt: number }[],
  ): Promise<string | null> {
    return this.repo.firstErrorMessage(loadPointId, errorClass, shards);
  }

  /**
   * The point's summary (the same metrics code the agent and CLI use) and the encoded merged accumulator, stored so
   * distributions and cross-run statistics never rescan samples: the shards' accumulators merged; a shard without a
   * usable one is rebuilt from its stored samples.
   */
  async summarize(
    loadPointId: string,
    opts: { slo?: SloSpec | null | undefined; warnings: string[]; shards: readonly ShardPart[] },
  ): Promise<{ summary: LoadPointSummary; histograms: string }> {
    const sloOpt = opts.slo ? { slo: opts.slo } : {};
    const acc = new LoadPointAccumulator(sloOpt);
    for (const part of opts.shards) {
      if (part.accumulator !== undefined) {
        try {
          // merge() checks compatibility before it changes anything, so a refused part leaves `acc` intact
          acc.merge(LoadPointAccumulator.decode(part.accumulator));
          continue;
        } catch (err) {
          // corrupt, or built with another SLO: the stored samples are the source of truth
          this.logger.warn(
            { err, loadPointId, shard: part.index },
            'shard accumulator unusable; summarizing its stored samples',
          );
        }
      }
      acc.merge(
        new LoadPointAccumulator(sloOpt).addAll(
          await this.repo.loadShard(loadPointId, part.index, part.attempt),
        ),
      );
    }
    const summary = acc.summary({ ...sloOpt, warnings: opts.warnings, includeTimeSeries: true });
    return { summary, histograms: acc.encode() };
  }

  /** Every stored sample of the given shard attempts (each shard's counted one), shard by shard. */
  async countedSamples(
    loadPointId: string,
    shards: readonly { index: number; attempt: number }[],
  ): Promise<RequestSample[]> {
    const out: RequestSample[] = [];
    for (const s of shards) {
      for (const { shardIndex: _s, attempt: _a, ...sample } of await this.repo.loadShard(
        loadPointId,
        s.index,
        s.attempt,
      ))
        out.push(sample);
    }
    return out;
  }

  /** One page of the given shard attempts' samples, in (shard, idx) order. */
  page(
    loadPointId: string,
    shards: readonly { index: number; attempt: number }[],
    limit: number,
    offset: number,
  ): Promise<{ rows: StoredSample[]; total: number }> {
    return this.repo.page(loadPointId, shards, limit, offset);
  }

  /** Samples rebuilt from an imported file (shard 0, attempt 0), inside the import's transaction. */
  insertImported(loadPointId: string, samples: readonly RequestSample[], tx: Db): Promise<number> {
    return this.repo.insertSamples(loadPointId, 0, 0, samples, tx);
  }

  /** Delete the samples and ledger rows of these points, inside the caller's transaction. */
  deleteForPoints(loadPointIds: readonly string[], tx: Db): Promise<void> {
    return this.repo.deleteForPoints(loadPointIds, tx);
  }

  async *jsonlLines(id: string): AsyncGenerator<string> {
    for await (const page of this.repo.iterate(id)) yield page.map((s) => `${JSON.stringify(s)}\n`).join('');
  }

  async *csvLines(id: string): AsyncGenerator<string> {
    yield `${CSV_COLUMNS.join(',')}\n`;
    for await (const page of this.repo.iterate(id)) yield page.map((s) => `${toCsvRow(s)}\n`).join('');
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { Prisma } from '@inferbench/db';
import type { Db } from '../../infra/prisma/prisma.service.js';
import type { SqlTx } from '../../infra/sql/sql-tx.js';
import { ExperimentsService } from '../experiments/experiments.service.js';
import {
  RunsRepository,
  type ComparedRunRow as ComparedRunRecord,
  type NewImportedPoint,
  type PointRow,
  type RunWithPointsRow as RunWithPointsRecord,
} from './runs.repository.js';

/** A run with every point and its experiment's name (read through ExperimentsService). */
export type RunWithPointsRow = RunWithPointsRecord & { experimentName: string };

/** A run read for comparisons, with its experiment's name (read through ExperimentsService). */
export type ComparedRunRow = ComparedRunRecord & { experimentName: string };

/**
 * How other modules read and write Run and LoadPoint rows (the runs module owns both tables): typed rows with their
 * JSON columns already parsed. Writes that belong to another module's transaction take its `tx`.
 */
@Injectable()
export class RunRecordsService {
  constructor(
    @Inject(RunsRepository) private readonly repo: RunsRepository,
    @Inject(ExperimentsService) private readonly experiments: ExperimentsService,
  ) {}

  /** The run a load point belongs to; null when the point does not exist. */
  async findPointRunId(loadPointId: string): Promise<string | null> {
    return (await this.repo.findPoint(loadPointId))?.runId ?? null;
  }

  /** A point's shards with the attempt that counts for each (whose samples are the point's). Null: no such point. */
  async findCountedShards(loadPointId: string): Promise<{ index: number; attempt: number }[] | null> {
    const p = await this.repo.findPoint(loadPointId);
    return p ? countedShards(p) : null;
  }

  /** Count a stored sample batch on its point inside the batch's transaction (see RunsRepository). */
  countStoredSamples(
    sql: SqlTx,
    loadPointId: string,
    runId: string,
    n: number,
  ): Promise<{ mayFinalize: boolean } | null> {
    return this.repo.countStoredSamples(sql, loadPointId, runId, n);
  }

  /** How many runs are in each status (statuses with no run are absent); read by the metrics collector. */
  countRunsByStatus(): Promise<Map<string, number>> {
    return this.repo.countByStatus();
  }

  /** The run's experiment and review tags; null when the run does not exist. */
  findRunTags(runId: string): Promise<{ experimentId: string; tags: string[] } | null> {
    return this.repo.findRunTags(runId);
  }

  /**
   * The agent pool a work item (load point or eval item) runs in: its variant's frozen target's pool. Null when the
   * item or its run is gone. Ingest checks signed agent events against it.
   */
  async findPointPool(workItemId: string): Promise<{ runId: string; pool: string } | null> {
    const p = await this.repo.findPoint(workItemId);
    if (!p) return null;
    const run = await this.repo.findRunSpec(p.runId);
    if (!run) return null;
    const v = run.spec.variants.find((x) => x.label === p.variantLabel);
    return v ? { runId: p.runId, pool: v.target.pool } : null;
  }

  /** Who started the run: a user's e-mail or a service token's name (issue 12). */
  setStartedBy(runId: string, who: string): Promise<void> {
    return this.repo.setStartedBy(runId, who);
  }

  setRunTags(runId: string, tags: string[]): Promise<void> {
    return this.repo.setTags(runId, tags);
  }

  /** The run with every point and its experiment's name; null when it does not exist. */
  async findRun(runId: string): Promise<RunWithPointsRow | null> {
    const row = await this.repo.findRun(runId);
    if (!row) return null;
    const experimentName = (await this.experiments.findNames([row.experimentId])).get(row.experimentId);
    // a run outlives its experiment only while a deletion is in flight (runs cascade)
    return experimentName === undefined ? null : { ...row, experimentName };
  }

  /** The stored histograms (encoded accumulators) of some load points, by id (CI evaluation). */
  findHistogramsOf(ids: readonly string[]): Promise<Map<string, string | null>> {
    return this.repo.findHistograms(ids);
  }

  /** Keep the verdicts of the last CI evaluation with the run (`Run.evaluation`, RunEvaluationSchema). */
  storeEvaluation(runId: string, evaluation: Prisma.InputJsonValue): Promise<void> {
    return this.repo.storeEvaluation(runId, evaluation);
  }

  /**
   * Runs with only their points that have a summary, each with its stored histograms, and their experiment's name
   * (a run whose experiment is being deleted is left out, as it is a moment later).
   */
  async findRunsWithSummaries(ids: readonly string[]): Promise<ComparedRunRow[]> {
    const rows = await this.repo.findRunsWithSummaries(ids);
    const names = await this.experiments.findNames(rows.map((r) => r.experimentId));
    return rows.flatMap((r) => {
      const experimentName = names.get(r.experimentId);
      return experimentName === undefined ? [] : [{ ...r, experimentName }];
    });
  }

  findPointHistograms(loadPointId: string): Promise<{ id: string; histograms: string | null } | null> {
    return this.repo.findPointHistograms(loadPointId);
  }

  /** Store an imported run (completed, trigger `import`) with its points, in the import's transaction. */
  recordImportedRun(
    data: {
      experimentId: string;
      variantId: string;
      variantLabel: string;
      source: Prisma.InputJsonValue;
      spec: Prisma.InputJsonValue;
      metadata: Record<string, string>;
      points: NewImportedPoint[];
    },
    tx: Db,
  ): Promise<{ runId: string; pointIds: string[] }> {
    return this.repo.createImportedRun(data, tx);
  }
}

/** Each shard of a point with its counted attempt (absent = 0). */
export function countedShards(
  p: Pick<PointRow, 'shards' | 'shardAttempts'>,
): { index: number; attempt: number }[] {
  return Array.from({ length: p.shards }, (_, index) => ({
    index,
    attempt: p.shardAttempts.get(index) ?? 0,
  }));
}

import type { Prisma } from '@inferbench/db';
import type { Db } from '../../../infra/prisma/prisma.service.js';

/**
 * What the evals module reads about runs (the Run and LoadPoint tables belong to runs, which depends on evals): evals
 * declares this interface and the token, and the runs module provides the implementation (`RunsPortsModule`, a
 * global module). Read-only.
 */
export const EVAL_POINT_READS = Symbol('EvalPointReads');

/** The LoadPoint columns of an eval work item that the evals views show. */
export interface EvalPointRow {
  id: string;
  variantId: string | null;
  variantLabel: string;
  status: string;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  shardAttempts: Prisma.JsonValue;
}

export interface EvalPointReads {
  /** The run's eval work items (`kind = 'eval'`), in ordinal order. */
  findEvalPoints(runId: string, db?: Db): Promise<EvalPointRow[]>;
  /** Whether the run exists. */
  runExists(runId: string, db?: Db): Promise<boolean>;
}

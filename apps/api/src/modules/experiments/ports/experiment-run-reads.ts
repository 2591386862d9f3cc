import type { LoadLevel, StoredPointSummary } from '@inferbench/contracts';
import type { Db } from '../../../infra/prisma/prisma.service.js';

/**
 * What the experiments module reads about runs (the Run and LoadPoint tables belong to runs). Runs depends on
 * experiments, so experiments cannot call a runs service: it declares this interface and the token, and the runs
 * module provides the implementation (`RunsPortsModule`, a global module). Read-only.
 */
export const EXPERIMENT_RUN_READS = Symbol('ExperimentRunReads');

/** A run brief of an experiment (list and detail). */
export interface RunBriefRow {
  id: string;
  status: string;
  trigger: string;
  createdAt: Date;
  finishedAt: Date | null;
}

/** A run of the history view with its finalized load points (JSON columns parsed). */
export interface HistoryRunRow {
  id: string;
  status: string;
  createdAt: Date;
  finishedAt: Date | null;
  tags: string[];
  loadPoints: {
    id: string;
    variantLabel: string;
    levelLabel: string;
    level: LoadLevel;
    status: string;
    summary: StoredPointSummary | null;
  }[];
}

export interface ExperimentRunReads {
  /** The newest `limit` runs of each experiment (newest first); an experiment without runs maps to none. */
  recentRuns(experimentIds: readonly string[], limit: number, db?: Db): Promise<Map<string, RunBriefRow[]>>;
  /** Ids of the experiments whose newest run has `status` (the list's status filter). */
  experimentIdsWithLastRunStatus(status: string, db?: Db): Promise<string[]>;
  /** Runs of the experiment that are queued or running. */
  countActiveRuns(experimentId: string, db?: Db): Promise<number>;
  /** The run's experiment id; null when the run does not exist. */
  findRunExperimentId(runId: string, db?: Db): Promise<string | null>;
  /** The newest `limit` runs of the experiment (newest first) with their finalized load points. */
  historyRuns(experimentId: string, limit: number, db?: Db): Promise<HistoryRunRow[]>;
  /** Ids of every work item (LoadPoint) of the experiment's runs. */
  findPointIds(experimentId: string, db?: Db): Promise<string[]>;
}

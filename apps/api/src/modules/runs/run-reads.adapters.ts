import { Inject, Injectable } from '@nestjs/common';
import type { Db } from '../../infra/prisma/prisma.service.js';
import type { EvalPointReads, EvalPointRow } from '../evals/ports/eval-point-reads.js';
import type {
  ExperimentRunReads,
  HistoryRunRow,
  RunBriefRow,
} from '../experiments/ports/experiment-run-reads.js';
import { RunsRepository } from './runs.repository.js';

/** The runs module's answer to the experiments module's `ExperimentRunReads` port (read-only). */
@Injectable()
export class ExperimentRunReadsAdapter implements ExperimentRunReads {
  constructor(@Inject(RunsRepository) private readonly repo: RunsRepository) {}

  recentRuns(experimentIds: readonly string[], limit: number, db?: Db): Promise<Map<string, RunBriefRow[]>> {
    return this.repo.recentRunsOf(experimentIds, limit, db);
  }

  experimentIdsWithLastRunStatus(status: string, db?: Db): Promise<string[]> {
    return this.repo.experimentIdsWithLastRunStatus(status, db);
  }

  countActiveRuns(experimentId: string, db?: Db): Promise<number> {
    return this.repo.countActiveRuns(experimentId, db);
  }

  findRunExperimentId(runId: string, db?: Db): Promise<string | null> {
    return this.repo.findRunExperimentId(runId, db);
  }

  historyRuns(experimentId: string, limit: number, db?: Db): Promise<HistoryRunRow[]> {
    return this.repo.historyRuns(experimentId, limit, db);
  }

  findPointIds(experimentId: string, db?: Db): Promise<string[]> {
    return this.repo.findExperimentPointIds(experimentId, db);
  }
}

/** The runs module's answer to the evals module's `EvalPointReads` port (read-only). */
@Injectable()
export class EvalPointReadsAdapter implements EvalPointReads {
  constructor(@Inject(RunsRepository) private readonly repo: RunsRepository) {}

  findEvalPoints(runId: string, db?: Db): Promise<EvalPointRow[]> {
    return this.repo.findEvalPoints(runId, db);
  }

  runExists(runId: string, db?: Db): Promise<boolean> {
    return this.repo.runExists(runId, db);
  }
}

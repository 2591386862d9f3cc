import { Inject, Injectable } from '@nestjs/common';
import {
  isTerminalRunStatus,
  type Run,
  type RunList,
  type RunListQuery,
  type RunStatus,
  type StartRunRequest,
} from '@inferbench/contracts';
import { AppError } from '../../common/errors/app-error.js';
import { EvalsService } from '../evals/evals.service.js';
import { ExperimentsService } from '../experiments/experiments.service.js';
import { toRun, toRunListItem } from './runs.mapper.js';
import { RunsRepository } from './runs.repository.js';
import { CancelRun } from './use-cases/cancel-run.js';
import { StartRun } from './use-cases/start-run.js';

/** The runs API: start, read, list, cancel (the lifecycle itself is in `use-cases/`). */
@Injectable()
export class RunsService {
  constructor(
    @Inject(RunsRepository) private readonly repo: RunsRepository,
    @Inject(StartRun) private readonly start: StartRun,
    @Inject(CancelRun) private readonly cancel: CancelRun,
    @Inject(EvalsService) private readonly evals: EvalsService,
    @Inject(ExperimentsService) private readonly experiments: ExperimentsService,
  ) {}

  async startRun(experimentId: string, body: StartRunRequest): Promise<Run> {
    return this.getRun(await this.start.execute(experimentId, body));
  }

  async getRun(id: string): Promise<Run> {
    const row = await this.repo.findRun(id);
    if (!row) throw AppError.notFound('run', id);
    // the experiment's name comes from its owner; a run outlives its experiment only while a deletion is in flight
    const name = (await this.experiments.findNames([row.experimentId])).get(row.experimentId);
    if (name === undefined) throw AppError.notFound('run', id);
    return toRun(row, name, await this.evals.runEvals(id));
  }

  /** Status snapshot for the SSE stream (404 when unknown). */
  async getRunStatus(id: string): Promise<{ status: RunStatus; error: string | null }> {
    const row = await this.repo.findRunSpec(id);
    if (!row) throw AppError.notFound('run', id);
    return { status: row.status as RunStatus, error: row.error };
  }

  async listRuns(query: RunListQuery): Promise<RunList> {
    const { rows, total } = await this.repo.listRuns(query);
    const names = await this.experiments.findNames(rows.map((r) => r.experimentId));
    return { items: rows.map((r) => toRunListItem(r, names.get(r.experimentId) ?? '')), total };
  }

  /** 409 CONFLICT when the run already ended. */
  async cancelRun(id: string): Promise<Run> {
    const run = await this.repo.findRunSpec(id);
    if (!run) throw AppError.notFound('run', id);
    if (isTerminalRunStatus(run.status)) throw AppError.conflict(`run '${id}' is already ${run.status}`);
    if (!(await this.cancel.execute(id))) {
      const now = await this.repo.findRunSpec(id);
      throw AppError.conflict(`run '${id}' is already ${now?.status ?? 'finished'}`);
    }
    return this.getRun(id);
  }

  /** 404 unless the load point exists. */
  async assertPointExists(loadPointId: string): Promise<void> {
    if (!(await this.repo.findPoint(loadPointId))) throw AppError.notFound('load point', loadPointId);
  }
}

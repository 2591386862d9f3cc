import { Inject, Injectable } from '@nestjs/common';
import {
  isTerminalRunStatus,
  type LoadPlanSpec,
  type OptimizationDescriptor,
  type RequestParams,
  type Run,
  type RunList,
  type RunListQuery,
  type RunStatus,
  type SloSpec,
  type StartRunRequest,
  type WorkloadSpec,
} from '@inferbench/contracts';
import { AppError } from '../../common/errors/app-error.js';
import { asJson } from '../../common/json.js';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { PrismaService } from '../../infra/prisma/prisma.service.js';
import { ExperimentsService } from '../experiments/experiments.service.js';
import { TargetsService } from '../targets/targets.service.js';
import { RunLifecycleService } from './run-lifecycle.service.js';
import { planInitialPoints, type RunSpec, withRunSeed } from './run-spec.js';
import { toRun, toRunListItem } from './runs.mapper.js';
import { RunsRepository } from './runs.repository.js';

/** Run use cases: start (freeze + expand + enqueue after commit), read, list, cancel. */
@Injectable()
export class RunsService {
  constructor(
    @Inject(RunsRepository) private readonly repo: RunsRepository,
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(ExperimentsService) private readonly experiments: ExperimentsService,
    @Inject(TargetsService) private readonly targets: TargetsService,
    @Inject(RunLifecycleService) private readonly lifecycle: RunLifecycleService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Start a run of an experiment. One transaction freezes the spec and creates the run (`queued`) with its
   * load points; after the commit the first point of every target chain is enqueued. If the process dies
   * in between, the sweeper finds the run (`enqueuedAt` null) and enqueues it.
   */
  async startRun(experimentId: string, body: StartRunRequest): Promise<Run> {
    const runId = await this.prisma.transaction(async (tx) => {
      const exp = await this.experiments.getRow(experimentId, tx);
      if (exp.archivedAt) {
        throw AppError.conflict(`experiment '${experimentId}' is archived; unarchive it to start a run`);
      }
      const frozenTargets = await this.targets.getFrozenTargets(
        exp.variants.map((v) => v.targetId),
        tx,
      );
      const spec: RunSpec = {
        v: 1,
        experiment: { id: exp.id, name: exp.name, description: exp.description, tags: exp.tags },
        workload: exp.workload as WorkloadSpec,
        // a fresh seed per run unless the plan fixes one; frozen with the run so it can be replayed
        loadPlan: withRunSeed(exp.loadPlan as LoadPlanSpec),
        slo: (exp.slo as SloSpec | null) ?? null,
        variants: exp.variants.map((v) => {
          const target = frozenTargets.get(v.targetId);
          // Variant.targetId is a Restrict foreign key, so this cannot happen inside the transaction
          if (!target) throw new Error(`target ${v.targetId} of variant ${v.id} vanished`);
          return {
            id: v.id,
            label: v.label,
            optimization: v.optimization as OptimizationDescriptor,
            params: v.params as RequestParams,
            target,
          };
        }),
      };
      let planned;
      try {
        planned = planInitialPoints(spec);
      } catch (err) {
        throw AppError.validation(
          [{ path: 'loadPlan', message: (err as Error).message }],
          'the experiment load plan cannot be run',
        );
      }
      if (!planned.length) throw AppError.conflict('the experiment load plan yields no load points');
      // shards per variant: the plan's number, or the live agents of the variant's pool for 'all'
      const shardsByVariant = new Map<string, number>();
      for (const v of spec.variants) shardsByVariant.set(v.id, await this.lifecycle.resolveShards(spec, v));
      return this.repo.createRun(
        {
          experimentId,
          trigger: body.trigger,
          metadata: body.metadata,
          spec: asJson(spec),
          points: planned.map((p, ordinal) => ({
            variantId: p.variant.id,
            variantLabel: p.variant.label,
            ordinal,
            level: asJson(p.level),
            levelLabel: p.levelLabel,
            shards: shardsByVariant.get(p.variant.id) ?? 1,
          })),
        },
        tx,
      );
    });
    try {
      await this.lifecycle.advance(runId);
    } catch (err) {
      // the run is committed; the sweeper retries the enqueue (enqueuedAt stays null)
      this.logger.error({ err, runId }, 'enqueue after commit failed; the sweeper will retry');
    }
    return this.getRun(runId);
  }

  async getRun(id: string): Promise<Run> {
    const row = await this.repo.findRun(id);
    if (!row) throw AppError.notFound('run', id);
    return toRun(row);
  }

  /** Status snapshot for the SSE stream (404 when unknown). */
  async getRunStatus(id: string): Promise<{ status: RunStatus; error: string | null }> {
    const row = await this.repo.findRunSpec(id);
    if (!row) throw AppError.notFound('run', id);
    return { status: row.status as RunStatus, error: row.error };
  }

  async listRuns(query: RunListQuery): Promise<RunList> {
    const { rows, total } = await this.repo.listRuns(query);
    return { items: rows.map(toRunListItem), total };
  }

  /** 409 CONFLICT when the run already ended. */
  async cancelRun(id: string): Promise<Run> {
    const run = await this.repo.findRunSpec(id);
    if (!run) throw AppError.notFound('run', id);
    if (isTerminalRunStatus(run.status)) throw AppError.conflict(`run '${id}' is already ${run.status}`);
    await this.lifecycle.signalCancel(id);
    const changed = await this.lifecycle.cancelRun(id);
    if (!changed) {
      const now = await this.repo.findRunSpec(id);
      throw AppError.conflict(`run '${id}' is already ${now?.status ?? 'finished'}`);
    }
    return this.getRun(id);
  }
}

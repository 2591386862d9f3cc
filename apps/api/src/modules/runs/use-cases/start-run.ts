import { Inject, Injectable } from '@nestjs/common';
import type { RunSpec, StartRunRequest } from '@inferbench/contracts';
import { AppError } from '../../../common/errors/app-error.js';
import { asJson } from '../../../common/json.js';
import { LOGGER, type Logger } from '../../../common/logging/logger.js';
import { PrismaService } from '../../../infra/prisma/prisma.service.js';
import { ExperimentsService } from '../../experiments/experiments.service.js';
import { TargetsService } from '../../targets/targets.service.js';
import { withRunSeed } from '../run-spec.js';
import { RunsRepository } from '../runs.repository.js';
import { WorkItemKinds } from '../work-items/work-item-kinds.js';
import { DispatchRun } from './dispatch-run.js';

/**
 * Start a run of an experiment. One transaction freezes the spec and creates the run (`queued`) with its first work
 * items (the `load` kind expands the plan); after the commit the run is dispatched. If the process dies in between,
 * the sweeper finds the run (`enqueuedAt` null) and dispatches it. Returns the run id.
 */
@Injectable()
export class StartRun {
  constructor(
    @Inject(RunsRepository) private readonly repo: RunsRepository,
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(ExperimentsService) private readonly experiments: ExperimentsService,
    @Inject(TargetsService) private readonly targets: TargetsService,
    @Inject(WorkItemKinds) private readonly kinds: WorkItemKinds,
    @Inject(DispatchRun) private readonly dispatch: DispatchRun,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(experimentId: string, body: StartRunRequest): Promise<string> {
    const key = body.idempotencyKey;
    if (key !== undefined) {
      // a retried start (CI step re-run, network retry) gets the run the first one started
      const existing = await this.repo.findRunIdByIdempotencyKey(experimentId, key);
      if (existing) return existing;
    }
    try {
      return await this.create(experimentId, body);
    } catch (err) {
      // two starts with one key at the same moment: the unique index lets one through, the other returns its run
      if (key !== undefined && (err as { code?: string }).code === 'P2002') {
        const existing = await this.repo.findRunIdByIdempotencyKey(experimentId, key);
        if (existing) return existing;
      }
      throw err;
    }
  }

  private async create(experimentId: string, body: StartRunRequest): Promise<string> {
    const kind = this.kinds.get('load');
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
        workload: exp.workload,
        // a fresh seed per run unless the plan fixes one; frozen with the run so it can be replayed
        loadPlan: withRunSeed(exp.loadPlan),
        slo: exp.slo,
        ...(exp.evals ? { evals: exp.evals } : {}),
        variants: exp.variants.map((v) => {
          const target = frozenTargets.get(v.targetId);
          // Variant.targetId is a Restrict foreign key, so this cannot happen inside the transaction
          if (!target) throw new Error(`target ${v.targetId} of variant ${v.id} vanished`);
          return { id: v.id, label: v.label, optimization: v.optimization, params: v.params, target };
        }),
      };
      let planned;
      try {
        planned = kind.expand(spec);
      } catch (err) {
        throw AppError.validation(
          [{ path: 'loadPlan', message: (err as Error).message }],
          'the experiment load plan cannot be run',
        );
      }
      if (!planned.length) throw AppError.conflict('the experiment load plan yields no load points');
      // kinds whose items sit among the load items (evals)
      for (const k of this.kinds.all()) if (k.arrange) planned = k.arrange(spec, planned);
      // shards per variant: the plan's number, or the live agents of the variant's pool for 'all'
      const shardsByVariant = new Map<string, number>();
      for (const v of spec.variants) shardsByVariant.set(v.id, await kind.shards(spec, v));
      return this.repo.createRun(
        {
          experimentId,
          trigger: body.trigger,
          metadata: body.metadata,
          idempotencyKey: body.idempotencyKey,
          spec: asJson(spec),
          points: planned.map((p, ordinal) => ({
            variantId: p.variant.id,
            variantLabel: p.variant.label,
            ordinal,
            level: asJson(p.level),
            levelLabel: p.levelLabel,
            shards: p.kind === 'eval' ? 1 : (shardsByVariant.get(p.variant.id) ?? 1),
            ...(p.kind && p.kind !== 'load' ? { kind: p.kind } : {}),
          })),
        },
        tx,
      );
    });
    try {
      await this.dispatch.advance(runId);
    } catch (err) {
      // the run is committed; the sweeper retries the enqueue (enqueuedAt stays null)
      this.logger.error({ err, runId }, 'enqueue after commit failed; the sweeper will retry');
    }
    return runId;
  }
}

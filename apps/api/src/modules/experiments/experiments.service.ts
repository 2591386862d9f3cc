import { Inject, Injectable } from '@nestjs/common';
import type {
  CloneExperimentRequest,
  CreateExperimentRequest,
  ExperimentWebhookInput,
  StoredWebhook,
  Experiment,
  ExperimentHistory,
  ExperimentList,
  ExperimentListQuery,
  FieldIssue,
  UpdateExperimentRequest,
  VariantInput,
} from '@inferbench/contracts';
import { asJson } from '../../common/json.js';
import { SecretBox } from '../../common/crypto/secret-box.js';
import { AppError, withPrismaErrors } from '../../common/errors/app-error.js';
import { PrismaService, type Db, type Tx } from '../../infra/prisma/prisma.service.js';
import type { Prisma } from '@inferbench/db';
import { SamplesService } from '../samples/samples.service.js';
import { TargetsService } from '../targets/targets.service.js';
import { toExperiment, toExperimentListItem, toHistoryRun } from './experiments.mapper.js';
import { ExperimentsRepository, type ExperimentRow, type VariantWrite } from './experiments.repository.js';
import { EXPERIMENT_RUN_READS, type ExperimentRunReads } from './ports/experiment-run-reads.js';

/** How many run briefs an experiment carries (newest first). */
export const RECENT_RUNS = 20;

function toVariantWrite(v: VariantInput, position: number): VariantWrite {
  return {
    targetId: v.targetId,
    label: v.label,
    position,
    optimization: asJson(v.optimization),
    params: asJson(v.params),
  };
}

/** Experiment use cases. Every write runs in one transaction: a rejected request leaves nothing behind. */
@Injectable()
export class ExperimentsService {
  constructor(
    @Inject(ExperimentsRepository) private readonly repo: ExperimentsRepository,
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(TargetsService) private readonly targets: TargetsService,
    @Inject(SamplesService) private readonly samples: SamplesService,
    @Inject(SecretBox) private readonly secrets: SecretBox,
    @Inject(EXPERIMENT_RUN_READS) private readonly runs: ExperimentRunReads,
  ) {}

  /**
   * Webhooks to store: each secret encrypted; a webhook given without a secret keeps the stored secret of the same
   * URL (so a PATCH from a file without secrets does not drop them).
   */
  private sealWebhooks(
    input: readonly ExperimentWebhookInput[],
    stored: readonly StoredWebhook[],
  ): StoredWebhook[] {
    return input.map((w) => ({
      url: w.url,
      secretEnc:
        w.secret !== undefined
          ? this.secrets.encrypt(w.secret)
          : (stored.find((s) => s.url === w.url)?.secretEnc ?? null),
    }));
  }

  /** The experiment's webhooks with their secrets in clear, for signing a delivery (never returned over HTTP). */
  async webhooksForDelivery(experimentId: string): Promise<{ url: string; secret: string | null }[]> {
    const row = await this.repo.find(experimentId);
    return (row?.webhooks ?? []).map((w) => ({
      url: w.url,
      secret: w.secretEnc === null ? null : this.secrets.decrypt(w.secretEnc),
    }));
  }

  async listExperiments(query: ExperimentListQuery): Promise<ExperimentList> {
    const { status, ...filter } = query;
    const ids = status ? await this.runs.experimentIdsWithLastRunStatus(status) : undefined;
    const { rows, total } = await this.repo.list({ ...filter, ids });
    const briefs = await this.runs.recentRuns(
      rows.map((r) => r.id),
      RECENT_RUNS,
    );
    return { items: rows.map((r) => toExperimentListItem(r, briefs.get(r.id) ?? [])), total };
  }

  async getExperiment(id: string): Promise<Experiment> {
    const row = await this.getRow(id);
    const briefs = await this.runs.recentRuns([id], RECENT_RUNS);
    return toExperiment(row, briefs.get(id) ?? []);
  }

  /** The names of these experiments, by id (absent: no such experiment); runs shows them with its runs. */
  findNames(ids: readonly string[], db?: Db): Promise<Map<string, string>> {
    return this.repo.findNames(ids, db);
  }

  /** The experiment row (variants included), or 404; used by the runs module to freeze a run's spec. */
  async getRow(id: string, db?: Db): Promise<ExperimentRow> {
    const row = await this.repo.find(id, db);
    if (!row) throw AppError.notFound('experiment', id);
    return row;
  }

  async createExperiment(body: CreateExperimentRequest): Promise<Experiment> {
    const id = await this.prisma.transaction(async (tx) => {
      await this.checkTargets(body.variants, tx);
      return withPrismaErrors('experiment', () =>
        this.repo.create(
          {
            name: body.name,
            description: body.description,
            tags: body.tags,
            workload: asJson(body.workload),
            loadPlan: asJson(body.loadPlan),
            ...(body.slo ? { slo: asJson(body.slo) } : {}),
            ...(body.evals ? { evals: asJson(body.evals) } : {}),
            ...(body.webhooks ? { webhooks: asJson(this.sealWebhooks(body.webhooks, [])) } : {}),
          },
          body.variants.map(toVariantWrite),
          tx,
        ),
      );
    });
    return this.getExperiment(id);
  }

  /** PATCH: top-level fields replace; `variants` replaces the list (rows with a known `id` are kept and updated). */
  async updateExperiment(id: string, body: UpdateExperimentRequest): Promise<Experiment> {
    await this.prisma.transaction(async (tx) => {
      const current = await this.getRow(id, tx);
      if (body.variants) await this.replaceVariants(current, body.variants, tx);
      await withPrismaErrors('experiment', () =>
        this.repo.update(
          id,
          {
            ...(body.name !== undefined ? { name: body.name } : {}),
            ...(body.description !== undefined ? { description: body.description } : {}),
            ...(body.tags !== undefined ? { tags: body.tags } : {}),
            ...(body.workload !== undefined ? { workload: asJson(body.workload) } : {}),
            ...(body.loadPlan !== undefined ? { loadPlan: asJson(body.loadPlan) } : {}),
            ...(body.slo !== undefined ? { slo: body.slo === null ? null : asJson(body.slo) } : {}),
            ...(body.evals !== undefined ? { evals: body.evals === null ? null : asJson(body.evals) } : {}),
            ...(body.webhooks !== undefined
              ? { webhooks: asJson(this.sealWebhooks(body.webhooks, current.webhooks)) }
              : {}),
          },
          tx,
        ),
      );
    });
    return this.getExperiment(id);
  }

  /** Hide the experiment from the default list (idempotent: archiving twice keeps the first time). */
  async archiveExperiment(id: string): Promise<Experiment> {
    const row = await this.getRow(id);
    if (row.archivedAt === null) await this.repo.setArchivedAt(id, new Date());
    return this.getExperiment(id);
  }

  async unarchiveExperiment(id: string): Promise<Experiment> {
    await this.getRow(id);
    await this.repo.setArchivedAt(id, null);
    return this.getExperiment(id);
  }

  /** A new experiment with the same spec and variants (no runs, comments or baseline). */
  async cloneExperiment(id: string, body: CloneExperimentRequest): Promise<Experiment> {
    const src = await this.getRow(id);
    const newId = await this.prisma.transaction((tx) =>
      withPrismaErrors('experiment', () =>
        this.repo.create(
          {
            name: body.name ?? `${src.name} (copy)`.slice(0, 200),
            description: src.description,
            tags: src.tags,
            workload: asJson(src.workload),
            loadPlan: asJson(src.loadPlan),
            ...(src.slo !== null ? { slo: asJson(src.slo) } : {}),
            ...(src.evals !== null ? { evals: asJson(src.evals) } : {}),
          },
          src.variants.map((v, i) => ({
            targetId: v.targetId,
            label: v.label,
            position: i,
            optimization: asJson(v.optimization),
            params: asJson(v.params),
          })),
          tx,
        ),
      ),
    );
    return this.getExperiment(newId);
  }

  /** Set (or clear with null) the baseline run; 400 `runId` when the run is not one of this experiment's. */
  async setBaseline(id: string, runId: string | null): Promise<Experiment> {
    await this.getRow(id);
    if (runId !== null && (await this.runs.findRunExperimentId(runId)) !== id) {
      throw AppError.validation([
        { path: 'runId', message: `run '${runId}' is not a run of experiment '${id}'` },
      ]);
    }
    await this.repo.setBaseline(id, runId);
    return this.getExperiment(id);
  }

  /** Runs over time (oldest first) with each finalized point's key figures, from stored summaries. */
  async getHistory(id: string, limit: number): Promise<ExperimentHistory> {
    const row = await this.getRow(id);
    const runs = await this.runs.historyRuns(id, limit);
    return {
      experimentId: id,
      baselineRunId: row.baselineRunId,
      runs: runs.reverse().map((r) => toHistoryRun(r, row.baselineRunId)),
    };
  }

  /** 409 CONFLICT while a run of the experiment is queued or running. */
  async deleteExperiment(id: string): Promise<void> {
    await this.prisma.transaction(async (tx) => {
      await this.getRow(id, tx);
      const active = await this.runs.countActiveRuns(id, tx);
      if (active > 0)
        throw AppError.conflict(`experiment '${id}' has ${active} active run(s); cancel them first`);
      // raw samples and the ingest ledger have no foreign key (bulk-insert speed): their owner deletes them here,
      // in the same transaction; variants, runs and load points cascade
      await this.samples.deleteForPoints(await this.runs.findPointIds(id, tx), tx);
      await this.repo.delete(id, tx);
    });
  }

  /** Experiment ids with exactly this name (at most two: callers only need to know whether it is ambiguous). */
  findIdsByName(name: string, db?: Db): Promise<string[]> {
    return this.repo.findIdsByName(name, db);
  }

  /** The experiment's baseline run (null when none); 404 when the experiment does not exist. */
  async getBaselineRunId(id: string): Promise<string | null> {
    const baseline = await this.repo.findBaselineRunId(id);
    if (baseline === undefined) throw AppError.notFound('experiment', id);
    return baseline;
  }

  findVariantByLabel(
    experimentId: string,
    label: string,
    db?: Db,
  ): Promise<{ id: string; targetId: string } | null> {
    return this.repo.findVariantByLabel(experimentId, label, db);
  }

  /** Add a variant after the experiment's last one (an import's variant); returns its id. */
  appendVariant(
    experimentId: string,
    data: { label: string; targetId: string; optimization: Prisma.InputJsonValue },
    tx: Tx,
  ): Promise<string> {
    return this.repo.appendVariant(experimentId, data, tx);
  }

  private async replaceVariants(current: ExperimentRow, variants: VariantInput[], tx: Tx): Promise<void> {
    const issues: FieldIssue[] = [];
    const known = new Set(current.variants.map((v) => v.id));
    const labels = new Set<string>();
    variants.forEach((v, i) => {
      if (v.id !== undefined && !known.has(v.id)) {
        issues.push({
          path: `variants.${i}.id`,
          message: `variant '${v.id}' is not part of this experiment`,
        });
      }
      if (labels.has(v.label))
        issues.push({
          path: `variants.${i}.label`,
          message: 'variant labels must be unique within an experiment',
        });
      labels.add(v.label);
    });
    if (issues.length) throw AppError.validation(issues);
    await this.checkTargets(variants, tx);
    const keep = variants.flatMap((v) => (v.id !== undefined ? [v.id] : []));
    await this.repo.deleteVariants(current.id, keep, tx);
    // labels are unique per experiment: park kept rows under temporary labels first so swaps do not collide
    for (const id of keep)
      await withPrismaErrors('variant', () => this.repo.renameVariant(id, `~tmp~${id}`, tx));
    for (const [i, v] of variants.entries()) {
      const data = toVariantWrite(v, i);
      if (v.id !== undefined)
        await withPrismaErrors('variant', () => this.repo.updateVariant(v.id!, data, tx));
      else await withPrismaErrors('variant', () => this.repo.createVariant(current.id, data, tx));
    }
  }

  /** Every referenced target must exist: 400 naming `variants.<i>.targetId` otherwise. */
  private async checkTargets(variants: VariantInput[], tx: Tx): Promise<void> {
    const existing = await this.targets.findExistingIds(
      variants.map((v) => v.targetId),
      tx,
    );
    const issues: FieldIssue[] = variants.flatMap((v, i) =>
      existing.has(v.targetId)
        ? []
        : [{ path: `variants.${i}.targetId`, message: `target '${v.targetId}' not found` }],
    );
    if (issues.length) throw AppError.validation(issues);
  }
}

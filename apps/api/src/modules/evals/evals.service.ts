import { Inject, Injectable } from '@nestjs/common';
import {
  ShardAttemptsSchema,
  type EvalCompareQuery,
  type EvalComparison,
  type EvalFlip,
  type EvalItemPage,
  type EvalItemsQuery,
  type EvalRecordsEvent,
  type EvalRescoreRequest,
  type EvalRescoreResult,
  type EvalSuite,
  type EvalTaskComparison,
  type EvalTaskOutcome,
  type EvalTaskSummary,
  type EvalVariantSummary,
  type ExperimentEvals,
  type RunEvals,
  type RunStatus,
} from '@inferbench/contracts';
import { comparePaired, itemsNeededForDrop, loadBuiltinSuite, suiteScore } from '@inferbench/evals';
import { AppError } from '../../common/errors/app-error.js';
import { PrismaService } from '../../infra/prisma/prisma.service.js';
import {
  applyOverride,
  rescoreRecord,
  scoringTask,
  summarizeTask,
  type ScoringTask,
} from './eval-scoring.js';
import { EVAL_POINT_READS, type EvalPointReads } from './ports/eval-point-reads.js';
import { EvalsRepository, recordData, type EvalRecordRow } from './evals.repository.js';

/** Flips returned by a comparison at most. */
const MAX_FLIPS = 1000;

/** The suite of an experiment's evals as one inline suite: built-ins expanded, the task filter applied. */
export async function resolveSuite(evals: ExperimentEvals): Promise<EvalSuite> {
  const suites: EvalSuite[] = [];
  for (const s of evals.suites) suites.push(typeof s === 'string' ? await loadBuiltinSuite(s) : s);
  let tasks = suites.flatMap((s) => s.tasks);
  const seen = new Set<string>();
  for (const t of tasks) {
    if (seen.has(t.id)) throw new Error(`task id '${t.id}' appears in more than one suite`);
    seen.add(t.id);
  }
  if (evals.tasks) {
    const unknown = evals.tasks.filter((id) => !seen.has(id));
    if (unknown.length) throw new Error(`evals.tasks: unknown task(s) ${unknown.join(', ')}`);
    const keep = new Set(evals.tasks);
    tasks = tasks.filter((t) => keep.has(t.id));
  }
  return { name: suites.map((s) => s.name).join('+'), tasks };
}

/** What finalizing a work item's scores found (for its status). */
export interface EvalFinalization {
  items: number;
  requestErrors: number;
  firstError: string | null;
  failedTasks: { taskId: string; error: string }[];
}

/**
 * Accuracy evals run through the platform: stores what agents send (idempotently), summarizes per (variant, task)
 * with the evals core, serves summaries, records and paired comparisons, and re-scores stored responses.
 */
@Injectable()
export class EvalsService {
  constructor(
    @Inject(EvalsRepository) private readonly repo: EvalsRepository,
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(EVAL_POINT_READS) private readonly points: EvalPointReads,
  ) {}

  resolveSuite(evals: ExperimentEvals): Promise<EvalSuite> {
    return resolveSuite(evals);
  }

  ensureWorkItem(data: Parameters<EvalsRepository['ensureWorkItem']>[0]): Promise<void> {
    return this.repo.ensureWorkItem(data);
  }

  /** Store a record batch once: 'duplicate' for a re-delivered batch, 'unknown' for a work item not of that run. */
  storeBatch(e: EvalRecordsEvent): Promise<'stored' | 'duplicate' | 'unknown'> {
    return this.repo.storeBatch(
      { workItemId: e.workItemId, runId: e.runId, attempt: e.attempt, batchIndex: e.batchIndex },
      e.records,
    );
  }

  batchCount(workItemId: string, attempt: number): Promise<number> {
    return this.repo.batchCount(workItemId, attempt);
  }

  recordOutcomes(workItemId: string, outcomes: EvalTaskOutcome[]): Promise<void> {
    return this.repo.setOutcomes(workItemId, outcomes);
  }

  setProgress(workItemId: string, progress: { done: number; total: number }): Promise<void> {
    return this.repo.setProgress(workItemId, progress);
  }

  /** Summaries of score version 0 from the counted attempt's records; stored in EvalScore. */
  async finalizeScores(workItemId: string, attempt: number): Promise<EvalFinalization> {
    const item = await this.repo.findWorkItem(workItemId);
    if (!item || !item.suite) return { items: 0, requestErrors: 0, firstError: null, failedTasks: [] };
    const rows = await this.repo.findRecords({ workItemId, attempt, scoreVersion: 0 });
    const tasks = this.summarize(item.suite, rows, item.outcomes);
    await this.repo.writeScore({
      workItemId,
      runId: item.runId,
      scoreVersion: 0,
      tasks,
      suite: suiteOf(tasks),
      config: null,
    });
    const withError = rows.filter((r) => r.error !== null);
    return {
      items: rows.length,
      requestErrors: withError.length,
      firstError: withError[0]?.error ?? null,
      failedTasks: item.suite.tasks.flatMap((t) => {
        const o = item.outcomes.find((x) => x.taskId === t.id);
        if (o?.status === 'failed') return [{ taskId: t.id, error: o.error ?? 'failed' }];
        if (!o) return [{ taskId: t.id, error: 'the agent reported no outcome for this task' }];
        return [];
      }),
    };
  }

  private summarize(
    suite: EvalSuite,
    rows: readonly EvalRecordRow[],
    outcomes: readonly EvalTaskOutcome[],
  ): EvalTaskSummary[] {
    const byTask = new Map<string, EvalRecordRow[]>();
    for (const r of rows) {
      const list = byTask.get(r.taskId);
      if (list) list.push(r);
      else byTask.set(r.taskId, [r]);
    }
    return suite.tasks.map((spec) =>
      summarizeTask(
        spec,
        byTask.get(spec.id) ?? [],
        outcomes.find((o) => o.taskId === spec.id),
        'completed',
      ),
    );
  }

  /** `GET /runs/:id/evals` (also `Run.evals`); null when the run has no eval work items. */
  async runEvals(runId: string, scoreVersion?: number): Promise<RunEvals | null> {
    const points = await this.points.findEvalPoints(runId);
    if (points.length === 0) return null;
    const [items, scores] = await Promise.all([
      this.repo.findWorkItemsOfRun(runId),
      this.repo.findScores(runId),
    ]);
    const versions = [...new Set(scores.map((s) => s.scoreVersion))].sort((a, b) => a - b);
    const variants: EvalVariantSummary[] = points.map((p) => {
      const item = items.find((i) => i.id === p.id);
      const mine = scores.filter(
        (s) => s.workItemId === p.id && (scoreVersion === undefined || s.scoreVersion <= scoreVersion),
      );
      const score = mine[mine.length - 1];
      const status = p.status as RunStatus;
      let tasks: EvalTaskSummary[] = score?.tasks ?? [];
      if (!score && item?.suite) {
        // not finalized yet: list the tasks with their live state
        tasks = item.suite.tasks.map((spec) => ({
          ...summarizeTask(
            spec,
            [],
            item.outcomes.find((o) => o.taskId === spec.id),
            status === 'running' ? 'running' : status,
          ),
          versionHash: '',
        }));
      }
      return {
        workItemId: p.id,
        variantId: p.variantId,
        variantLabel: p.variantLabel,
        status,
        mode: item?.mode ?? 'standalone',
        loadPointId: item?.companionId ?? null,
        scoreVersion: score?.scoreVersion ?? 0,
        progress: item?.progress ?? null,
        error: p.error,
        startedAt: p.startedAt?.toISOString() ?? null,
        finishedAt: p.finishedAt?.toISOString() ?? null,
        tasks,
        suite: score?.suite ?? null,
      };
    });
    return { runId, scoreVersions: versions, variants };
  }

  async getRunEvals(runId: string, scoreVersion?: number): Promise<RunEvals> {
    if (!(await this.points.runExists(runId))) throw AppError.notFound('run', runId);
    return (await this.runEvals(runId, scoreVersion)) ?? { runId, scoreVersions: [], variants: [] };
  }

  /** The counted attempt of every eval work item of a run. */
  private async attemptsOf(runId: string): Promise<Map<string, number>> {
    const points = await this.points.findEvalPoints(runId);
    return new Map(points.map((p) => [p.id, ShardAttemptsSchema.parse(p.shardAttempts).get(0) ?? 0]));
  }

  async items(runId: string, q: EvalItemsQuery): Promise<EvalItemPage> {
    if (!(await this.points.runExists(runId))) throw AppError.notFound('run', runId);
    const version = q.scoreVersion ?? Math.max(0, await this.repo.maxScoreVersion(runId));
    const { rows, total } = await this.repo.pageRecords({
      runId,
      scoreVersion: version,
      attempts: await this.attemptsOf(runId),
      taskId: q.task,
      variantLabel: q.variant,
      status: q.status,
      skip: (q.page - 1) * q.pageSize,
      take: q.pageSize,
    });
    return {
      items: rows.map((r) => ({
        taskId: r.taskId,
        itemId: r.itemId,
        variantLabel: r.variantLabel,
        promptHash: r.promptHash,
        templateHash: r.templateHash,
        prompt: r.prompt,
        response: { content: r.content, reasoning: r.reasoning },
        extracted: r.extracted,
        reference: r.reference,
        references: r.references,
        correct: r.correct,
        score: r.score,
        scores: r.scores,
        parseStatus: r.parseStatus,
        tokens: { input: r.inputTokens, output: r.outputTokens, reasoning: r.reasoningTokens },
        latencyMs: r.latencyMs,
        error: r.error,
        scoreVersion: r.scoreVersion,
      })),
      total,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  /** One side of a comparison: the variant's eval records at its latest score version, by task. */
  private async side(sel: { runId: string; variantLabel: string }): Promise<{
    scoreVersion: number;
    byTask: Map<string, EvalRecordRow[]>;
    hashes: Map<string, string>;
    order: string[];
  }> {
    const points = await this.points.findEvalPoints(sel.runId);
    if (!(await this.points.runExists(sel.runId))) throw AppError.notFound('run', sel.runId);
    const p = points.find((x) => x.variantLabel === sel.variantLabel);
    if (!p) throw AppError.notFound('eval of variant', `${sel.runId}:${sel.variantLabel}`);
    const item = await this.repo.findWorkItem(p.id);
    const scoreVersion = item?.scoreVersion ?? 0;
    const attempt = ShardAttemptsSchema.parse(p.shardAttempts).get(0) ?? 0;
    const rows = await this.repo.findRecords({ workItemId: p.id, attempt, scoreVersion });
    const byTask = new Map<string, EvalRecordRow[]>();
    const hashes = new Map<string, string>();
    for (const r of rows) {
      const list = byTask.get(r.taskId);
      if (list) list.push(r);
      else byTask.set(r.taskId, [r]);
      if (!hashes.has(r.taskId)) hashes.set(r.taskId, r.templateHash);
    }
    const order = item?.suite?.tasks.map((t) => t.id).filter((id) => byTask.has(id)) ?? [...byTask.keys()];
    return { scoreVersion, byTask, hashes, order };
  }

  /** `GET /evals/compare`: paired comparison per task (McNemar, interval, flips, items needed for a 2/5-point drop). */
  async compare(q: EvalCompareQuery): Promise<EvalComparison> {
    const [a, b] = await Promise.all([this.side(q.a), this.side(q.b)]);
    const tasks: EvalTaskComparison[] = [];
    const flips: EvalFlip[] = [];
    const wanted = (id: string): boolean => q.task === undefined || q.task === id;
    for (const taskId of a.order.filter(wanted)) {
      const ra = a.byTask.get(taskId)!;
      const rb = b.byTask.get(taskId);
      if (!rb) continue;
      const pc = comparePaired(
        new Map(ra.map((r) => [r.itemId, r.correct ? 1 : 0])),
        new Map(rb.map((r) => [r.itemId, r.correct ? 1 : 0])),
        { alpha: q.alpha },
      );
      const psi = pc.n > 0 ? pc.mcnemar.discordant / pc.n : 0;
      tasks.push({
        taskId,
        n: pc.n,
        baselineAccuracy: pc.baselineAccuracy,
        candidateAccuracy: pc.candidateAccuracy,
        difference: pc.difference.estimate,
        interval: { lo: pc.difference.lower, hi: pc.difference.upper, confidence: pc.difference.confidence },
        mcnemar: {
          p: pc.mcnemar.pValue,
          method: pc.mcnemar.method,
          statistic: pc.mcnemar.statistic ?? null,
          discordant: { rightToWrong: pc.mcnemar.rightToWrong, wrongToRight: pc.mcnemar.wrongToRight },
        },
        significant: pc.significant,
        itemsNeededForDrop: {
          twoPoints: itemsNeededForDrop({ drop: 0.02, discordantRate: psi }),
          fivePoints: itemsNeededForDrop({ drop: 0.05, discordantRate: psi }),
        },
        versionHashMismatch: a.hashes.get(taskId) !== b.hashes.get(taskId),
        versionHashes: { a: a.hashes.get(taskId) ?? '', b: b.hashes.get(taskId) ?? '' },
        unmatched: pc.unmatched.length,
      });
      const ia = new Map(ra.map((r) => [r.itemId, r]));
      const ib = new Map(rb.map((r) => [r.itemId, r]));
      for (const [direction, ids] of [
        ['rightToWrong', pc.flips.rightToWrong],
        ['wrongToRight', pc.flips.wrongToRight],
      ] as const) {
        for (const id of ids) {
          const x = ia.get(id)!;
          const y = ib.get(id)!;
          flips.push({
            taskId,
            itemId: id,
            direction,
            a: { extracted: x.extracted, parseStatus: x.parseStatus },
            b: { extracted: y.extracted, parseStatus: y.parseStatus },
            reference: x.reference,
          });
        }
      }
    }
    flips.sort((x, y) => (x.direction === y.direction ? 0 : x.direction === 'rightToWrong' ? -1 : 1));
    const bTasks = new Set(b.order);
    const aTasks = new Set(a.order);
    return {
      a: { ...q.a, scoreVersion: a.scoreVersion },
      b: { ...q.b, scoreVersion: b.scoreVersion },
      alpha: q.alpha,
      tasks,
      unmatchedTasks: [...a.order.filter((t) => !bTasks.has(t)), ...b.order.filter((t) => !aTasks.has(t))],
      flips: flips.slice(0, MAX_FLIPS),
      flipsTruncated: flips.length > MAX_FLIPS,
    };
  }

  /**
   * `POST /runs/:id/evals/rescore`: score every stored response of the run's evals again (with the overrides), as a
   * new score version. Reads version-0 records only; sends nothing to any target.
   */
  async rescore(runId: string, body: EvalRescoreRequest): Promise<EvalRescoreResult> {
    if (!(await this.points.runExists(runId))) throw AppError.notFound('run', runId);
    const points = await this.points.findEvalPoints(runId);
    const finished = points.filter((p) => p.status !== 'queued' && p.status !== 'running');
    if (finished.length === 0) throw AppError.conflict(`run '${runId}' has no finished eval to re-score`);
    const attempts = await this.attemptsOf(runId);
    const items = await this.repo.findWorkItemsOfRun(runId);
    // validate every override before writing anything
    const prepared = new Map<string, Map<string, ScoringTask>>();
    for (const item of items) {
      if (!item.suite || !finished.some((p) => p.id === item.id)) continue;
      const tasks = new Map<string, ScoringTask>();
      for (const spec of item.suite.tasks) {
        if (body.tasks && !body.tasks.includes(spec.id)) continue;
        try {
          tasks.set(spec.id, scoringTask(applyOverride(spec, body.overrides[spec.id])));
        } catch (err) {
          throw AppError.validation([{ path: `overrides.${spec.id}`, message: (err as Error).message }]);
        }
      }
      prepared.set(item.id, tasks);
    }
    const unknown = Object.keys(body.overrides).filter((t) => ![...prepared.values()].some((m) => m.has(t)));
    if (unknown.length)
      throw AppError.validation(
        unknown.map((t) => ({ path: `overrides.${t}`, message: `no task '${t}' in this run's evals` })),
      );
    const scoreVersion = Math.max(0, await this.repo.maxScoreVersion(runId)) + 1;
    let rescored = 0;
    await this.prisma.transaction(
      async (tx) => {
        for (const item of items) {
          const tasks = prepared.get(item.id);
          if (!tasks || !item.suite) continue;
          const attempt = attempts.get(item.id) ?? 0;
          const rows = await this.repo.findRecords({ workItemId: item.id, attempt, scoreVersion: 0 }, tx);
          const out: EvalRecordRow[] = [];
          const data = [];
          for (const r of rows) {
            const task = tasks.get(r.taskId);
            // tasks outside the re-score keep their current scoring, copied into the new version
            const wire = task ? rescoreRecord(task, r) : null;
            const base = {
              workItemId: item.id,
              attempt,
              scoreVersion,
              runId,
              variantLabel: item.variantLabel,
            };
            if (wire) {
              rescored++;
              data.push(recordData(base, wire, { keepSamples: false }));
              out.push({
                ...r,
                scoreVersion,
                templateHash: wire.templateHash,
                extracted: wire.extracted,
                parseStatus: wire.parseStatus,
                correct: wire.correct,
                score: wire.score,
                scores: wire.scores,
                samples: null,
              });
            } else {
              const { samples: _s, ...rest } = r;
              data.push({
                ...base,
                ...rest,
                scoreVersion,
                scores: rest.scores,
                references: rest.references,
                prompt: rest.prompt ?? undefined,
                item: rest.item ?? undefined,
              });
              out.push({ ...r, scoreVersion });
            }
          }
          const specs = item.suite.tasks.map((spec) =>
            tasks.has(spec.id) ? applyOverride(spec, body.overrides[spec.id]) : spec,
          );
          const summaries = this.summarize({ ...item.suite, tasks: specs }, out, item.outcomes);
          await this.repo.writeRescored(item.id, scoreVersion, data, tx);
          await this.repo.writeScore(
            {
              workItemId: item.id,
              runId,
              scoreVersion,
              tasks: summaries,
              suite: suiteOf(summaries),
              config: body,
            },
            tx,
          );
        }
      },
      { timeoutMs: 120_000 },
    );
    const evals = await this.runEvals(runId, scoreVersion);
    return { runId, scoreVersion, rescored, evals: evals ?? { runId, scoreVersions: [], variants: [] } };
  }
}

/** Suite score over the completed tasks. */
function suiteOf(tasks: readonly EvalTaskSummary[]): {
  meanOfTasks: number;
  itemWeighted: number;
  tasks: number;
} {
  const done = tasks.filter((t) => t.status === 'completed');
  const s = suiteScore(done.map((t) => ({ taskId: t.taskId, score: t.score, n: t.items })));
  return { meanOfTasks: s.meanOfTasks, itemWeighted: s.itemWeighted, tasks: done.length };
}

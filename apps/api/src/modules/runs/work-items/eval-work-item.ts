import { Inject, Injectable } from '@nestjs/common';
import {
  evalJobId,
  isTerminalPointStatus,
  PROTOCOL_VERSION,
  type LoadLevel,
  type RunSpec,
  type RunStatus,
} from '@inferbench/contracts';
import { LoadPointAccumulator } from '@inferbench/metrics';
import { LOGGER, type Logger } from '../../../common/logging/logger.js';
import { EvalQueueProducer } from '../../../infra/queue/eval-queue.producer.js';
import { EvalsService } from '../../evals/evals.service.js';
import { toTargetConn } from '../../targets/targets.mapper.js';
import { TargetsService } from '../../targets/targets.service.js';
import { variantOf } from '../run-chains.js';
import type { PointRow, RunWithPointsRow } from '../runs.repository.js';
import { LoadWorkItemKind } from './load-work-item.js';
import type { ItemOutcome, PlannedItem, ShardAttempt, WorkItemKind } from './work-item-kind.js';

/** Default seed of eval generation requests when the experiment's evals set none. */
export const DEFAULT_EVAL_SEED = 1234;

/** The level label of an eval work item (shows in the run's error when it fails: "load point eval … failed"). */
export const EVAL_LEVEL_LABEL = 'eval';

/**
 * An eval work item: one variant's eval suite on its target, a `LoadPoint` row with `kind = 'eval'` (status, error,
 * times, the agent's end report, and a request-level `LoadPointSummary` of the eval's requests from the agent's
 * accumulator), with its eval part (suite, task outcomes, records, scores) in the evals module's tables.
 *
 * Placement (`arrange`): `standalone` puts the item before the variant's first load point in its chain (items that
 * share a target run one after another, so the eval never overlaps load on that server); `alongside-load` puts it
 * right before its companion point, and dispatching it also dispatches the companion, so both run at once on the
 * same target. The level is `c=<eval concurrency>` (an eval is closed-loop at that concurrency).
 */
@Injectable()
export class EvalWorkItemKind implements WorkItemKind {
  readonly name = 'eval' as const;

  constructor(
    @Inject(EvalsService) private readonly evals: EvalsService,
    @Inject(EvalQueueProducer) private readonly producer: EvalQueueProducer,
    @Inject(TargetsService) private readonly targets: TargetsService,
    @Inject(LoadWorkItemKind) private readonly load: LoadWorkItemKind,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  expand(_spec: RunSpec): PlannedItem[] {
    return [];
  }

  /** One eval item per variant, placed among the planned load items (see the class comment). */
  arrange(spec: RunSpec, planned: readonly PlannedItem[]): PlannedItem[] {
    const evals = spec.evals;
    if (!evals) return [...planned];
    const out = [...planned];
    const level: LoadLevel = { kind: 'concurrency', concurrency: evals.concurrency };
    for (const variant of spec.variants) {
      const item: PlannedItem = { variant, level, levelLabel: EVAL_LEVEL_LABEL, kind: 'eval' };
      const mine = out
        .map((p, i) => ({ p, i }))
        .filter(({ p }) => p.variant.id === variant.id && (p.kind ?? 'load') === 'load');
      if (mine.length === 0) {
        out.push(item);
        continue;
      }
      const at =
        evals.mode === 'alongside-load'
          ? mine[Math.min(evals.alongsidePoint ?? 0, mine.length - 1)]!.i
          : mine[0]!.i;
      out.splice(at, 0, item);
    }
    return out;
  }

  async grow(): Promise<LoadLevel | null> {
    return null;
  }

  async shards(): Promise<number> {
    return 1;
  }

  /** The load point an alongside eval runs with: the next item of its variant in the run's order. */
  private companionOf(run: RunWithPointsRow, item: PointRow): PointRow | undefined {
    if (run.spec.evals?.mode !== 'alongside-load') return undefined;
    return run.loadPoints.find(
      (p) => p.ordinal > item.ordinal && p.variantLabel === item.variantLabel && p.kind !== 'eval',
    );
  }

  async dispatch(run: RunWithPointsRow, item: PointRow, only?: ShardAttempt): Promise<string | null> {
    const evals = run.spec.evals;
    if (!evals) return 'the run spec has no evals';
    const variant = variantOf(run.spec, item);
    let suite;
    try {
      suite = await this.evals.resolveSuite(evals);
    } catch (err) {
      return `evals: ${(err as Error).message}`;
    }
    if (suite.tasks.length === 0) return 'evals: no task selected';
    let apiKey: string | undefined | null;
    try {
      apiKey = await this.targets.getApiKey(variant.target.id);
    } catch (err) {
      this.logger.error({ err, targetId: variant.target.id }, 'cannot decrypt a target API key');
      return `cannot decrypt the API key of target '${variant.target.name}' (was SECRET_KEY changed?)`;
    }
    if (apiKey === null) return `target '${variant.target.name}' no longer exists`;
    const companion = this.companionOf(run, item);
    await this.evals.ensureWorkItem({
      id: item.id,
      runId: run.id,
      variantLabel: item.variantLabel,
      mode: evals.mode,
      companionId: companion?.id ?? null,
      suite,
    });
    await this.producer.enqueue(variant.target.pool, {
      v: PROTOCOL_VERSION,
      runId: run.id,
      workItemId: item.id,
      variantId: variant.id,
      variantLabel: variant.label,
      attempt: only?.attempt ?? item.shardAttempts.get(0) ?? 0,
      // the key itself never goes into the job: the agent fetches it for the work item (`apiKeyFromApi`)
      target: toTargetConn(variant.target, apiKey),
      targetKey: variant.target.id,
      params: variant.params,
      suite,
      concurrency: evals.concurrency,
      seed: evals.seed ?? DEFAULT_EVAL_SEED,
      ...(companion ? { alongsideLoadPointId: companion.id } : {}),
    });
    // alongside-load: the companion runs at the same time (the chain would otherwise wait for the eval)
    if (companion && companion.status === 'queued' && !only) {
      const refused = await this.load.dispatch(run, companion);
      if (refused !== null)
        this.logger.warn({ loadPointId: companion.id, refused }, 'companion load point not dispatched');
    }
    return null;
  }

  async withdraw(run: RunWithPointsRow, items: readonly PointRow[]): Promise<void> {
    for (const p of items) {
      if (isTerminalPointStatus(p.status)) continue;
      const pool = variantOf(run.spec, p).target.pool;
      await this.producer.removeWaiting(pool, [evalJobId(p.id, p.shardAttempts.get(0) ?? 0)]);
    }
  }

  deliveredBatches(item: PointRow, part: ShardAttempt): Promise<number> {
    return this.evals.batchCount(item.id, part.attempt);
  }

  /**
   * Ready once the counted attempt reported `eval.finished` and every batch it announced is stored. Scores (version
   * 0) are summarized and stored by the evals module; the item's status: `failed` when the agent failed it, when a
   * task failed (e.g. "likelihood scoring unsupported: …", named in the error), or when every request failed;
   * `cancelled` when it was; else `completed`. Unparseable answers are scored as wrong, never as failures.
   */
  async finalize(_spec: RunSpec, item: PointRow): Promise<ItemOutcome | null> {
    const st = item.shardState.get(0);
    const attempt = item.shardAttempts.get(0) ?? 0;
    if (!st || (st.attempt ?? 0) !== attempt) return null;
    if ((await this.evals.batchCount(item.id, attempt)) < st.batchCount) return null;
    const scores = await this.evals.finalizeScores(item.id, attempt);
    let status: RunStatus = st.status;
    let error: string | null = st.status === 'failed' ? (st.reason ?? 'agent reported a failure') : null;
    if (status === 'completed' && scores.failedTasks.length) {
      status = 'failed';
      error = scores.failedTasks.map((t) => `task ${t.taskId}: ${t.error}`).join('; ');
    } else if (status === 'completed' && scores.items > 0 && scores.requestErrors === scores.items) {
      status = 'failed';
      error = `all ${scores.items} eval requests failed: ${scores.firstError ?? 'no message'}`;
    }
    let acc: LoadPointAccumulator;
    try {
      acc = st.accumulator ? LoadPointAccumulator.decode(st.accumulator) : new LoadPointAccumulator();
    } catch (err) {
      this.logger.warn({ err, workItemId: item.id }, 'unusable eval accumulator');
      acc = new LoadPointAccumulator();
    }
    const summary = acc.summary({ warnings: st.warnings });
    const { accumulator: _a, ...rest } = st;
    return { status, error, summary, histograms: acc.encode(), shardState: { '0': rest } };
  }
}

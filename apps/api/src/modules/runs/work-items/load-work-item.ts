import { Inject, Injectable } from '@nestjs/common';
import {
  isTerminalPointStatus,
  loadPointJobId,
  planMaxErrorRate,
  type FrozenVariant,
  type LoadLevel,
  type RunSpec,
  type RunStatus,
} from '@inferbench/contracts';
import { isAdaptivePlan, type AdaptiveHistoryEntry } from '@inferbench/loadgen/plan';
import {
  allFailedReason,
  dominantErrorClass,
  LoadPointAccumulator,
  markErrorRate,
} from '@inferbench/metrics';
import { LOGGER, type Logger } from '../../../common/logging/logger.js';
import { LoadQueueProducer } from '../../../infra/queue/load-queue.producer.js';
import { AgentsService } from '../../agents/agents.service.js';
import { SamplesService, type ShardPart } from '../../samples/samples.service.js';
import { TargetsService } from '../../targets/targets.service.js';
import { variantOf } from '../run-chains.js';
import { buildLoadPointJob, nextLevel, planInitialPoints } from '../run-spec.js';
import { RunTelemetryService } from '../run-telemetry.service.js';
import { RunsRepository, type PointRow, type RunWithPointsRow } from '../runs.repository.js';
import type { ItemOutcome, PlannedItem, ShardAttempt, WorkItemKind } from './work-item-kind.js';

/** How long a shard waits for the point's other shards to register for the common start, ms. */
export const START_SYNC_TIMEOUT_MS = 30_000;

/**
 * A load point: one (variant, load level) of the plan, executed by agents as one `loadpoint.execute` job per shard on
 * `load.<pool>`, summarized from the shards' accumulators (or their stored samples) once every shard has finished.
 */
@Injectable()
export class LoadWorkItemKind implements WorkItemKind {
  readonly name = 'load' as const;

  constructor(
    @Inject(TargetsService) private readonly targets: TargetsService,
    @Inject(LoadQueueProducer) private readonly producer: LoadQueueProducer,
    @Inject(AgentsService) private readonly agents: AgentsService,
    @Inject(SamplesService) private readonly samples: SamplesService,
    @Inject(RunTelemetryService) private readonly telemetry: RunTelemetryService,
    @Inject(RunsRepository) private readonly repo: RunsRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Static plans expand fully; adaptive plans (sweep, SLA search) start with their first level per variant. */
  expand(spec: RunSpec): PlannedItem[] {
    return planInitialPoints(spec);
  }

  /** Adaptive plans grow by one level once the variant's last point completed; a failed or cancelled point ends it. */
  async grow(spec: RunSpec, variant: FrozenVariant, items: readonly PointRow[]): Promise<LoadLevel | null> {
    if (!isAdaptivePlan(spec.loadPlan)) return null;
    const finished: { id: string; entry: Omit<AdaptiveHistoryEntry, 'distribution'> }[] = [];
    for (const p of items.filter((i) => i.variantLabel === variant.label && i.kind !== 'eval')) {
      if (p.status !== 'completed' || p.summary === null || 'aggregatesOnly' in p.summary) return null;
      finished.push({ id: p.id, entry: { level: p.level, summary: p.summary } });
    }
    // the SLO judge reads each point's exact distribution (its stored accumulator), not the summary's percentiles
    const encoded = await this.repo.findHistograms(finished.map((f) => f.id));
    try {
      const history: AdaptiveHistoryEntry[] = finished.map(({ id, entry }) => {
        const histograms = encoded.get(id);
        if (!histograms) throw new Error(`load point ${id} has no stored histograms`);
        return { ...entry, distribution: LoadPointAccumulator.decode(histograms) };
      });
      return nextLevel(spec, history);
    } catch (err) {
      this.logger.error({ err, variant: variant.label }, 'adaptive plan could not compute its next level');
      return null;
    }
  }

  /** The plan's `shards`, or every live agent of the target's pool for `'all'` (at least 1). */
  async shards(spec: RunSpec, variant: FrozenVariant): Promise<number> {
    const want = spec.loadPlan.shards ?? 1;
    if (want !== 'all') return want;
    const live = await this.agents.refresh();
    return Math.max(1, [...live.values()].filter((a) => a.pool === variant.target.pool).length);
  }

  /**
   * Enqueue every shard of the point (shards > 1 with a common start), or one shard attempt alone (a retry: its peers
   * already run, so no common start). The target's API key is read now; a target that is gone or whose key cannot
   * be decrypted makes the point fail.
   */
  async dispatch(run: RunWithPointsRow, item: PointRow, only?: ShardAttempt): Promise<string | null> {
    const variant = variantOf(run.spec, item);
    let apiKey: string | undefined | null;
    try {
      apiKey = await this.targets.getApiKey(variant.target.id);
    } catch (err) {
      if (only) throw err;
      this.logger.error({ err, targetId: variant.target.id }, 'cannot decrypt a target API key');
      return `cannot decrypt the API key of target '${variant.target.name}' (was SECRET_KEY changed?)`;
    }
    if (apiKey === null) return `target '${variant.target.name}' no longer exists`;
    const shards = only
      ? [{ index: only.shard, attempt: only.attempt, startSync: false }]
      : Array.from({ length: item.shards }, (_, index) => {
          const attempt = item.shardAttempts.get(index) ?? 0;
          // a retried shard starts alone: its peers are already running
          return { index, attempt, startSync: item.shards > 1 && attempt === 0 };
        });
    for (const s of shards) {
      const job = buildLoadPointJob({
        runId: run.id,
        loadPointId: item.id,
        spec: run.spec,
        variant,
        level: item.level,
        shard: { index: s.index, count: item.shards },
        apiKey,
        attempt: s.attempt,
        ...(s.startSync
          ? { startSync: { key: item.id, shards: item.shards, timeoutMs: START_SYNC_TIMEOUT_MS } }
          : {}),
      });
      await this.producer.enqueue(variant.target.pool, job);
    }
    return null;
  }

  async withdraw(run: RunWithPointsRow, items: readonly PointRow[]): Promise<void> {
    const byPool = new Map<string, string[]>();
    for (const p of items) {
      if (isTerminalPointStatus(p.status)) continue;
      const pool = variantOf(run.spec, p).target.pool;
      const ids = byPool.get(pool) ?? [];
      for (let i = 0; i < p.shards; i++) ids.push(loadPointJobId(p.id, i, p.shardAttempts.get(i) ?? 0));
      byPool.set(pool, ids);
    }
    for (const [pool, ids] of byPool) await this.producer.removeWaiting(pool, ids);
  }

  async deliveredBatches(item: PointRow, part: ShardAttempt): Promise<number> {
    return (await this.samples.batchCounts(item.id)).get(`${part.shard}/${part.attempt}`) ?? 0;
  }

  /**
   * Ready once every shard's counted attempt reported `finished` and each has all its announced batches stored. The
   * final status: `failed` if a shard failed, `cancelled` if one was, else `completed` — unless no measured request
   * succeeded (then `failed`, naming the dominant error class). The summary gets the plan's error-rate verdict, and
   * the shards' telemetry is merged into the point's before its status changes.
   */
  async finalize(spec: RunSpec, item: PointRow): Promise<ItemOutcome | null> {
    const states = item.shardState;
    if (states.size < item.shards) return null;
    const stored = await this.samples.batchCounts(item.id);
    const parts: ShardPart[] = [];
    for (let i = 0; i < item.shards; i++) {
      const st = states.get(i);
      const attempt = item.shardAttempts.get(i) ?? 0;
      if (!st || (st.attempt ?? 0) !== attempt || (stored.get(`${i}/${attempt}`) ?? 0) < st.batchCount)
        return null;
      parts.push({ index: i, attempt, ...(st.accumulator ? { accumulator: st.accumulator } : {}) });
    }
    const all = [...states.values()];
    const failed = all.filter((s) => s.status === 'failed');
    let status: RunStatus = failed.length
      ? 'failed'
      : all.some((s) => s.status === 'cancelled')
        ? 'cancelled'
        : 'completed';
    let error = failed.length ? failed.map((s) => s.reason ?? 'agent reported a failure').join('; ') : null;
    const warnings = [...new Set(all.flatMap((s) => s.warnings))];
    const { summary, histograms } = await this.samples.summarize(item.id, {
      slo: spec.slo,
      warnings,
      shards: parts,
    });
    // a point whose engine completed but where no request succeeded measured nothing: it fails, naming why
    if (status === 'completed') {
      const cls = dominantErrorClass(summary.errorsByClass);
      const message = cls ? await this.samples.errorMessage(item.id, cls, parts) : null;
      const reason = allFailedReason(summary, message);
      if (reason !== undefined) {
        status = 'failed';
        error = reason;
      }
    }
    markErrorRate(summary, planMaxErrorRate(spec.loadPlan));
    await this.telemetry.storePointTelemetry(item.id, states, summary);
    // the merged accumulator is in `histograms`: the shards' copies would only weigh on every read of the row
    const shardState = Object.fromEntries(
      [...states].map(([i, { accumulator: _acc, ...rest }]) => [String(i), rest]),
    );
    return { status, error, summary, histograms, shardState };
  }
}

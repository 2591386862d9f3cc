import { Inject, Injectable } from '@nestjs/common';
import {
  cancelChannel,
  cancelKey,
  describeLoadLevel,
  isTerminalPointStatus,
  isTerminalRunStatus,
  loadPointJobId,
  planMaxErrorRate,
  type LoadLevel,
  type LoadPointTelemetry,
  type LoadPointSummary,
  type RunStatus,
  type TokenizerInfo,
} from '@inferbench/contracts';
import type { AdaptiveHistoryEntry } from '@inferbench/loadgen';
import { allFailedReason, dominantErrorClass, markErrorRate } from '@inferbench/metrics';
import { CONFIG, type AppConfig } from '../../config.js';
import { KeyedMutex } from '../../common/keyed-mutex.js';
import { asJson } from '../../common/json.js';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import type { Tx } from '../../infra/prisma/prisma.service.js';
import { LoadQueueProducer } from '../../infra/queue/load-queue.producer.js';
import { RedisService } from '../../infra/redis/redis.service.js';
import { AgentsService } from '../agents/agents.service.js';
import { TargetsService } from '../targets/targets.service.js';
import { RunEventsPublisher } from './run-events.publisher.js';
import { parseShardAttempts } from './shard-health.js';
import { RunTelemetryService } from './run-telemetry.service.js';
import { buildLoadPointJob, chainKey, nextLevel, type FrozenVariant, type RunSpec } from './run-spec.js';
import { RunsRepository, type PointRow, type RunWithPointsRow } from './runs.repository.js';

/** Seconds the cancel key lives (agents check it before starting a job). */
const CANCEL_KEY_TTL_SEC = 24 * 3600;

/** What an agent reported for one shard when it ended (stored in LoadPoint.shardState). */
export interface ShardState {
  status: 'completed' | 'cancelled' | 'failed';
  batchCount: number;
  reason?: string;
  warnings: string[];
  /** server/GPU telemetry the shard measured (merged into LoadPoint.telemetry at finalization) */
  telemetry?: LoadPointTelemetry;
  /** the attempt that reported (absent in rows written before attempts existed: 0) */
  attempt?: number;
  /** agent that ran the attempt; null when the API ended the shard itself (agent lost) */
  agentId?: string | null;
  /** the shard's encoded accumulator until finalization merges it (then dropped from the row) */
  accumulator?: string;
  /** schedule delay, errors and actual start as the agent reported them */
  shardHealth?: { scheduleDelayP99Ms?: number; errors: number; startedAtEpochMs: number };
  /** the client-side tokenizer the shard used, as its agent reported it */
  tokenizer?: TokenizerInfo;
}

/** One shard's part of a summary: its current attempt and, when the agent sent one, its accumulator. */
export interface ShardPart {
  index: number;
  attempt: number;
  accumulator?: string;
}

/** Most executions of one shard (the first plus retries after agent loss) before the point fails. */
export const MAX_SHARD_ATTEMPTS = 3;
/** How long a shard waits for the point's other shards to register for the common start, ms. */
export const START_SYNC_TIMEOUT_MS = 30_000;

/** Access to a point's stored samples, supplied by the ingest module (which owns the sample tables). */
export interface PointSamplesPort {
  /** stored batches per `${shardIndex}/${attempt}` */
  batchCounts(loadPointId: string): Promise<Map<string, number>>;
  /**
   * Summary plus the encoded merged accumulator (exact histograms, kept for distributions and comparisons):
   * the shards' accumulators merged; a shard without one is rebuilt from its stored samples.
   */
  summarize(
    loadPointId: string,
    opts: { slo?: RunSpec['slo']; warnings: string[]; shards: ShardPart[] },
  ): Promise<{ summary: LoadPointSummary; histograms: string }>;
  /** One stored error message of a failed measured request of this class (the shards' counting attempts), if any. */
  errorMessage(loadPointId: string, errorClass: string, shards: ShardPart[]): Promise<string | null>;
}

function parseShardStates(json: unknown): Map<number, ShardState> {
  const out = new Map<number, ShardState>();
  if (typeof json !== 'object' || json === null) return out;
  for (const [k, v] of Object.entries(json as Record<string, ShardState>)) out.set(Number(k), v);
  return out;
}

/**
 * The run state machine. Everything that changes a run or load point status goes through here, serialized
 * per run ({@link KeyedMutex}) and written with conditional updates so terminal states never change.
 *
 * Scheduling: points that share a target form a chain and run one after another; `advance` enqueues the
 * first queued point of every idle chain (job ids make a repeated enqueue a no-op), grows adaptive plans
 * by one point when a chain's last point finished, and ends the run once every point is terminal.
 */
@Injectable()
export class RunLifecycleService {
  private readonly locks = new KeyedMutex();
  /** last time each running point was heard from (epoch ms), for the stall check */
  private readonly lastSeenMs = new Map<string, number>();
  private readonly bootMs = Date.now();

  constructor(
    @Inject(RunsRepository) private readonly repo: RunsRepository,
    @Inject(LoadQueueProducer) private readonly producer: LoadQueueProducer,
    @Inject(TargetsService) private readonly targets: TargetsService,
    @Inject(RunEventsPublisher) private readonly events: RunEventsPublisher,
    @Inject(RedisService) private readonly redis: RedisService,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(RunTelemetryService) private readonly telemetry: RunTelemetryService,
    @Inject(AgentsService) private readonly agents: AgentsService,
  ) {}

  /** Record that an agent spoke about this point (any event). */
  touch(loadPointId: string): void {
    this.lastSeenMs.set(loadPointId, Date.now());
  }

  /** Whether the load point exists, and its run (ingest drops events for unknown points). */
  async findPointRun(loadPointId: string): Promise<string | null> {
    return (await this.repo.findPoint(loadPointId))?.runId ?? null;
  }

  /** Count newly stored samples (inside the ingest transaction that stored them). */
  addStoredSamples(loadPointId: string, n: number, tx: Tx): Promise<void> {
    return this.repo.incrementSamplesStored(loadPointId, n, tx);
  }

  /** Enqueue what can run now, grow adaptive plans, end the run when everything is terminal. */
  advance(runId: string): Promise<void> {
    return this.locks.run(runId, () => this.advanceLocked(runId));
  }

  async pointStarted(runId: string, loadPointId: string): Promise<void> {
    this.touch(loadPointId);
    await this.locks.run(runId, async () => {
      if (await this.repo.markPointRunning(loadPointId))
        await this.events.pointStatus(runId, loadPointId, 'running');
      if (await this.repo.markRunRunning(runId)) await this.events.runStatus(runId, 'running', null);
    });
  }

  /**
   * Record a shard's end, only if `state.attempt` is the attempt that counts for that shard (a late event of an
   * attempt abandoned after its agent died is ignored). Returns whether it was recorded.
   */
  async recordShardFinished(loadPointId: string, shardIndex: number, state: ShardState): Promise<boolean> {
    this.touch(loadPointId);
    const recorded = await this.repo.recordShardState(loadPointId, shardIndex, state.attempt ?? 0, {
      ...state,
    });
    if (!recorded)
      this.logger.warn(
        { loadPointId, shardIndex, attempt: state.attempt },
        'ignoring the end of a stale shard attempt',
      );
    return recorded;
  }

  /**
   * Finalize a point once every shard has reported `finished` and every batch it announced is stored:
   * compute the summary from the stored samples, set the final status (one winner), move the chain on.
   * Safe to call any number of times (after each stored batch and each finished event).
   */
  async tryFinalizePoint(loadPointId: string, samples: PointSamplesPort): Promise<void> {
    const peek = await this.repo.findPoint(loadPointId);
    if (!peek || peek.summary !== null) return;
    await this.locks.run(peek.runId, async () => {
      const point = await this.repo.findPoint(loadPointId);
      if (!point || point.summary !== null) return;
      const states = parseShardStates(point.shardState);
      if (states.size < point.shards) return;
      const attempts = parseShardAttempts(point.shardAttempts);
      const stored = await samples.batchCounts(loadPointId);
      const parts: ShardPart[] = [];
      for (let i = 0; i < point.shards; i++) {
        const st = states.get(i);
        const attempt = attempts.get(i) ?? 0;
        if (!st || (st.attempt ?? 0) !== attempt || (stored.get(`${i}/${attempt}`) ?? 0) < st.batchCount)
          return;
        parts.push({ index: i, attempt, ...(st.accumulator ? { accumulator: st.accumulator } : {}) });
      }
      const run = await this.repo.findRunSpec(point.runId);
      if (!run) return;
      const spec = run.spec as RunSpec;
      const all = [...states.values()];
      const failed = all.filter((s) => s.status === 'failed');
      let status: RunStatus = failed.length
        ? 'failed'
        : all.some((s) => s.status === 'cancelled')
          ? 'cancelled'
          : 'completed';
      let error = failed.length ? failed.map((s) => s.reason ?? 'agent reported a failure').join('; ') : null;
      const warnings = [...new Set(all.flatMap((s) => s.warnings))];
      const { summary, histograms } = await samples.summarize(loadPointId, {
        slo: spec.slo,
        warnings,
        shards: parts,
      });
      // a point whose engine completed but where no request succeeded measured nothing: it fails, naming why
      if (status === 'completed') {
        const cls = dominantErrorClass(summary.errorsByClass);
        const message = cls ? await samples.errorMessage(loadPointId, cls, parts) : null;
        const reason = allFailedReason(summary, message);
        if (reason !== undefined) {
          status = 'failed';
          error = reason;
        }
      }
      markErrorRate(summary, planMaxErrorRate(spec.loadPlan));
      await this.telemetry.storePointTelemetry(loadPointId, states, summary);
      // the merged accumulator is in `histograms`: the shards' copies would only weigh on every read of the row
      const slimStates = Object.fromEntries(
        [...states].map(([i, { accumulator: _acc, ...rest }]) => [String(i), rest]),
      );
      const res = await this.repo.finalizePoint(loadPointId, {
        status,
        error,
        summary,
        histograms,
        shardState: slimStates,
      });
      this.lastSeenMs.delete(loadPointId);
      if (res.statusChanged) {
        await this.events.pointStatus(point.runId, loadPointId, status);
        await this.advanceLocked(point.runId);
      }
    });
  }

  /**
   * Cancel a run now: waiting jobs are removed, active points and the run become `cancelled`. Agents learn
   * it from the cancel key and channel (set by the caller before this). Returns false when already terminal.
   */
  async cancelRun(runId: string): Promise<boolean> {
    return this.locks.run(runId, async () => {
      const run = await this.repo.findRun(runId);
      if (!run || isTerminalRunStatus(run.status)) return false;
      await this.removeWaitingJobs(run);
      const ids = await this.repo.endPoints({ runId }, 'cancelled', 'cancelled by request');
      await this.telemetry.storeRunHints(runId);
      const changed = await this.repo.finishRun(runId, 'cancelled', null);
      for (const id of ids) await this.events.pointStatus(runId, id, 'cancelled');
      if (changed) await this.events.runStatus(runId, 'cancelled', null);
      return changed;
    });
  }

  /** Set the cancel key (TTL a day) and broadcast `{runId}` so agents stop or skip the run's jobs. */
  async signalCancel(runId: string): Promise<void> {
    const p = this.redis.prefix;
    await this.redis.command.set(cancelKey(p, runId), '1', 'EX', CANCEL_KEY_TTL_SEC);
    await this.redis.publish(cancelChannel(p), { runId });
  }

  /** Fail a whole run (e.g. no live agent): its agents are told to stop and its waiting jobs removed. */
  async failRun(runId: string, reason: string): Promise<void> {
    await this.signalCancel(runId);
    await this.locks.run(runId, async () => {
      const run = await this.repo.findRun(runId);
      if (!run || isTerminalRunStatus(run.status)) return;
      await this.removeWaitingJobs(run);
      const ids = await this.repo.endPoints({ runId }, 'failed', reason);
      for (const id of ids) await this.events.pointStatus(runId, id, 'failed');
      await this.telemetry.storeRunHints(runId);
      if (await this.repo.finishRun(runId, 'failed', reason)) {
        this.logger.warn({ runId, reason }, 'run failed');
        await this.events.runStatus(runId, 'failed', reason);
      }
    });
  }

  /** Re-enqueue runs left `queued` without `enqueuedAt` (the process died between commit and enqueue). */
  async reenqueueStuckRuns(olderThanMs: number): Promise<number> {
    const ids = await this.repo.findUnenqueuedRuns(new Date(Date.now() - olderThanMs));
    for (const id of ids) {
      this.logger.warn({ runId: id }, 're-enqueuing a run that was never handed to the queue');
      await this.advance(id);
    }
    return ids.length;
  }

  /** Fail running points whose agent has been silent for STALL_TIMEOUT_SEC. */
  async failStalledPoints(nowMs = Date.now()): Promise<number> {
    const stallMs = this.config.runs.stallTimeoutSec * 1000;
    let failed = 0;
    for (const p of await this.repo.findRunningPoints()) {
      const seen = Math.max(this.lastSeenMs.get(p.id) ?? 0, p.startedAt?.getTime() ?? 0, this.bootMs);
      if (nowMs - seen <= stallMs) continue;
      const reason = `agent stopped reporting (no event for ${this.config.runs.stallTimeoutSec} s)`;
      await this.locks.run(p.runId, async () => {
        const ids = await this.repo.endPoints({ runId: p.runId, ids: [p.id] }, 'failed', reason);
        if (!ids.length) return;
        failed++;
        this.lastSeenMs.delete(p.id);
        this.logger.warn({ runId: p.runId, loadPointId: p.id }, reason);
        await this.events.pointStatus(p.runId, p.id, 'failed');
        await this.advanceLocked(p.runId);
      });
    }
    return failed;
  }

  /**
   * Fail active runs that wait on a pool with no live agent for longer than NO_AGENT_WAIT_SEC (counted from
   * the later of the run's creation and the pool's last heartbeat).
   */
  async failRunsWithoutAgents(
    livePools: ReadonlySet<string>,
    lastHeartbeatByPool: ReadonlyMap<string, Date>,
    nowMs = Date.now(),
  ): Promise<number> {
    const waitSec = this.config.runs.noAgentWaitSec;
    let failed = 0;
    for (const runId of await this.repo.findActiveRunIds()) {
      const run = await this.repo.findRun(runId);
      if (!run || isTerminalRunStatus(run.status)) continue;
      const spec = run.spec as unknown as RunSpec;
      for (const pool of this.waitingPools(run, spec)) {
        if (livePools.has(pool)) continue;
        const since = Math.max(run.createdAt.getTime(), lastHeartbeatByPool.get(pool)?.getTime() ?? 0);
        if (nowMs - since <= waitSec * 1000) continue;
        await this.failRun(runId, `no live agent in pool '${pool}' for ${waitSec} s`);
        failed++;
        break;
      }
    }
    return failed;
  }

  /**
   * Agents whose heartbeat key expired while they ran a shard (the sweeper passes them with the job their last
   * heartbeat named). Per the plan's `onAgentLoss`: `retry` re-enqueues the shard as attempt + 1 for another
   * agent of the pool (the dead attempt's samples stay stored but no longer count), `fail` ends the shard as
   * failed ("agent X stopped (no heartbeat) during shard i"), so the point fails once its other shards end.
   * A shard that already reported its end at that attempt, or whose attempt moved on, is left alone.
   * Returns how many shards were retried or failed.
   */
  async handleLostAgents(
    lost: readonly {
      agentId: string;
      job: { runId: string; loadPointId: string; shardIndex: number; attempt: number };
    }[],
  ): Promise<number> {
    let handled = 0;
    for (const { agentId, job } of lost) {
      const done = await this.locks.run(job.runId, async () => {
        const point = await this.repo.findPoint(job.loadPointId);
        if (!point || isTerminalPointStatus(point.status) || job.shardIndex >= point.shards) return false;
        const attempts = parseShardAttempts(point.shardAttempts);
        if ((attempts.get(job.shardIndex) ?? 0) !== job.attempt) return false;
        const st = parseShardStates(point.shardState).get(job.shardIndex);
        if (st && (st.attempt ?? 0) === job.attempt) return false;
        const run = await this.repo.findRun(job.runId);
        if (!run || isTerminalRunStatus(run.status)) return false;
        const spec = run.spec as unknown as RunSpec;
        const lostMsg = `agent ${agentId} stopped (no heartbeat) during shard ${job.shardIndex}`;
        const policy = spec.loadPlan.onAgentLoss ?? 'retry';
        if (policy === 'retry' && job.attempt + 1 < MAX_SHARD_ATTEMPTS) {
          const next = job.attempt + 1;
          if (!(await this.repo.setShardAttempt(point.id, job.shardIndex, job.attempt, next))) return false;
          this.logger.warn(
            { runId: job.runId, loadPointId: point.id, shard: job.shardIndex, attempt: next },
            `${lostMsg}; retrying the shard`,
          );
          this.touch(point.id);
          const fresh = await this.repo.findPoint(point.id);
          if (fresh) await this.enqueueShard(run, spec, fresh, job.shardIndex, next);
          return true;
        }
        const reason =
          policy === 'retry' ? `${lostMsg} (gave up after ${MAX_SHARD_ATTEMPTS} attempts)` : lostMsg;
        this.logger.warn({ runId: job.runId, loadPointId: point.id, shard: job.shardIndex }, reason);
        // what the dead attempt stored counts as its batches, so the point can finalize with a partial summary
        const batches =
          (await this.samplesPort.batchCounts(point.id)).get(`${job.shardIndex}/${job.attempt}`) ?? 0;
        await this.repo.recordShardState(point.id, job.shardIndex, job.attempt, {
          status: 'failed',
          batchCount: batches,
          reason,
          warnings: [],
          attempt: job.attempt,
          agentId,
        } satisfies ShardState);
        return true;
      });
      if (done) {
        handled++;
        await this.tryFinalizePoint(job.loadPointId, this.samplesPort);
      }
    }
    return handled;
  }

  /** Ingest registers itself here so sweeper-made shard ends can finalize points (modules talk through services). */
  private samplesPort: PointSamplesPort = {
    batchCounts: async () => new Map(),
    summarize: () => Promise.reject(new Error('no samples port registered')),
    errorMessage: async () => null,
  };
  registerSamplesPort(port: PointSamplesPort): void {
    this.samplesPort = port;
  }

  /** Shards of a new point: the plan's `shards`, or every live agent of the target's pool for `'all'` (at least 1). */
  async resolveShards(spec: RunSpec, variant: FrozenVariant): Promise<number> {
    const want = spec.loadPlan.shards ?? 1;
    if (want !== 'all') return want;
    const live = await this.agents.refresh();
    return Math.max(1, [...live.values()].filter((a) => a.pool === variant.target.pool).length);
  }

  /** Enqueue one shard attempt alone (a retry: no common start). */
  private async enqueueShard(
    run: RunWithPointsRow,
    spec: RunSpec,
    point: PointRow,
    index: number,
    attempt: number,
  ): Promise<void> {
    const variant = this.variantOf(spec, point);
    const apiKey = await this.targets.getApiKey(variant.target.id);
    if (apiKey === null) {
      await this.failPointLocked(run.id, point.id, `target '${variant.target.name}' no longer exists`);
      return;
    }
    const job = buildLoadPointJob({
      runId: run.id,
      loadPointId: point.id,
      spec,
      variant,
      level: point.level as LoadLevel,
      shard: { index, count: point.shards },
      apiKey,
      attempt,
    });
    await this.producer.enqueue(variant.target.pool, job);
  }

  /** Pools of chains whose next point waits for an agent (nothing running in the chain). */
  private waitingPools(run: RunWithPointsRow, spec: RunSpec): Set<string> {
    const pools = new Set<string>();
    for (const chain of this.chains(run, spec).values()) {
      if (chain.points.some((p) => p.status === 'running')) continue;
      const head = chain.points.find((p) => p.status === 'queued');
      if (head) pools.add(this.variantOf(spec, head).target.pool);
    }
    return pools;
  }

  private variantOf(spec: RunSpec, point: Pick<PointRow, 'variantLabel'>): FrozenVariant {
    const v = spec.variants.find((x) => x.label === point.variantLabel);
    if (!v) throw new Error(`variant '${point.variantLabel}' missing from the run spec`);
    return v;
  }

  /** Points grouped by chain (shared target), in ordinal order, with the chain's variants in spec order. */
  private chains(
    run: RunWithPointsRow,
    spec: RunSpec,
  ): Map<string, { variants: FrozenVariant[]; points: PointRow[] }> {
    const chains = new Map<string, { variants: FrozenVariant[]; points: PointRow[] }>();
    for (const v of spec.variants) {
      const key = chainKey(v);
      const c = chains.get(key) ?? { variants: [], points: [] };
      c.variants.push(v);
      chains.set(key, c);
    }
    for (const p of run.loadPoints) chains.get(chainKey(this.variantOf(spec, p)))?.points.push(p);
    return chains;
  }

  private async advanceLocked(runId: string): Promise<void> {
    const run = await this.repo.findRun(runId);
    if (!run || isTerminalRunStatus(run.status)) return;
    const spec = run.spec as unknown as RunSpec;
    let nextOrdinal = Math.max(-1, ...run.loadPoints.map((p) => p.ordinal)) + 1;
    let active = false;
    for (const chain of this.chains(run, spec).values()) {
      if (chain.points.some((p) => p.status === 'running')) {
        active = true;
        continue;
      }
      let started = false;
      for (const head of chain.points.filter((p) => p.status === 'queued')) {
        if (await this.enqueuePoint(run, spec, head)) {
          started = true;
          break;
        }
      }
      if (!started) {
        // adaptive plans: one more point for the first variant of the chain whose plan is not finished
        for (const variant of chain.variants) {
          const level = this.nextAdaptiveLevel(spec, variant, chain.points);
          if (!level) continue;
          const id = await this.repo.createPoint(runId, {
            variantId: variant.id,
            variantLabel: variant.label,
            ordinal: nextOrdinal++,
            level: asJson(level),
            levelLabel: describeLoadLevel(level),
            shards: await this.resolveShards(spec, variant),
          });
          const point = await this.repo.findPoint(id);
          if (point && (await this.enqueuePoint(run, spec, point))) {
            await this.events.pointStatus(runId, id, 'queued');
            started = true;
            break;
          }
        }
      }
      if (started) active = true;
    }
    await this.repo.setEnqueued(runId);
    if (!active) await this.finishRunLocked(runId);
  }

  private nextAdaptiveLevel(
    spec: RunSpec,
    variant: FrozenVariant,
    chainPoints: PointRow[],
  ): LoadLevel | null {
    const mine = chainPoints.filter((p) => p.variantLabel === variant.label);
    // a failed or cancelled point ends that variant's plan
    if (mine.some((p) => p.status !== 'completed' || p.summary === null)) return null;
    const history: AdaptiveHistoryEntry[] = mine.map((p) => ({
      level: p.level as LoadLevel,
      summary: p.summary as LoadPointSummary,
    }));
    try {
      return nextLevel(spec, history);
    } catch (err) {
      this.logger.error({ err, variant: variant.label }, 'adaptive plan could not compute its next level');
      return null;
    }
  }

  /** Enqueue every shard of a point; a point that cannot be enqueued (target gone, key unreadable) fails. */
  private async enqueuePoint(run: RunWithPointsRow, spec: RunSpec, point: PointRow): Promise<boolean> {
    const variant = this.variantOf(spec, point);
    let apiKey: string | undefined | null;
    try {
      apiKey = await this.targets.getApiKey(variant.target.id);
    } catch (err) {
      this.logger.error({ err, targetId: variant.target.id }, 'cannot decrypt a target API key');
      await this.failPointLocked(
        run.id,
        point.id,
        `cannot decrypt the API key of target '${variant.target.name}' (was SECRET_KEY changed?)`,
      );
      return false;
    }
    if (apiKey === null) {
      await this.failPointLocked(run.id, point.id, `target '${variant.target.name}' no longer exists`);
      return false;
    }
    const attempts = parseShardAttempts(point.shardAttempts);
    for (let index = 0; index < point.shards; index++) {
      const attempt = attempts.get(index) ?? 0;
      const job = buildLoadPointJob({
        runId: run.id,
        loadPointId: point.id,
        spec,
        variant,
        level: point.level as LoadLevel,
        shard: { index, count: point.shards },
        apiKey,
        attempt,
        // a retried shard starts alone: its peers are already running
        ...(point.shards > 1 && attempt === 0
          ? { startSync: { key: point.id, shards: point.shards, timeoutMs: START_SYNC_TIMEOUT_MS } }
          : {}),
      });
      await this.producer.enqueue(variant.target.pool, job);
    }
    return true;
  }

  private async failPointLocked(runId: string, loadPointId: string, reason: string): Promise<void> {
    const ids = await this.repo.endPoints({ runId, ids: [loadPointId] }, 'failed', reason);
    for (const id of ids) await this.events.pointStatus(runId, id, 'failed');
  }

  /** All points terminal: failed if any failed (naming it), else cancelled if any was, else completed. */
  private async finishRunLocked(runId: string): Promise<void> {
    const run = await this.repo.findRun(runId);
    if (!run || isTerminalRunStatus(run.status) || run.loadPoints.some((p) => !isTerminalPointStatus(p.status))) return;
    const failed = run.loadPoints.filter((p) => p.status === 'failed');
    let status: RunStatus = 'completed';
    let error: string | null = null;
    if (failed.length) {
      status = 'failed';
      const first = failed[0]!;
      error = `load point ${first.levelLabel} of variant '${first.variantLabel}' failed: ${first.error ?? 'no reason given'}`;
      if (failed.length > 1) error += ` (and ${failed.length - 1} more failed point(s))`;
    } else if (run.loadPoints.some((p) => p.status === 'cancelled')) {
      status = 'cancelled';
    }
    // hints before the terminal status, so whoever sees the run end also sees its hints
    await this.telemetry.storeRunHints(runId);
    if (await this.repo.finishRun(runId, status, error)) await this.events.runStatus(runId, status, error);
  }

  private async removeWaitingJobs(run: RunWithPointsRow): Promise<void> {
    const spec = run.spec as unknown as RunSpec;
    const byPool = new Map<string, string[]>();
    for (const p of run.loadPoints) {
      if (isTerminalPointStatus(p.status)) continue;
      const pool = this.variantOf(spec, p).target.pool;
      const ids = byPool.get(pool) ?? [];
      const attempts = parseShardAttempts(p.shardAttempts);
      for (let i = 0; i < p.shards; i++) ids.push(loadPointJobId(p.id, i, attempts.get(i) ?? 0));
      byPool.set(pool, ids);
    }
    for (const [pool, ids] of byPool) await this.producer.removeWaiting(pool, ids);
  }
}

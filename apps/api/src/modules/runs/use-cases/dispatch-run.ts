import { Inject, Injectable } from '@nestjs/common';
import {
  describeLoadLevel,
  isTerminalPointStatus,
  isTerminalRunStatus,
  type RunStatus,
} from '@inferbench/contracts';
import { asJson } from '../../../common/json.js';
import { chainsOf } from '../run-chains.js';
import { RunEventsPublisher } from '../run-events.publisher.js';
import { RunLocks } from '../run-locks.js';
import { RunTelemetryService } from '../run-telemetry.service.js';
import { RunsRepository } from '../runs.repository.js';
import { WorkItemKinds } from '../work-items/work-item-kinds.js';

/**
 * Move a run on: enqueue the first queued work item of every idle chain (items that share a target run one after
 * another; job ids make a repeated enqueue a no-op), grow adaptive plans by one item when a chain's last item
 * finished, and end the run once every item is terminal (failed if any failed, naming it; else cancelled if any
 * was; else completed).
 */
@Injectable()
export class DispatchRun {
  constructor(
    @Inject(RunsRepository) private readonly repo: RunsRepository,
    @Inject(WorkItemKinds) private readonly kinds: WorkItemKinds,
    @Inject(RunEventsPublisher) private readonly events: RunEventsPublisher,
    @Inject(RunTelemetryService) private readonly telemetry: RunTelemetryService,
    @Inject(RunLocks) private readonly locks: RunLocks,
  ) {}

  advance(runId: string): Promise<void> {
    return this.locks.run(runId, () => this.advanceLocked(runId));
  }

  /** {@link advance} for a caller that holds the run's lock. */
  async advanceLocked(runId: string): Promise<void> {
    const run = await this.repo.findRun(runId);
    if (!run || isTerminalRunStatus(run.status)) return;
    let nextOrdinal = Math.max(-1, ...run.loadPoints.map((p) => p.ordinal)) + 1;
    let active = false;
    for (const chain of chainsOf(run).values()) {
      if (chain.points.some((p) => p.status === 'running')) {
        active = true;
        continue;
      }
      let started = false;
      for (const head of chain.points.filter((p) => p.status === 'queued')) {
        if (await this.dispatchLocked(run, head)) {
          started = true;
          break;
        }
      }
      if (!started) {
        // growing plans: one more item for the first variant of the chain whose plan is not finished
        for (const variant of chain.variants) {
          const kind = this.kinds.get('load');
          const level = await kind.grow(run.spec, variant, chain.points);
          if (!level) continue;
          const id = await this.repo.createPoint(runId, {
            variantId: variant.id,
            variantLabel: variant.label,
            ordinal: nextOrdinal++,
            level: asJson(level),
            levelLabel: describeLoadLevel(level),
            shards: await kind.shards(run.spec, variant),
          });
          const point = await this.repo.findPoint(id);
          if (point && (await this.dispatchLocked(run, point))) {
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

  /** End one active item as failed (and say so); the caller holds the run's lock. */
  async failItemLocked(runId: string, loadPointId: string, reason: string): Promise<void> {
    const ids = await this.repo.endPoints({ runId, ids: [loadPointId] }, 'failed', reason);
    for (const id of ids) await this.events.pointStatus(runId, id, 'failed');
  }

  /** Hand an item to its kind's executors; an item that cannot run fails. Returns whether it was handed over. */
  private async dispatchLocked(
    run: NonNullable<Awaited<ReturnType<RunsRepository['findRun']>>>,
    item: (typeof run.loadPoints)[number],
  ): Promise<boolean> {
    const refused = await this.kinds.of(item).dispatch(run, item);
    if (refused === null) return true;
    await this.failItemLocked(run.id, item.id, refused);
    return false;
  }

  private async finishRunLocked(runId: string): Promise<void> {
    const run = await this.repo.findRun(runId);
    if (
      !run ||
      isTerminalRunStatus(run.status) ||
      run.loadPoints.some((p) => !isTerminalPointStatus(p.status))
    )
      return;
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
}

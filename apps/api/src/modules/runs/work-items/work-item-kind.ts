import type {
  FrozenVariant,
  LoadLevel,
  LoadPointSummary,
  RunSpec,
  RunStatus,
  ShardState,
} from '@inferbench/contracts';
import type { PointRow, RunWithPointsRow } from '../runs.repository.js';

/**
 * A run is a container of work items, stored as `LoadPoint` rows (the table keeps its name and shape). The lifecycle
 * core (start, dispatch, finalize, agent loss, cancel, sweep) is the same for every kind; what differs per kind lives
 * behind this interface:
 * - `load`: one (variant, load level) of a load plan, run by agents as one job per shard ({@link LoadWorkItemKind});
 * - `import`: a point read from another tool's result file, stored completed and never dispatched;
 * - `eval`: one variant's eval suite on its target (EvalWorkItemKind in eval-work-item.ts): a LoadPoint row with `kind = 'eval'`,
 *   its eval part (suite, records, scores) in the evals module's tables; placed among the load items by `arrange`.
 */
export type WorkItemKindName = 'load' | 'import' | 'eval';

/** A work item to create: one (variant, level) pair. */
export interface PlannedItem {
  variant: FrozenVariant;
  level: LoadLevel;
  levelLabel: string;
  /** the item's kind (absent: `load`) */
  kind?: WorkItemKindName;
}

/** What finalizing a work item decided. */
export interface ItemOutcome {
  status: RunStatus;
  error: string | null;
  summary: LoadPointSummary;
  /** encoded merged accumulator (exact histograms) */
  histograms: string;
  /** the shard reports to keep on the row (without what the summary absorbed) */
  shardState: Record<string, Omit<ShardState, 'accumulator'>>;
}

/** One shard attempt to hand over on its own (a retry after agent loss). */
export interface ShardAttempt {
  shard: number;
  attempt: number;
}

export interface WorkItemKind {
  readonly name: WorkItemKindName;
  /** The items a run of this kind starts with, in execution order. */
  expand(spec: RunSpec): PlannedItem[];
  /**
   * Optional: place this kind's items among the items already planned (kinds whose items belong next to another
   * kind's, e.g. an eval before its variant's load points); returns the whole ordered list.
   */
  arrange?(spec: RunSpec, planned: readonly PlannedItem[]): PlannedItem[];
  /** The next item for one variant of a growing plan, given that variant's items so far; null when it is done. */
  grow(spec: RunSpec, variant: FrozenVariant, items: readonly PointRow[]): Promise<LoadLevel | null>;
  /** How many shards an item of this variant is split into. */
  shards(spec: RunSpec, variant: FrozenVariant): Promise<number>;
  /**
   * Hand the item to agents: every shard, or one shard attempt alone. Returns null when handed over, else why the
   * item cannot run (the caller fails it).
   */
  dispatch(run: RunWithPointsRow, item: PointRow, only?: ShardAttempt): Promise<string | null>;
  /** Take back the jobs of these items that no agent has picked up yet (cancel, run failure). */
  withdraw(run: RunWithPointsRow, items: readonly PointRow[]): Promise<void>;
  /** How many result batches a shard attempt has delivered (so an abandoned attempt can be closed with what it sent). */
  deliveredBatches(item: PointRow, part: ShardAttempt): Promise<number>;
  /**
   * Summarize the item once every shard's counted attempt has reported its end and delivered what it announced;
   * null while something is missing (safe to call any number of times).
   */
  finalize(spec: RunSpec, item: PointRow): Promise<ItemOutcome | null>;
}

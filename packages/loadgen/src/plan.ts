/**
 * `@inferbench/loadgen/plan`: the pure plan helpers (expanding a load plan into levels, stepping adaptive plans,
 * splitting a level over shards). It loads neither the HTTP client (undici) nor the tokenizer libraries, so a
 * process that only plans runs (the API) does not pay for them. `plan-entry.spec.ts` keeps it that way.
 */
export { expandLoadPlan, isAdaptivePlan, splitCount, shardLoadLevel } from './strategies/plan.js';
export {
  nextAdaptiveLevel,
  slaSearchResult,
  isOverSaturated,
  type AdaptiveHistoryEntry,
  type SlaSearchResult,
} from './strategies/adaptive.js';

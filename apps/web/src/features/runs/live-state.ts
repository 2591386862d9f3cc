import type { RunStreamEvent } from '@inferbench/contracts';
import type { RunLiveState } from './queries';

/**
 * Pure reducer of the live cache entry: folds one SSE event into the state. Progress events carry running
 * totals per shard, so the latest one per shard replaces the previous (a lost event loses nothing).
 */
export function applyRunStreamEvent(state: RunLiveState, event: RunStreamEvent, nowMs: number): RunLiveState {
  switch (event.type) {
    case 'run.status':
      return { ...state, lastEventAtMs: nowMs, runStatus: event.status };
    case 'loadpoint.status': {
      const prev = state.loadPoints[event.loadPointId] ?? { shards: {} };
      return {
        ...state,
        lastEventAtMs: nowMs,
        loadPoints: { ...state.loadPoints, [event.loadPointId]: { ...prev, status: event.status } },
      };
    }
    case 'loadpoint.progress': {
      const prev = state.loadPoints[event.loadPointId] ?? { shards: {} };
      const before = prev.shards[event.shardIndex];
      // Events may arrive out of order after a reconnect; totals only grow, so keep the newest.
      if (before && before.done > event.totals.done) return state;
      const shard = {
        done: event.totals.done,
        errors: event.totals.errors,
        elapsedSec: event.totals.elapsedSec,
        window: event.window,
        receivedAtMs: nowMs,
        ...(event.totals.planned === undefined ? {} : { planned: event.totals.planned }),
      };
      return {
        ...state,
        lastEventAtMs: nowMs,
        loadPoints: {
          ...state.loadPoints,
          [event.loadPointId]: { ...prev, shards: { ...prev.shards, [event.shardIndex]: shard } },
        },
      };
    }
    default:
      return state;
  }
}

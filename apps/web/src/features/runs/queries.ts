import { queryOptions } from '@tanstack/react-query';
import { isTerminalRunStatus, type RunStatus, type TimeSeriesPoint } from '@inferbench/contracts';
import { getApi } from '../../lib/api';

/** Query keys of runs. `live(id)` holds progress pushed by the SSE stream; it is never fetched. */
export const runKeys = {
  all: ['runs'] as const,
  details: () => [...runKeys.all, 'detail'] as const,
  detail: (id: string) => [...runKeys.details(), id] as const,
  live: (id: string) => [...runKeys.all, 'live', id] as const,
};

/** How often a non-terminal run is polled, as a fallback for a dropped SSE stream. */
export const LIVE_POLL_MS = 2_000;

export const isTerminalStatus = isTerminalRunStatus;

export function runDetailOptions(id: string) {
  return queryOptions({
    queryKey: runKeys.detail(id),
    queryFn: () => getApi().getRun(id),
    staleTime: 1_000,
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      return status && isTerminalStatus(status) ? false : LIVE_POLL_MS;
    },
  });
}

/** Latest live figures of one shard of a load point, from `loadpoint.progress` events. */
export interface ShardProgress {
  done: number;
  errors: number;
  planned?: number;
  elapsedSec: number;
  /** the most recent one-second window */
  window: TimeSeriesPoint;
  receivedAtMs: number;
}

/** Live progress of a run, keyed by load point id then shard index. */
export interface RunLiveState {
  connected: boolean;
  lastEventAtMs?: number;
  /** status pushed by the stream, ahead of the next refetch */
  runStatus?: RunStatus | string;
  loadPoints: Record<string, { status?: string; shards: Record<number, ShardProgress> }>;
}

export const EMPTY_LIVE_STATE: RunLiveState = { connected: false, loadPoints: {} };

/** The live cache entry is written by `useRunStream`; reading it never hits the network. */
export function runLiveOptions(id: string) {
  return queryOptions({
    queryKey: runKeys.live(id),
    queryFn: (): RunLiveState => EMPTY_LIVE_STATE,
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/** Aggregate of every shard of one load point. */
export interface PointProgress {
  done: number;
  errors: number;
  planned?: number;
  /** output tokens/s in the latest window, summed over shards */
  outputTokensPerSec: number;
  /** completed req/s in the latest window, summed over shards */
  requestsPerSec: number;
  elapsedSec: number;
}

export function aggregatePointProgress(
  shards: Record<number, ShardProgress> | undefined,
): PointProgress | undefined {
  const list = Object.values(shards ?? {});
  if (!list.length) return undefined;
  let plannedKnown = true;
  const agg: PointProgress = {
    done: 0,
    errors: 0,
    planned: 0,
    outputTokensPerSec: 0,
    requestsPerSec: 0,
    elapsedSec: 0,
  };
  for (const s of list) {
    agg.done += s.done;
    agg.errors += s.errors;
    if (s.planned === undefined) plannedKnown = false;
    else agg.planned = (agg.planned ?? 0) + s.planned;
    agg.outputTokensPerSec += s.window.outputTokens;
    agg.requestsPerSec += s.window.completed;
    agg.elapsedSec = Math.max(agg.elapsedSec, s.elapsedSec);
  }
  if (!plannedKnown) delete agg.planned;
  return agg;
}

import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import type { EvalItemsQuery } from '@inferbench/contracts';
import { getApi } from '../../lib/api';

/** Query keys of accuracy evals. Invalidate `evalKeys.run(runId)` after a re-score. */
export const evalKeys = {
  all: ['evals'] as const,
  run: (runId: string) => [...evalKeys.all, 'run', runId] as const,
  summaries: (runId: string, scoreVersion: number | null) =>
    [...evalKeys.run(runId), 'summaries', scoreVersion ?? 'latest'] as const,
  items: (runId: string, q: Partial<EvalItemsQuery>) => [...evalKeys.run(runId), 'items', q] as const,
  compare: (a: string, b: string) => [...evalKeys.all, 'compare', a, b] as const,
};

/** A run's eval summaries at one score version (null = latest). */
export function runEvalsOptions(runId: string, scoreVersion: number | null = null) {
  return queryOptions({
    queryKey: evalKeys.summaries(runId, scoreVersion),
    queryFn: () => getApi().getRunEvals(runId, scoreVersion === null ? {} : { scoreVersion }),
    staleTime: 5_000,
  });
}

/** A page of item records; keeps the previous page on screen while the next loads. */
export function evalItemsOptions(runId: string, q: Partial<EvalItemsQuery>) {
  return queryOptions({
    queryKey: evalKeys.items(runId, q),
    queryFn: () => getApi().getEvalItems(runId, q),
    placeholderData: keepPreviousData,
  });
}

/** `runId:variantLabel` of one side of an eval comparison. */
export interface EvalSide {
  runId: string;
  variantLabel: string;
}

const sideKey = (s: EvalSide) => `${s.runId}:${s.variantLabel}`;

/** Paired comparison: `a` is the baseline, `b` the candidate. */
export function evalCompareOptions(a: EvalSide, b: EvalSide) {
  return queryOptions({
    queryKey: evalKeys.compare(sideKey(a), sideKey(b)),
    queryFn: () => getApi().compareEvals(a, b),
    staleTime: 30_000,
  });
}

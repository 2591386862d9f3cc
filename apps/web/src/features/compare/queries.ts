import { queryOptions } from '@tanstack/react-query';
import { getApi } from '../../lib/api';

export const compareKeys = {
  all: ['compare'] as const,
  result: (items: readonly string[]) => [...compareKeys.all, 'result', [...items]] as const,
  runs: (experimentId: string) => [...compareKeys.all, 'runs', experimentId] as const,
};

/** The API's comparison of the selection (stored aggregates only: stats, CIs, CDF points). */
export function compareOptions(items: readonly string[]) {
  return queryOptions({
    queryKey: compareKeys.result(items),
    queryFn: () => getApi().compare(items, 50),
    staleTime: 30_000,
  });
}

/** Runs of one experiment for the run picker ('' = newest runs of every experiment). */
export function pickerRunsOptions(experimentId: string) {
  return queryOptions({
    queryKey: compareKeys.runs(experimentId),
    queryFn: () => getApi().listRuns({ limit: 30, ...(experimentId ? { experimentId } : {}) }),
  });
}

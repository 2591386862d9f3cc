import { queryOptions } from '@tanstack/react-query';
import type { ExperimentListQuery } from '@inferbench/contracts';
import { getApi } from '../../lib/api';

/** Filters of the experiments list; empty strings mean "no filter". */
export interface ExperimentFilters {
  q?: string;
  tag?: string;
  /** status of the newest run */
  status?: string;
  archived?: boolean;
}

function normalize(filters: ExperimentFilters): Required<ExperimentFilters> {
  return {
    q: filters.q?.trim() ?? '',
    tag: filters.tag?.trim() ?? '',
    status: filters.status ?? '',
    archived: filters.archived ?? false,
  };
}

/** Query keys of experiments; invalidate `experimentKeys.all` after any experiment mutation. */
export const experimentKeys = {
  all: ['experiments'] as const,
  lists: () => [...experimentKeys.all, 'list'] as const,
  list: (filters: ExperimentFilters) => [...experimentKeys.lists(), normalize(filters)] as const,
  details: () => [...experimentKeys.all, 'detail'] as const,
  detail: (id: string) => [...experimentKeys.details(), id] as const,
};

export function experimentListOptions(filters: ExperimentFilters = {}) {
  const f = normalize(filters);
  const query: Partial<ExperimentListQuery> = { limit: 200 };
  if (f.q) query.q = f.q;
  if (f.tag) query.tag = f.tag;
  if (f.status) query.status = f.status as NonNullable<ExperimentListQuery['status']>;
  if (f.archived) query.archived = true;
  return queryOptions({
    queryKey: experimentKeys.list(f),
    queryFn: () => getApi().listExperiments(query),
  });
}

export function experimentDetailOptions(id: string) {
  return queryOptions({
    queryKey: experimentKeys.detail(id),
    queryFn: () => getApi().getExperiment(id),
  });
}

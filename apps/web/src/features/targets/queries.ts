import { queryOptions } from '@tanstack/react-query';
import { getApi } from '../../lib/api';

/** Query keys of targets; invalidate `targetKeys.all` after create/update/delete. */
export const targetKeys = {
  all: ['targets'] as const,
  list: () => [...targetKeys.all, 'list'] as const,
};

export function targetListOptions() {
  return queryOptions({
    queryKey: targetKeys.list(),
    queryFn: () => getApi().listTargets(),
  });
}

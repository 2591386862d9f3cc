import { queryOptions } from '@tanstack/react-query';
import { getApi } from '../../lib/api';

/** Query keys of agents (live registry: heartbeats change every few seconds). */
export const agentKeys = {
  all: ['agents'] as const,
  list: () => [...agentKeys.all, 'list'] as const,
};

/** Agents refresh every 5 s: their state and heartbeat are the point of the page. */
export function agentListOptions() {
  return queryOptions({
    queryKey: agentKeys.list(),
    queryFn: () => getApi().listAgents(),
    staleTime: 2_000,
    refetchInterval: 5_000,
  });
}

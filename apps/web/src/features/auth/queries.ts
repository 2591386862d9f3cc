import { queryOptions } from '@tanstack/react-query';
import { getApi } from '../../lib/api';

/** Query keys of accounts; invalidate `authKeys.all` after a change. */
export const authKeys = {
  all: ['auth'] as const,
  me: () => [...authKeys.all, 'me'] as const,
  users: () => [...authKeys.all, 'users'] as const,
  tokens: () => [...authKeys.all, 'tokens'] as const,
  audit: (experimentId: string) => [...authKeys.all, 'audit', experimentId] as const,
};

export function meOptions() {
  return queryOptions({ queryKey: authKeys.me(), queryFn: () => getApi().me(), staleTime: 60_000 });
}

export function usersOptions() {
  return queryOptions({ queryKey: authKeys.users(), queryFn: () => getApi().listUsers() });
}

export function tokensOptions() {
  return queryOptions({ queryKey: authKeys.tokens(), queryFn: () => getApi().listTokens() });
}

export function auditOptions(experimentId: string) {
  return queryOptions({
    queryKey: authKeys.audit(experimentId),
    queryFn: () => getApi().getExperimentAudit(experimentId, 50),
  });
}

import { queryOptions } from '@tanstack/react-query';
import { getApi } from '../../lib/api';

/** Subject of a comment thread. */
export type CommentSubject = { kind: 'run'; id: string } | { kind: 'experiment'; id: string };

/** Query keys of team review data; invalidate `reviewKeys.all` after any review mutation. */
export const reviewKeys = {
  all: ['review'] as const,
  comments: (s: CommentSubject) => [...reviewKeys.all, 'comments', s.kind, s.id] as const,
  run: (runId: string) => [...reviewKeys.all, 'run', runId] as const,
  history: (experimentId: string) => [...reviewKeys.all, 'history', experimentId] as const,
};

export function commentsOptions(s: CommentSubject) {
  return queryOptions({
    queryKey: reviewKeys.comments(s),
    queryFn: () =>
      s.kind === 'run' ? getApi().listRunComments(s.id) : getApi().listExperimentComments(s.id),
  });
}

export function runReviewOptions(runId: string) {
  return queryOptions({ queryKey: reviewKeys.run(runId), queryFn: () => getApi().getRunReview(runId) });
}

export function historyOptions(experimentId: string) {
  return queryOptions({
    queryKey: reviewKeys.history(experimentId),
    queryFn: () => getApi().getExperimentHistory(experimentId),
  });
}

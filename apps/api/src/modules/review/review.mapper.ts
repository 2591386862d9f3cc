import type { Comment } from '@inferbench/contracts';
import type { CommentRow } from './review.repository.js';

export function toComment(r: CommentRow): Comment {
  return {
    id: r.id,
    experimentId: r.experimentId,
    runId: r.runId,
    author: r.author,
    body: r.body,
    createdAt: r.createdAt.toISOString(),
  };
}

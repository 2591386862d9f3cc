'use client';
import { ApiError } from '@inferbench/api-client';
import type { ReactNode } from 'react';

/** Friendly empty state: what is missing and what to do about it. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children ? <div className="empty-body">{children}</div> : null}
    </div>
  );
}

/** Turn any error into a sentence a person can act on. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'NETWORK' || error.status === 502)
      return 'The dashboard cannot reach the inferbench API. Check that the API is running and that API_URL points at it.';
    if (error.code === 'NOT_FOUND') return 'This item does not exist (it may have been deleted).';
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

/** Error box with an optional retry button. */
export function ErrorState({
  error,
  onRetry,
  title = 'Could not load this page',
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
}) {
  return (
    <div className="error-box" role="alert">
      <p className="error-title">{title}</p>
      <p>{describeError(error)}</p>
      {onRetry ? (
        <button type="button" className="btn" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

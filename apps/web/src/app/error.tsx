'use client';
import { useQueryErrorResetBoundary } from '@tanstack/react-query';
import { ErrorState } from '../components/states';

/**
 * Route-level error boundary: failed suspense queries end up here. "Try again" clears the failed queries'
 * error state first, otherwise the retried render would throw the cached error again.
 */
export default function RouteError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  const { reset: resetQueries } = useQueryErrorResetBoundary();
  return (
    <ErrorState
      error={error}
      onRetry={() => {
        resetQueries();
        reset();
      }}
    />
  );
}

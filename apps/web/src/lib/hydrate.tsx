import {
  dehydrate,
  HydrationBoundary,
  type FetchQueryOptions,
  type QueryClient,
  type QueryKey,
} from '@tanstack/react-query';
import { ApiError } from '@inferbench/api-client';
import { notFound } from 'next/navigation';
import type { ReactNode } from 'react';

/** Server-side: render children with the server query client's cache handed over to the browser. */
export function Hydrate({ client, children }: { client: QueryClient; children: ReactNode }) {
  return <HydrationBoundary state={dehydrate(client)}>{children}</HydrationBoundary>;
}

/**
 * Prefetch a detail query on the server; a 404 from the API becomes the Next not-found page. Other errors are
 * left in the cache (not dehydrated) so the client component retries and shows its error state.
 */
export async function prefetchOrNotFound<T, K extends QueryKey>(
  client: QueryClient,
  options: Pick<FetchQueryOptions<T, Error, T, K>, 'queryKey' | 'queryFn'>,
): Promise<void> {
  try {
    await client.fetchQuery({ queryKey: options.queryKey, queryFn: options.queryFn });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'NOT_FOUND') notFound();
  }
}

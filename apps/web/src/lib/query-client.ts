import {
  defaultShouldDehydrateQuery,
  isServer,
  MutationCache,
  QueryCache,
  QueryClient,
} from '@tanstack/react-query';

/** In the browser: an answer 401 (no session, or it ended) sends the user to the sign-in page, then back here. */
function toSignInOn401(error: unknown): void {
  if (isServer || (error as { status?: unknown } | null)?.status !== 401) return;
  const here = window.location.pathname + window.location.search;
  if (window.location.pathname.startsWith('/sign-in')) return;
  window.location.assign(`/sign-in?next=${encodeURIComponent(here)}`);
}

/**
 * Query client factory (TanStack "advanced SSR" pattern):
 * - staleTime > 0 so data prefetched by a server component is not refetched right after hydration;
 * - pending queries are dehydrated too, so a server component may start a prefetch without awaiting it.
 */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({ onError: toSignInOn401 }),
    mutationCache: new MutationCache({ onError: toSignInOn401 }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // One quick retry for transient failures; an API that is down should say so within a second or two.
        retry: (failureCount, error) => failureCount < 1 && !isClientError(error),
        retryDelay: 500,
        refetchOnWindowFocus: true,
      },
      dehydrate: {
        shouldDehydrateQuery: (query) =>
          defaultShouldDehydrateQuery(query) || query.state.status === 'pending',
      },
    },
  });
}

/** 4xx answers (not found, validation) will not improve by retrying. */
function isClientError(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

let browserQueryClient: QueryClient | undefined;

/**
 * A new client per server request (no data leaks between users), one singleton in the browser (so a
 * re-suspending React tree does not throw its cache away).
 */
export function getQueryClient(): QueryClient {
  if (isServer) return makeQueryClient();
  browserQueryClient ??= makeQueryClient();
  return browserQueryClient;
}

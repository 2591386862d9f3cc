import { queryOptions } from '@tanstack/react-query';
import type { SuiteCatalog } from './types';

export const suiteKeys = {
  all: ['suites'] as const,
  catalog: () => [...suiteKeys.all, 'catalog'] as const,
};

/** Path of the Route Handler serving the built-in suites (src/app/suite-catalog/route.ts). */
export const SUITE_CATALOG_PATH = '/suite-catalog';

/** The built-in suites. On the server, pages prefetch with `loadSuiteCatalog()` under the same key. */
export function suiteCatalogOptions() {
  return queryOptions({
    queryKey: suiteKeys.catalog(),
    queryFn: async (): Promise<SuiteCatalog> => {
      const res = await fetch(SUITE_CATALOG_PATH, { headers: { accept: 'application/json' } });
      // `status` lets the query client's 401 handler send a signed-out user to the sign-in page
      if (!res.ok)
        throw Object.assign(new Error(`the suite catalog answered ${res.status}`), { status: res.status });
      return (await res.json()) as SuiteCatalog;
    },
    staleTime: Number.POSITIVE_INFINITY,
  });
}

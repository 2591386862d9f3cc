import type { Metadata } from 'next';
import { CompareView } from '../../features/compare/components/compare-view';
import { compareOptions } from '../../features/compare/queries';
import { parseItems } from '../../features/compare/selection';
import { Hydrate } from '../../lib/hydrate';
import { getQueryClient } from '../../lib/query-client';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Compare' };

export default async function ComparePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const sp = await searchParams;
  const items = parseItems(typeof sp.runs === 'string' ? sp.runs : '');
  const qc = getQueryClient();
  // one request for the whole comparison: stored stats, intervals and CDF points, never raw samples
  if (items.length >= 2) await qc.prefetchQuery(compareOptions(items));
  return (
    <Hydrate client={qc}>
      <CompareView items={items} />
    </Hydrate>
  );
}

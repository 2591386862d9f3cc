import type { Metadata } from 'next';
import { CompareView } from '../../features/compare/components/compare-view';
import { parseRunIds } from '../../features/compare/match';
import { runDetailOptions } from '../../features/runs/queries';
import { Hydrate } from '../../lib/hydrate';
import { getQueryClient } from '../../lib/query-client';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Compare runs' };

export default async function ComparePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const sp = await searchParams;
  const ids = parseRunIds(typeof sp.runs === 'string' ? sp.runs : '');
  const qc = getQueryClient();
  await Promise.all(ids.map((id) => qc.prefetchQuery(runDetailOptions(id))));
  return (
    <Hydrate client={qc}>
      <CompareView runIds={ids} />
    </Hydrate>
  );
}

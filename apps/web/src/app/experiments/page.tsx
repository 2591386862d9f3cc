import type { Metadata } from 'next';
import { ExperimentList } from '../../features/experiments/components/experiment-list';
import { experimentListOptions } from '../../features/experiments/queries';
import { Hydrate } from '../../lib/hydrate';
import { getQueryClient } from '../../lib/query-client';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Experiments' };

export default async function ExperimentsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const sp = await searchParams;
  const q = typeof sp.q === 'string' ? sp.q : '';
  const tag = typeof sp.tag === 'string' ? sp.tag : '';
  const qc = getQueryClient();
  // Both the filtered list and the unfiltered one (source of the tag filter chips).
  await Promise.all([
    qc.prefetchQuery(experimentListOptions({ q, tag })),
    qc.prefetchQuery(experimentListOptions({})),
  ]);
  return (
    <Hydrate client={qc}>
      <ExperimentList initialQ={q} initialTag={tag} />
    </Hydrate>
  );
}

import type { Metadata } from 'next';
import { TargetsView } from '../../features/targets/components/targets-view';
import { targetListOptions } from '../../features/targets/queries';
import { Hydrate } from '../../lib/hydrate';
import { getQueryClient } from '../../lib/query-client';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Targets' };

export default async function TargetsPage() {
  const qc = getQueryClient();
  await qc.prefetchQuery(targetListOptions());
  return (
    <Hydrate client={qc}>
      <TargetsView />
    </Hydrate>
  );
}

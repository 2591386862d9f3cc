import type { Metadata } from 'next';
import { SuitesView } from '../../features/suites/components/suites-view';
import { loadSuiteCatalog } from '../../features/suites/catalog.server';
import { suiteKeys } from '../../features/suites/queries';
import { Hydrate } from '../../lib/hydrate';
import { getQueryClient } from '../../lib/query-client';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Eval suites' };

export default async function SuitesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const sp = await searchParams;
  const qc = getQueryClient();
  await qc.prefetchQuery({ queryKey: suiteKeys.catalog(), queryFn: loadSuiteCatalog });
  return (
    <Hydrate client={qc}>
      <SuitesView initialYaml={typeof sp.yaml === 'string' ? sp.yaml : null} />
    </Hydrate>
  );
}

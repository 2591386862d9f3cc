import type { Metadata } from 'next';
import { NewExperimentForm } from '../../../features/experiments/components/new-experiment-form';
import { targetListOptions } from '../../../features/targets/queries';
import { Hydrate } from '../../../lib/hydrate';
import { getQueryClient } from '../../../lib/query-client';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'New experiment' };

export default async function NewExperimentPage() {
  const qc = getQueryClient();
  await qc.prefetchQuery(targetListOptions());
  return (
    <Hydrate client={qc}>
      <NewExperimentForm />
    </Hydrate>
  );
}

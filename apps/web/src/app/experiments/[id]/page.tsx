import type { Metadata } from 'next';
import { ExperimentDetail } from '../../../features/experiments/components/experiment-detail';
import { experimentDetailOptions } from '../../../features/experiments/queries';
import { targetListOptions } from '../../../features/targets/queries';
import { Hydrate, prefetchOrNotFound } from '../../../lib/hydrate';
import { getQueryClient } from '../../../lib/query-client';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Experiment' };

export default async function ExperimentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const qc = getQueryClient();
  await Promise.all([
    prefetchOrNotFound(qc, experimentDetailOptions(id)),
    qc.prefetchQuery(targetListOptions()),
  ]);
  return (
    <Hydrate client={qc}>
      <ExperimentDetail id={id} />
    </Hydrate>
  );
}

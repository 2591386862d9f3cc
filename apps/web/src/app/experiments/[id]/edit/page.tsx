import type { Metadata } from 'next';
import { EditExperiment } from '../../../../features/experiments/components/edit-experiment';
import { experimentDetailOptions } from '../../../../features/experiments/queries';
import { targetListOptions } from '../../../../features/targets/queries';
import { Hydrate, prefetchOrNotFound } from '../../../../lib/hydrate';
import { getQueryClient } from '../../../../lib/query-client';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Edit experiment' };

export default async function EditExperimentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const qc = getQueryClient();
  await Promise.all([
    prefetchOrNotFound(qc, experimentDetailOptions(id)),
    qc.prefetchQuery(targetListOptions()),
  ]);
  return (
    <Hydrate client={qc}>
      <EditExperiment id={id} />
    </Hydrate>
  );
}

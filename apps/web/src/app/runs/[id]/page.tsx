import type { Metadata } from 'next';
import { RunView } from '../../../features/runs/components/run-view';
import { runDetailOptions } from '../../../features/runs/queries';
import { Hydrate, prefetchOrNotFound } from '../../../lib/hydrate';
import { getQueryClient } from '../../../lib/query-client';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Run' };

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const qc = getQueryClient();
  await prefetchOrNotFound(qc, runDetailOptions(id));
  return (
    <Hydrate client={qc}>
      <RunView id={id} />
    </Hydrate>
  );
}

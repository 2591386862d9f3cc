import type { Metadata } from 'next';
import { AgentsView } from '../../features/agents/components/agents-view';
import { agentListOptions } from '../../features/agents/queries';
import { Hydrate } from '../../lib/hydrate';
import { getQueryClient } from '../../lib/query-client';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Agents' };

export default async function AgentsPage() {
  const qc = getQueryClient();
  await qc.prefetchQuery(agentListOptions());
  return (
    <Hydrate client={qc}>
      <AgentsView />
    </Hydrate>
  );
}

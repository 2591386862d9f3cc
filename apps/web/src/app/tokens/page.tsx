import type { Metadata } from 'next';
import { TokensView } from '../../features/auth/components/tokens-view';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'API tokens' };

export default function TokensPage() {
  return <TokensView />;
}

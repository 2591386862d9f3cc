import type { Metadata } from 'next';
import { UsersView } from '../../features/auth/components/users-view';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Users' };

export default function UsersPage() {
  return <UsersView />;
}

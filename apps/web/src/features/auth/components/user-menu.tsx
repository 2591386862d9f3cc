'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { meOptions } from '../queries';
import { signOut } from '../session';

/** Who is signed in, the admin pages for admins, and sign out. Nothing on the sign-in page. */
export function UserMenu() {
  const pathname = usePathname();
  const onSignIn = pathname.startsWith('/sign-in');
  const me = useQuery({ ...meOptions(), enabled: !onSignIn });
  if (onSignIn || !me.data) return null;
  return (
    <div
      className="user-menu"
      data-testid="user-menu"
      style={{ marginLeft: 'auto', display: 'flex', gap: '0.75rem', alignItems: 'center' }}
    >
      {me.data.role === 'admin' ? (
        <>
          <Link href="/users" className="nav-link">
            Users
          </Link>
          <Link href="/tokens" className="nav-link">
            Tokens
          </Link>
        </>
      ) : null}
      <span className="small" title={`role ${me.data.role}`}>
        <strong data-testid="whoami">{me.data.email ?? me.data.name}</strong>{' '}
        <span className="muted">({me.data.role})</span>
      </span>
      <button
        type="button"
        className="btn btn-small"
        onClick={() =>
          void signOut().then(() => {
            window.location.assign('/sign-in');
          })
        }
      >
        Sign out
      </button>
    </div>
  );
}

'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';

/** Top-nav link, highlighted while the current path is inside its section. */
export function NavLink({ href, children }: { href: string; children: string }) {
  const pathname = usePathname();
  const isActive =
    pathname === href ||
    pathname.startsWith(`${href}/`) ||
    (href === '/experiments' && pathname.startsWith('/runs/'));
  return (
    <Link
      href={href}
      className={isActive ? 'nav-link active' : 'nav-link'}
      aria-current={isActive ? 'page' : undefined}
    >
      {children}
    </Link>
  );
}

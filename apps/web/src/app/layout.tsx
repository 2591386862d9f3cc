import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { NavLink } from '../components/nav-link';
import { UserMenu } from '../features/auth/components/user-menu';
// server components call the API as the signed-in user (the page request's cookie)
import '../lib/server-auth';
import { Providers } from './providers';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'inferbench', template: '%s · inferbench' },
  description: 'Load generation and evaluation for LLM inference servers',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <div className="topbar-inner">
            <Link href="/experiments" className="brand">
              inferbench
            </Link>
            <nav className="nav" aria-label="Main">
              <NavLink href="/experiments">Experiments</NavLink>
              <NavLink href="/targets">Targets</NavLink>
              <NavLink href="/agents">Agents</NavLink>
              <NavLink href="/compare">Compare</NavLink>
              <NavLink href="/suites">Suites</NavLink>
            </nav>
            <Providers>
              <UserMenu />
            </Providers>
          </div>
        </header>
        <main className="page">
          <Providers>{children}</Providers>
        </main>
      </body>
    </html>
  );
}

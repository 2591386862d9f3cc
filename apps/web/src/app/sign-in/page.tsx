import type { Metadata } from 'next';
import { Suspense } from 'react';
import { SignInForm } from '../../features/auth/components/sign-in-form';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Sign in' };

/** `OIDC_PROVIDER_ID` (the dashboard's env, same value as the API's) shows the single sign-on button. */
export default function SignInPage() {
  const oidc = process.env.OIDC_PROVIDER_ID?.trim() || null;
  return (
    <Suspense>
      <SignInForm oidcProviderId={oidc} />
    </Suspense>
  );
}

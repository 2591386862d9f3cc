'use client';
import { useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { safeNext, signInWithOidc, signInWithPassword } from '../session';

/** E-mail + password sign-in; an SSO button when the deployment configured an OIDC provider. */
export function SignInForm({ oidcProviderId }: { oidcProviderId: string | null }) {
  const params = useSearchParams();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const err = await signInWithPassword(email.trim(), password);
    if (err) {
      setError(err);
      setBusy(false);
      return;
    }
    // a full navigation: server components render again with the new session cookie
    window.location.assign(next);
  };

  return (
    <div className="panel" style={{ maxWidth: 420, margin: '3rem auto' }}>
      <h1 style={{ marginTop: 0 }}>Sign in</h1>
      <form className="form" onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <div className="field">
          <label htmlFor="signin-email">E-mail</label>
          <input
            id="signin-email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
        </div>
        <div className="field">
          <label htmlFor="signin-password">Password</label>
          <input
            id="signin-password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </div>
        {error ? (
          <p className="field-error" role="alert" data-testid="signin-error">
            {error}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {oidcProviderId ? (
        <p>
          <button
            type="button"
            className="btn"
            onClick={() => void signInWithOidc(oidcProviderId, next).then((err) => err && setError(err))}
          >
            Sign in with single sign-on
          </button>
        </p>
      ) : null}
      <p className="muted small">Accounts are created by an admin (Users page).</p>
    </div>
  );
}

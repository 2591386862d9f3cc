'use client';
import { ApiError } from '@inferbench/api-client';
import { TokenScopeSchema, type CreatedApiToken, type TokenScope } from '@inferbench/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { EmptyState, ErrorState } from '../../../components/states';
import { getApi } from '../../../lib/api';
import { formatDateTime } from '../../../lib/format';
import { authKeys, meOptions, tokensOptions, usersOptions } from '../queries';

const SCOPES = TokenScopeSchema.options;

/**
 * API tokens (admins only): create a personal token (for a user, capped by their role) or a service token; the token
 * is shown once; the list shows last use; revoke.
 */
export function TokensView() {
  const qc = useQueryClient();
  const list = useQuery(tokensOptions());
  const users = useQuery(usersOptions());
  const me = useQuery(meOptions());
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'personal' | 'service'>('personal');
  const [userId, setUserId] = useState('');
  const [scope, setScope] = useState<TokenScope>('read');
  const [days, setDays] = useState('90');
  const [created, setCreated] = useState<CreatedApiToken | null>(null);

  const create = useMutation({
    mutationFn: () =>
      getApi().createToken({
        name: name.trim(),
        kind,
        scope,
        expiresInDays: days === 'never' ? null : Number(days),
        ...(kind === 'personal'
          ? { userId: userId || (me.data?.kind === 'user' ? me.data.id : undefined) }
          : {}),
      }),
    onSuccess: async (t) => {
      setCreated(t);
      setName('');
      await qc.invalidateQueries({ queryKey: authKeys.tokens() });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => getApi().revokeToken(id),
    onSuccess: () => qc.invalidateQueries({ queryKey: authKeys.tokens() }),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    create.mutate();
  };

  if (list.isError && list.error instanceof ApiError && list.error.code === 'FORBIDDEN')
    return <ErrorState error={list.error} title="Only admins manage API tokens" />;
  return (
    <>
      <div className="page-header">
        <div>
          <h1>API tokens</h1>
          <p className="muted">
            Sent as <code>Authorization: Bearer …</code> (the CLI reads <code>INFERBENCH_TOKEN</code>).
            Scopes: read · run (start and cancel runs) · write (create and change) · admin.
          </p>
        </div>
      </div>
      <form className="form panel" onSubmit={submit} aria-label="Create token">
        <div className="field">
          <label htmlFor="token-name">Name</label>
          <input
            id="token-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={120}
          />
        </div>
        <div className="field">
          <label htmlFor="token-kind">Kind</label>
          <select
            id="token-kind"
            value={kind}
            onChange={(e) => setKind(e.target.value as 'personal' | 'service')}
          >
            <option value="personal">personal (acts as a user)</option>
            <option value="service">service (CI, no user)</option>
          </select>
        </div>
        {kind === 'personal' ? (
          <div className="field">
            <label htmlFor="token-user">User</label>
            <select id="token-user" value={userId} onChange={(e) => setUserId(e.target.value)}>
              <option value="">me</option>
              {users.data?.items.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.email} ({u.role})
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="token-scope">Scope</label>
          <select id="token-scope" value={scope} onChange={(e) => setScope(e.target.value as TokenScope)}>
            {SCOPES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="token-days">Expires</label>
          <select id="token-days" value={days} onChange={(e) => setDays(e.target.value)}>
            <option value="7">in 7 days</option>
            <option value="30">in 30 days</option>
            <option value="90">in 90 days</option>
            <option value="365">in a year</option>
            <option value="never">never</option>
          </select>
        </div>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          Create token
        </button>
        {create.isError ? <ErrorState error={create.error} title="The token was not created" /> : null}
        {created ? (
          <div role="status" className="panel">
            <p>
              Token <strong>{created.info.name}</strong> — copy it now, it is not shown again:
            </p>
            <code data-testid="new-token" style={{ wordBreak: 'break-all' }}>
              {created.token}
            </code>
          </div>
        ) : null}
      </form>
      {revoke.isError ? <ErrorState error={revoke.error} title="The token was not revoked" /> : null}
      {list.isPending ? (
        <p className="muted">Loading tokens…</p>
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} title="Could not load tokens" />
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No API tokens yet" />
      ) : (
        <div className="table-wrap">
          <table data-testid="tokens-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>User</th>
                <th>Scope</th>
                <th>Token</th>
                <th>Created</th>
                <th>Expires</th>
                <th>Last used</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((t) => (
                <tr key={t.id} data-testid="token-row">
                  <td>{t.name}</td>
                  <td>{t.kind}</td>
                  <td>{t.userEmail ?? <span className="muted">—</span>}</td>
                  <td>{t.scope}</td>
                  <td className="mono small">{t.prefix}…</td>
                  <td>{formatDateTime(t.createdAt)}</td>
                  <td>{t.expiresAt ? formatDateTime(t.expiresAt) : 'never'}</td>
                  <td data-testid="token-last-used">
                    {t.lastUsedAt ? formatDateTime(t.lastUsedAt) : 'never'}
                  </td>
                  <td>
                    {t.revokedAt ? (
                      <span className="muted" data-testid="token-revoked">
                        revoked
                      </span>
                    ) : (
                      <button
                        type="button"
                        className="btn btn-danger btn-small"
                        onClick={() => {
                          if (
                            window.confirm(`Revoke token “${t.name}”? Clients using it stop working at once.`)
                          )
                            revoke.mutate(t.id);
                        }}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

'use client';
import { ApiError } from '@inferbench/api-client';
import { RoleSchema, type CreatedUser, type Role } from '@inferbench/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { EmptyState, ErrorState } from '../../../components/states';
import { getApi } from '../../../lib/api';
import { formatDateTime } from '../../../lib/format';
import { authKeys, usersOptions } from '../queries';

const ROLES = RoleSchema.options;

/** Users (admins only): create (a generated password is shown once), change role, disable. */
export function UsersView() {
  const qc = useQueryClient();
  const list = useQuery(usersOptions());
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [created, setCreated] = useState<CreatedUser | null>(null);
  const create = useMutation({
    mutationFn: () => getApi().createUser({ email: email.trim(), role }),
    onSuccess: async (u) => {
      setCreated(u);
      setEmail('');
      await qc.invalidateQueries({ queryKey: authKeys.users() });
    },
  });
  const update = useMutation({
    mutationFn: (v: { id: string; role?: Role; disabled?: boolean }) =>
      getApi().updateUser(v.id, {
        ...(v.role ? { role: v.role } : {}),
        ...(v.disabled !== undefined ? { disabled: v.disabled } : {}),
      }),
    onSuccess: () => qc.invalidateQueries({ queryKey: authKeys.users() }),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    create.mutate();
  };

  if (list.isError && list.error instanceof ApiError && list.error.code === 'FORBIDDEN')
    return <ErrorState error={list.error} title="Only admins manage users" />;
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Users</h1>
          <p className="muted">
            viewer: read · editor: create and run experiments, comment · admin: users, tokens, deletes
          </p>
        </div>
      </div>
      <form className="form panel" onSubmit={submit} aria-label="Add user">
        <div className="field">
          <label htmlFor="user-email">E-mail</label>
          <input
            id="user-email"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
        </div>
        <div className="field">
          <label htmlFor="user-role">Role</label>
          <select id="user-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          Add user
        </button>
        {create.isError ? <ErrorState error={create.error} title="The user was not created" /> : null}
        {created?.password ? (
          <p role="status" data-testid="new-user-password">
            {created.user.email} can sign in with the one-time password <code>{created.password}</code> — copy
            it now, it is not shown again.
          </p>
        ) : null}
      </form>
      {update.isError ? <ErrorState error={update.error} title="The change was not saved" /> : null}
      {list.isPending ? (
        <p className="muted">Loading users…</p>
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} title="Could not load users" />
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No users yet" />
      ) : (
        <div className="table-wrap">
          <table data-testid="users-table">
            <thead>
              <tr>
                <th>E-mail</th>
                <th>Name</th>
                <th>Role</th>
                <th>Status</th>
                <th>Created</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((u) => (
                <tr key={u.id}>
                  <td>{u.email}</td>
                  <td>{u.name}</td>
                  <td>
                    <select
                      aria-label={`role of ${u.email}`}
                      value={u.role}
                      onChange={(e) => update.mutate({ id: u.id, role: e.target.value as Role })}
                    >
                      {ROLES.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  </td>
                  <td>{u.disabled ? 'disabled' : 'active'}</td>
                  <td>{formatDateTime(u.createdAt)}</td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => update.mutate({ id: u.id, disabled: !u.disabled })}
                    >
                      {u.disabled ? 'Enable' : 'Disable'}
                    </button>
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

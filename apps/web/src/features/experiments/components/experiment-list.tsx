'use client';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useMemo, useState } from 'react';
import { EmptyState, ErrorState } from '../../../components/states';
import { StatusBadge } from '../../../components/status-badge';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { experimentListOptions } from '../queries';

const SEARCH_DEBOUNCE_MS = 250;

/** Experiments table with a search box and tag filter; filters are mirrored into the URL. */
export function ExperimentList({ initialQ, initialTag }: { initialQ: string; initialTag: string }) {
  const [qInput, setQInput] = useState(initialQ);
  const [q, setQ] = useState(initialQ);
  const [tag, setTag] = useState(initialTag);
  const [status, setStatus] = useState('');
  const [archived, setArchived] = useState(false);

  useEffect(() => {
    const t = setTimeout(() => setQ(qInput), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [qInput]);

  useEffect(() => {
    const params = new URLSearchParams();
    if (q.trim()) params.set('q', q.trim());
    if (tag) params.set('tag', tag);
    const s = params.toString();
    window.history.replaceState(null, '', s ? `/experiments?${s}` : '/experiments');
  }, [q, tag]);

  const list = useQuery({
    ...experimentListOptions({ q, tag, status, archived }),
    placeholderData: keepPreviousData,
  });
  const all = useQuery(experimentListOptions({}));
  const allTags = useMemo(() => {
    const set = new Set<string>();
    for (const e of all.data?.items ?? []) for (const t of e.tags) set.add(t);
    if (tag) set.add(tag);
    return [...set].sort();
  }, [all.data, tag]);

  const isFiltered = q.trim() !== '' || tag !== '' || status !== '' || archived;

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Experiments</h1>
          <p className="muted">
            A workload and load plan run against one or more variants (target + model + optimizations).
          </p>
        </div>
        <div className="actions">
          <Link className="btn btn-primary" href="/experiments/new">
            New experiment
          </Link>
        </div>
      </div>

      <div className="toolbar">
        <input
          type="search"
          className="search"
          placeholder="Search by name or description"
          aria-label="Search experiments"
          value={qInput}
          onChange={(e) => setQInput(e.target.value)}
        />
        {allTags.length ? (
          <div role="group" aria-label="Filter by tag">
            <span className="muted small">Tags: </span>
            {allTags.map((t) => (
              <button
                key={t}
                type="button"
                className={t === tag ? 'tag active' : 'tag'}
                aria-pressed={t === tag}
                onClick={() => setTag(t === tag ? '' : t)}
              >
                {t}
              </button>
            ))}
          </div>
        ) : null}
        <select aria-label="Last run status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">any last run status</option>
          {['queued', 'running', 'completed', 'failed', 'cancelled'].map((s) => (
            <option key={s} value={s}>
              last run {s}
            </option>
          ))}
        </select>
        <label className="small">
          <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.target.checked)} />{' '}
          archived
        </label>
        {isFiltered ? (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              setQInput('');
              setQ('');
              setStatus('');
              setArchived(false);
              setTag('');
            }}
          >
            Clear filters
          </button>
        ) : null}
      </div>

      {list.isError && !list.data ? (
        <ErrorState
          error={list.error}
          onRetry={() => void list.refetch()}
          title="Could not load experiments"
        />
      ) : list.isPending ? (
        <p className="muted">Loading experiments…</p>
      ) : list.data.items.length === 0 ? (
        isFiltered ? (
          <EmptyState title="No experiment matches these filters">
            Try another search or clear the tag filter.
          </EmptyState>
        ) : (
          <EmptyState title="No experiments yet">
            Create a <Link href="/targets">target</Link> for your inference server, then{' '}
            <Link href="/experiments/new">a first experiment</Link>.
          </EmptyState>
        )
      ) : (
        <div className="table-wrap" style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Tags</th>
                <th className="num">Variants</th>
                <th>Last run</th>
                <th>When</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Link href={`/experiments/${e.id}`}>{e.name}</Link>
                    {e.description ? <div className="muted small">{e.description.slice(0, 140)}</div> : null}
                  </td>
                  <td>
                    {e.tags.map((t) => (
                      <button
                        key={t}
                        type="button"
                        className="tag"
                        onClick={() => setTag(t)}
                        title={`Show only experiments tagged ${t}`}
                      >
                        {t}
                      </button>
                    ))}
                  </td>
                  <td className="num">{e.variants.length}</td>
                  <td>
                    {e.lastRun ? (
                      <Link href={`/runs/${e.lastRun.id}`}>
                        <StatusBadge status={e.lastRun.status} />
                      </Link>
                    ) : (
                      <span className="muted">never run</span>
                    )}
                  </td>
                  <td
                    title={e.lastRun ? formatDateTime(e.lastRun.createdAt) : undefined}
                    suppressHydrationWarning
                  >
                    {e.lastRun ? formatRelative(e.lastRun.finishedAt ?? e.lastRun.createdAt) : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data && list.data.total > list.data.items.length ? (
        <p className="muted small">
          Showing {list.data.items.length} of {list.data.total}. Narrow the search to find others.
        </p>
      ) : null}
    </>
  );
}

'use client';
import { useQueries } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { EmptyState, ErrorState } from '../../../components/states';
import { StatusBadge } from '../../../components/status-badge';
import { formatDateTime, formatDelta } from '../../../lib/format';
import { COMPARE_FIGURES, deltaClass } from '../../runs/components/comparison-table';
import { runDetailOptions } from '../../runs/queries';
import { matchLoadPoints, parseRunIds } from '../match';

/** Side-by-side figures of 2–4 runs, matched by variant and level, with changes against the first run. */
export function CompareView({ runIds }: { runIds: string[] }) {
  const router = useRouter();
  const [input, setInput] = useState(runIds.join(', '));
  const results = useQueries({ queries: runIds.map((id) => runDetailOptions(id)) });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const ids = parseRunIds(input);
    router.push(ids.length ? `/compare?runs=${ids.map(encodeURIComponent).join(',')}` : '/compare');
  };

  const picker = (
    <form className="toolbar" onSubmit={submit}>
      <input
        type="text"
        className="search"
        style={{ width: 520 }}
        aria-label="Run ids to compare"
        placeholder="Run ids or run page URLs, comma-separated"
        value={input}
        onChange={(e) => setInput(e.target.value)}
      />
      <button type="submit" className="btn btn-primary">
        Compare
      </button>
    </form>
  );

  const header = (
    <div className="page-header">
      <div>
        <h1>Compare runs</h1>
        <p className="muted">
          The first run is the baseline; each figure of the others shows its change against it.
        </p>
      </div>
    </div>
  );

  if (runIds.length < 2) {
    return (
      <>
        {header}
        {picker}
        <EmptyState title="Pick at least two runs">
          Paste run ids or links above, or use “Compare last two runs” on an experiment page.
        </EmptyState>
      </>
    );
  }

  const failed = results.find((r) => r.isError);
  if (failed) {
    return (
      <>
        {header}
        {picker}
        <ErrorState error={failed.error} title="One of the runs could not be loaded" />
      </>
    );
  }
  if (results.some((r) => r.isPending)) {
    return (
      <>
        {header}
        <p className="muted">Loading runs…</p>
      </>
    );
  }
  const runs = results.map((r) => r.data!);
  const rows = matchLoadPoints(runs);

  return (
    <>
      {header}
      {picker}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th />
              {runs.map((r, i) => (
                <th key={r.id}>{i === 0 ? 'Baseline' : `Run ${i + 1}`}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>Run</td>
              {runs.map((r) => (
                <td key={r.id}>
                  <Link href={`/runs/${r.id}`} className="mono">
                    {r.id.slice(0, 12)}
                  </Link>{' '}
                  <StatusBadge status={r.status} />
                  <div className="small">
                    <Link href={`/experiments/${r.experimentId}`}>{r.experimentName}</Link>
                  </div>
                  <div className="muted small">{formatDateTime(r.createdAt)}</div>
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      </div>

      {rows.map((row) => {
        const base = row.points[0];
        const figures = COMPARE_FIGURES.filter((f) => row.points.some((p) => p && f.read(p) !== undefined));
        return (
          <section key={`${row.variantLabel}@${row.levelLabel}`}>
            <h2>
              {row.variantLabel} · <span className="mono">{row.levelLabel}</span>
            </h2>
            {figures.length === 0 ? (
              <p className="muted">No run has a summary for this load point yet.</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>Figure</th>
                      {runs.map((r, i) => (
                        <th key={r.id} className="num">
                          {i === 0 ? 'baseline' : r.id.slice(0, 12)}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {figures.map((f) => {
                      const a = base ? f.read(base) : undefined;
                      return (
                        <tr key={f.label}>
                          <td>
                            {f.label} <span className="unit">({f.unit})</span>
                          </td>
                          {row.points.map((p, i) => {
                            const b = p ? f.read(p) : undefined;
                            return (
                              <td key={runs[i]!.id} className="num">
                                {p ? f.format(b) : <span className="muted">not in run</span>}
                                {i > 0 && b !== undefined && a !== undefined && formatDelta(a, b) !== '—' ? (
                                  <span className={`small ${deltaClass(a, b, f.isHigherBetter)}`}>
                                    {' '}
                                    ({formatDelta(a, b)})
                                  </span>
                                ) : null}
                              </td>
                            );
                          })}
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        );
      })}
    </>
  );
}

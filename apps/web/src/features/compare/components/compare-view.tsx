'use client';
import type {
  CompareCell,
  CompareDelta,
  CompareResult,
  DistributionFigure,
  PercentileCi,
} from '@inferbench/contracts';
import { DISTRIBUTION_FIGURES } from '@inferbench/contracts';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { EmptyState, ErrorState } from '../../../components/states';
import { StatusBadge } from '../../../components/status-badge';
import { formatMs, formatPct, formatRate } from '../../../lib/format';
import { FIGURE_LABELS } from '../../runs/components/distribution-chart';
import { compareOptions } from '../queries';
import { compareHref, statKeyOfPercentile } from '../selection';
import { CompareAccuracy } from '../../evals/components/compare-accuracy';
import { OverlaidCdfChart, ParetoChart } from './compare-charts';
import { RunPicker } from './run-picker';

/** Compare runs or variants: picker, side-by-side table with deltas beyond noise, overlaid CDFs, Pareto view. */
export function CompareView({ items }: { items: string[] }) {
  const router = useRouter();
  const go = (next: string[]) => router.push(compareHref(next));
  const query = useQuery({ ...compareOptions(items), enabled: items.length > 0 });

  const header = (
    <div className="page-header">
      <div>
        <h1>Compare</h1>
        <p className="muted">
          The first column is the reference; each other column shows its change against it, marked ● when the
          difference is beyond noise (95 % intervals do not overlap). The selection lives in the URL: copy it
          to share.
        </p>
      </div>
    </div>
  );
  const chips = (
    <div className="toolbar" data-testid="compare-selection">
      {items.map((it, i) => (
        <span key={it} className="tag mono">
          {i === 0 ? 'reference: ' : ''}
          {query.data?.columns[i]?.label ?? it.slice(0, 20)}{' '}
          <button
            type="button"
            className="btn btn-small"
            aria-label={`Remove ${it}`}
            onClick={() => go(items.filter((x) => x !== it))}
          >
            ×
          </button>
        </span>
      ))}
    </div>
  );
  const picker = <RunPicker selected={items} onAdd={(it) => go([...items, it])} />;

  if (items.length < 2) {
    return (
      <>
        {header}
        {chips}
        <EmptyState title="Pick at least two runs or variants">
          Add runs below (or use “Compare with…” on a run page). Whole runs are matched variant by variant;
          single variants are matched level by level.
        </EmptyState>
        {picker}
      </>
    );
  }
  return (
    <>
      {header}
      {chips}
      {query.isError ? (
        <ErrorState
          error={query.error}
          title="This selection cannot be compared"
          onRetry={() => void query.refetch()}
        />
      ) : null}
      {query.isPending ? <p className="muted">Loading comparison…</p> : null}
      {query.data ? <CompareBody result={query.data} /> : null}
      <details>
        <summary>Add runs or variants</summary>
        {picker}
      </details>
    </>
  );
}

function CompareBody({ result }: { result: CompareResult }) {
  const [figure, setFigure] = useState<DistributionFigure>('ttftMs');
  const [rowKey, setRowKey] = useState(result.rows[0]?.key ?? '');
  const sloPct = result.columns[0]?.slo?.percentile;
  const [stat, setStat] = useState<'p50' | 'p90' | 'p95' | 'p99' | 'p999'>(statKeyOfPercentile(sloPct));
  if (!result.rows.length) {
    return (
      <EmptyState title="Nothing to compare yet">
        None of the selected runs has a finalized load point.
      </EmptyState>
    );
  }
  const activeRow = result.rows.some((r) => r.key === rowKey) ? rowKey : result.rows[0]!.key;
  return (
    <>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th />
              {result.columns.map((c, i) => (
                <th key={c.item}>{i === 0 ? 'Reference' : `#${i + 1}`}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>Run</td>
              {result.columns.map((c) => (
                <td key={c.item} data-testid="compare-column">
                  <Link href={`/runs/${c.runId}`} className="mono">
                    {c.runId.slice(0, 12)}
                  </Link>{' '}
                  <StatusBadge status={c.status} />
                  <div className="small" data-testid="compare-source">
                    {c.source ? c.source.label : 'inferbench (measured)'}
                  </div>
                  {c.variantLabel ? (
                    <div>
                      <strong>{c.variantLabel}</strong>
                    </div>
                  ) : null}
                  <div className="small">
                    <Link href={`/experiments/${c.experimentId}`}>{c.experimentName}</Link>
                  </div>
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      </div>

      <h2>Charts</h2>
      <div className="toolbar">
        <label className="small" htmlFor="cmp-figure">
          Figure
        </label>
        <select
          id="cmp-figure"
          aria-label="Compare figure"
          value={figure}
          onChange={(e) => setFigure(e.target.value as DistributionFigure)}
        >
          {DISTRIBUTION_FIGURES.map((f) => (
            <option key={f} value={f}>
              {FIGURE_LABELS[f]}
            </option>
          ))}
        </select>
        <label className="small" htmlFor="cmp-row">
          Load point
        </label>
        <select id="cmp-row" value={activeRow} onChange={(e) => setRowKey(e.target.value)}>
          {result.rows.map((r) => (
            <option key={r.key} value={r.key}>
              {r.key}
            </option>
          ))}
        </select>
        <label className="small" htmlFor="cmp-stat">
          Pareto percentile
        </label>
        <select id="cmp-stat" value={stat} onChange={(e) => setStat(e.target.value as typeof stat)}>
          {(['p50', 'p90', 'p95', 'p99', 'p999'] as const).map((s) => (
            <option key={s} value={s}>
              {s}
              {sloPct !== undefined && statKeyOfPercentile(sloPct) === s ? ' (SLO)' : ''}
            </option>
          ))}
        </select>
      </div>
      <div
        className="grid-2"
        style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(420px, 1fr))', gap: '1rem' }}
      >
        <OverlaidCdfChart result={result} rowKey={activeRow} figure={figure} />
        <ParetoChart result={result} figure={figure} stat={stat} />
      </div>

      <CompareAccuracy result={result} />

      <h2>Side by side</h2>
      {result.rows.map((row) => (
        <section key={row.key} data-testid="compare-row">
          <h3>{row.key}</h3>
          <div className="table-wrap">
            <table data-testid="compare-table">
              <thead>
                <tr>
                  <th>Figure</th>
                  {result.columns.map((c) => (
                    <th key={c.item} className="num">
                      {c.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {DISTRIBUTION_FIGURES.flatMap((f) =>
                  (['p50', 'p99'] as const).map((k) => (
                    <tr key={`${f}-${k}`}>
                      <td>
                        {FIGURE_LABELS[f]} {k} <span className="unit">(ms)</span>
                      </td>
                      {row.cells.map((cell, i) => (
                        <LatencyCell
                          key={result.columns[i]!.item}
                          cell={cell}
                          figure={f}
                          stat={k}
                          delta={row.deltas[i]?.[f]?.[k]}
                        />
                      ))}
                    </tr>
                  )),
                )}
                <ThroughputRow
                  label="Output throughput"
                  unit="tok/s"
                  cells={row.cells}
                  read={(c) => c.outputTokenThroughput}
                  fmt={formatRate}
                />
                <ThroughputRow
                  label="Request throughput"
                  unit="req/s"
                  cells={row.cells}
                  read={(c) => c.requestThroughput}
                  fmt={formatRate}
                />
                <ThroughputRow
                  label="Goodput"
                  unit="req/s"
                  cells={row.cells}
                  read={(c) => c.goodput}
                  fmt={formatRate}
                />
                <ThroughputRow
                  label="Error rate"
                  unit="%"
                  cells={row.cells}
                  read={(c) => c.errorRate}
                  fmt={formatPct}
                />
              </tbody>
            </table>
          </div>
        </section>
      ))}
      <p className="small muted">Method: {result.method}</p>
    </>
  );
}

function ci(c: PercentileCi | null | undefined, aggregatesOnly = false): string {
  if (!c && aggregatesOnly) return 'aggregates only: the file holds no per-request records, so no interval';
  if (!c) return 'no stored histogram: no interval';
  const open = c.lowerOpen || c.upperOpen ? ' (open: too few values beyond the percentile to bound it)' : '';
  return `95 % CI ${formatMs(c.lower)}–${formatMs(c.upper)}${open}`;
}

function LatencyCell({
  cell,
  figure,
  stat,
  delta,
}: {
  cell: CompareCell | null;
  figure: DistributionFigure;
  stat: 'p50' | 'p99';
  delta: CompareDelta | undefined;
}) {
  const fig = cell?.figures[figure];
  if (!cell) return <td className="num muted">not in selection</td>;
  if (!fig) return <td className="num muted">—</td>;
  const interval = stat === 'p50' ? fig.p50Ci : fig.p99Ci;
  return (
    <td className="num" title={ci(interval, cell.aggregatesOnly)}>
      {formatMs(fig.stats[stat])}
      {delta ? (
        <span
          className={`small ${delta.beyondNoise ? (delta.deltaMs > 0 ? 'delta-worse' : 'delta-better') : 'muted'}`}
          data-beyond-noise={delta.beyondNoise}
        >
          {' '}
          ({delta.deltaPct === null ? '—' : `${delta.deltaPct > 0 ? '+' : ''}${delta.deltaPct.toFixed(1)}%`}
          {delta.beyondNoise ? ' ●' : ', within noise'})
        </span>
      ) : null}
      {interval ? (
        <div className="small muted">
          [{interval.lowerOpen ? '≤' : ''}
          {formatMs(interval.lower)}–{interval.upperOpen ? '≥' : ''}
          {formatMs(interval.upper)}]
          {interval.lowerOpen || interval.upperOpen ? ' too few values to bound' : ''}
        </div>
      ) : cell.aggregatesOnly ? (
        <div className="small muted" data-testid="ci-unavailable">
          CI n/a (aggregates only)
        </div>
      ) : null}
    </td>
  );
}

function ThroughputRow({
  label,
  unit,
  cells,
  read,
  fmt,
}: {
  label: string;
  unit: string;
  cells: (CompareCell | null)[];
  read: (c: CompareCell) => number | null;
  fmt: (v: number | null | undefined) => string;
}) {
  return (
    <tr>
      <td>
        {label} <span className="unit">({unit})</span>
      </td>
      {cells.map((c, i) => (
        <td key={i} className="num">
          {c ? fmt(read(c)) : <span className="muted">—</span>}
        </td>
      ))}
    </tr>
  );
}

'use client';
import type { Run } from '@inferbench/contracts';
import { importFileDownloadUrl } from '../../../lib/api';
import { formatMs, formatRate } from '../../../lib/format';
import { FIGURE_LABELS } from './distribution-chart';

/**
 * Where an imported run's figures came from (tool, version, file with a download link), the importer's
 * warnings, and per load point whether it is "aggregates only" with the figures its file states. Renders
 * nothing for a measured run.
 */
export function ImportedSource({ run }: { run: Run }) {
  const source = run.source;
  if (!source) return null;
  const aggregates = run.loadPoints.filter((p) => p.imported?.detail === 'aggregates');
  return (
    <section className="panel" data-testid="imported-source">
      <dl className="facts">
        <dt>Source</dt>
        <dd data-testid="imported-source-label">{source.label}</dd>
        <dt>File</dt>
        <dd>
          <a href={importFileDownloadUrl(run.id)} download={source.fileName} data-testid="import-file-link">
            {source.fileName}
          </a>{' '}
          <span className="muted small">
            ({source.format}, tool {source.detectedBy === 'forced' ? 'given' : 'detected'})
          </span>
        </dd>
      </dl>
      {source.warnings.map((w) => (
        <p key={w} className="small muted">
          ! {w}
        </p>
      ))}
      {aggregates.map((p) => {
        const a = p.imported!.aggregates;
        return (
          <div key={p.id} data-testid="aggregates-only-point">
            <h3>
              {p.variantLabel} · {p.levelLabel} <span className="badge">aggregates only</span>
            </h3>
            <p className="small muted">
              The file holds no per-request records: these are its figures as stated. No CDFs, no confidence
              intervals.
            </p>
            {a ? (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>Figure</th>
                      {(['mean', 'p50', 'p90', 'p95', 'p99', 'p999'] as const).map((k) => (
                        <th key={k} className="num">
                          {k}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {Object.entries(a.latency).map(([fig, st]) => (
                      <tr key={fig}>
                        <td>
                          {FIGURE_LABELS[fig as keyof typeof FIGURE_LABELS] ?? fig}{' '}
                          <span className="unit">({fig.endsWith('PerSec') ? 'tok/s' : 'ms'})</span>
                        </td>
                        {(['mean', 'p50', 'p90', 'p95', 'p99', 'p999'] as const).map((k) => (
                          <td key={k} className="num">
                            {st[k] === undefined ? <span className="muted">—</span> : formatMs(st[k])}
                          </td>
                        ))}
                      </tr>
                    ))}
                    <tr>
                      <td>
                        Request throughput <span className="unit">(req/s)</span>
                      </td>
                      <td className="num" colSpan={6}>
                        {a.requestThroughput === undefined ? '—' : formatRate(a.requestThroughput)}
                      </td>
                    </tr>
                    <tr>
                      <td>
                        Output throughput <span className="unit">(tok/s)</span>
                      </td>
                      <td className="num" colSpan={6}>
                        {a.outputTokenThroughput === undefined ? '—' : formatRate(a.outputTokenThroughput)}
                      </td>
                    </tr>
                  </tbody>
                </table>
              </div>
            ) : null}
            {p.imported!.flags.map((f) => (
              <p key={f} className="small muted">
                note: {f}
              </p>
            ))}
          </div>
        );
      })}
    </section>
  );
}

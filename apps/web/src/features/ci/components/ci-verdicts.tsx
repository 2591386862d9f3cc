'use client';
import type { RunEvaluation } from '@inferbench/contracts';
import { formatDateTime } from '../../../lib/format';

function fmt(v: number | null, unit: string): string {
  if (v === null) return '–';
  const a = Math.abs(v);
  const n = a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
  return unit === 'ratio' || unit === '' ? n : `${n} ${unit}`;
}

/** The verdicts of the run's last CI evaluation (`inferbench ci` / `POST /runs/:id/evaluate`). */
export function CiVerdicts({ evaluation }: { evaluation: RunEvaluation }) {
  const failed = evaluation.thresholds.filter((t) => !t.pass).length;
  const regressions = evaluation.baseline?.checks.filter((c) => !c.pass).length ?? 0;
  return (
    <section className="panel" data-testid="ci-verdicts">
      <h2>
        CI verdict{' '}
        <span className={`badge ${evaluation.pass ? 'ok' : 'bad'}`}>
          {evaluation.pass ? 'passed' : 'failed'}
        </span>
      </h2>
      <p className="small muted">
        evaluated {formatDateTime(evaluation.evaluatedAt)} · {evaluation.thresholds.length} threshold checks (
        {failed} failed)
        {evaluation.baseline && !evaluation.baseline.skipped
          ? ` · baseline ${evaluation.baseline.baselineRunId}: ${regressions} regression(s)`
          : ''}
        {evaluation.baseline?.skipped ? ` · baseline gate skipped: ${evaluation.baseline.skipped}` : ''}
      </p>
      {evaluation.abortedBy ? <p className="small">Aborted early by {evaluation.abortedBy}</p> : null}
      {evaluation.thresholds.length ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>variant</th>
                <th>level</th>
                <th>metric</th>
                <th>threshold</th>
                <th className="num">observed</th>
                <th>verdict</th>
              </tr>
            </thead>
            <tbody>
              {evaluation.thresholds.map((t) => (
                <tr key={`${t.loadPointId} ${t.metric} ${t.threshold}`} data-pass={t.pass}>
                  <td>{t.variantLabel}</td>
                  <td>{t.levelLabel}</td>
                  <td>{t.metric}</td>
                  <td>
                    <code>{t.threshold}</code>
                  </td>
                  <td className="num">
                    {t.observed === null ? (t.note ?? 'no data') : fmt(t.observed, t.unit)}
                  </td>
                  <td>{t.pass ? 'pass' : 'FAIL'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {evaluation.baseline?.checks.length ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>variant</th>
                <th>level</th>
                <th>figure</th>
                <th className="num">baseline</th>
                <th className="num">this run</th>
                <th className="num">worse by</th>
                <th className="num">tolerance</th>
                <th>beyond noise</th>
                <th>verdict</th>
              </tr>
            </thead>
            <tbody>
              {evaluation.baseline.checks.map((c) => (
                <tr key={`${c.variantLabel} ${c.levelLabel} ${c.rule}`} data-pass={c.pass}>
                  <td>{c.variantLabel}</td>
                  <td>{c.levelLabel}</td>
                  <td>{c.rule}</td>
                  <td className="num">{fmt(c.baseline, c.unit)}</td>
                  <td className="num">{fmt(c.current, c.unit)}</td>
                  <td className="num">{c.worsePct === null ? '–' : `${c.worsePct.toFixed(1)} %`}</td>
                  <td className="num">{c.tolerancePct} %</td>
                  <td>{c.beyondNoise === null ? 'n/a' : c.beyondNoise ? 'yes' : 'no'}</td>
                  <td>{c.pass ? 'pass' : 'FAIL'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

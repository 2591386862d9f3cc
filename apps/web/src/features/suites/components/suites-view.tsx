'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorState } from '../../../components/states';
import { formatInt } from '../../../lib/format';
import styles from '../../evals/evals.module.css';
import { suiteCatalogOptions } from '../queries';
import type { SuiteInfo } from '../types';

/** The built-in eval suites: their tasks with item counts, scoring, metrics and version hashes; each suite's YAML. */
export function SuitesView({ initialYaml }: { initialYaml: string | null }) {
  const { data, error, refetch } = useQuery(suiteCatalogOptions());
  const [yamlOf, setYamlOf] = useState<string | null>(initialYaml);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Eval suites</h1>
          <p className="muted">
            Suites shipped with inferbench (<code>@inferbench/evals</code>). Add one to an experiment in its
            form’s “Accuracy evals” section; every variant is then scored on it. A task’s version hash covers
            every setting that can change a prediction or a score: two results compare only at the same hash.
          </p>
        </div>
      </div>
      {error ? (
        <ErrorState error={error} onRetry={() => void refetch()} title="The suites could not be read" />
      ) : null}
      {data?.errors.map((e) => (
        <div key={e.name} className="error-box" role="alert">
          <p className="error-title">Suite {e.name} could not be read</p>
          <p>{e.error}</p>
        </div>
      ))}
      {data?.suites.map((s) => (
        <SuiteCard
          key={s.name}
          suite={s}
          showYaml={yamlOf === s.name}
          onToggleYaml={() => setYamlOf((y) => (y === s.name ? null : s.name))}
        />
      ))}
    </>
  );
}

function SuiteCard({
  suite,
  showYaml,
  onToggleYaml,
}: {
  suite: SuiteInfo;
  showYaml: boolean;
  onToggleYaml: () => void;
}) {
  const items = suite.tasks.reduce((a, t) => a + (t.items ?? 0), 0);
  return (
    <section
      className="point-card"
      data-testid="suite-card"
      data-suite={suite.name}
      aria-label={`Suite ${suite.name}`}
    >
      <div className="point-card-header">
        <strong>
          <span className="mono">{suite.name}</span> · {suite.title}
          {suite.version ? <span className="muted small"> v{suite.version}</span> : null}
        </strong>
        <span className="small">
          {suite.tasks.length} tasks · {formatInt(items)} items{' '}
          <button type="button" className="btn btn-small" aria-expanded={showYaml} onClick={onToggleYaml}>
            {showYaml ? 'Hide YAML' : 'View YAML'}
          </button>
        </span>
      </div>
      <div className="point-card-body">
        {suite.description ? <p>{suite.description}</p> : null}
        <div className="table-wrap">
          <table data-testid="suite-tasks">
            <thead>
              <tr>
                <th>Task</th>
                <th>Dataset</th>
                <th className="num">Items</th>
                <th>Scoring</th>
                <th>Reading</th>
                <th>Metrics</th>
                <th>Few-shot</th>
                <th>Version hash</th>
              </tr>
            </thead>
            <tbody>
              {suite.tasks.map((t) => (
                <tr key={t.id} data-task={t.id}>
                  <td>
                    <strong className="mono">{t.id}</strong>
                    {t.description ? <div className="small muted">{t.description}</div> : null}
                  </td>
                  <td className="mono small">{t.datasetSource}</td>
                  <td className="num">
                    {t.items === null ? <span className="muted">—</span> : formatInt(t.items)}
                  </td>
                  <td>
                    {t.scoringMode}
                    {t.circular ? <span className="tag">circular</span> : null}
                    {t.repeats > 1 ? <span className="tag">×{t.repeats}</span> : null}
                  </td>
                  <td className="small">{t.reading}</td>
                  <td className="small">{t.metrics.join(', ')}</td>
                  <td className="small">{t.fewShot}</td>
                  <td className="mono small" title={t.versionHash}>
                    {t.versionHash.slice(0, 12)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {showYaml ? (
          <pre className={styles.codeBlock} data-testid="suite-yaml" aria-label={`${suite.name}.yaml`}>
            {suite.yaml}
          </pre>
        ) : null}
      </div>
    </section>
  );
}

'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { StatusBadge } from '../../../components/status-badge';
import { formatDateTime } from '../../../lib/format';
import { experimentDetailOptions, experimentListOptions } from '../../experiments/queries';
import { pickerRunsOptions } from '../queries';

/**
 * Pick runs (whole runs, matched variant by variant) or single variants of runs, across experiments.
 * `onAdd` receives `runId` or `runId:variantId`.
 */
export function RunPicker({
  selected,
  onAdd,
}: {
  selected: readonly string[];
  onAdd: (item: string) => void;
}) {
  const [experimentId, setExperimentId] = useState('');
  const experiments = useQuery(experimentListOptions({}));
  const runs = useQuery(pickerRunsOptions(experimentId));
  const experiment = useQuery({ ...experimentDetailOptions(experimentId), enabled: Boolean(experimentId) });
  const variants = experiment.data?.variants ?? [];

  return (
    <div className="panel" data-testid="run-picker">
      <div className="toolbar">
        <label htmlFor="picker-experiment" className="small">
          Experiment
        </label>
        <select id="picker-experiment" value={experimentId} onChange={(e) => setExperimentId(e.target.value)}>
          <option value="">all experiments (newest runs)</option>
          {experiments.data?.items.map((e) => (
            <option key={e.id} value={e.id}>
              {e.name}
            </option>
          ))}
        </select>
      </div>
      {runs.isError ? <p className="muted">Runs could not be loaded.</p> : null}
      {runs.data && runs.data.items.length === 0 ? (
        <p className="muted">No runs yet for this choice.</p>
      ) : null}
      {runs.data && runs.data.items.length > 0 ? (
        <div className="table-wrap" style={{ maxHeight: 260, overflowY: 'auto' }}>
          <table>
            <tbody>
              {runs.data.items.map((r) => (
                <tr key={r.id}>
                  <td className="mono small">{r.id.slice(0, 12)}</td>
                  <td className="small">{r.experimentName}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td className="small muted" suppressHydrationWarning>
                    {formatDateTime(r.createdAt)}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={selected.includes(r.id)}
                      onClick={() => onAdd(r.id)}
                    >
                      Add run
                    </button>{' '}
                    {experimentId
                      ? variants.map((v) => (
                          <button
                            key={v.id}
                            type="button"
                            className="btn btn-small"
                            disabled={selected.includes(`${r.id}:${v.id}`)}
                            onClick={() => onAdd(`${r.id}:${v.id}`)}
                          >
                            Add {v.label}
                          </button>
                        ))
                      : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <p className="small muted">
        Add whole runs to compare them variant by variant, or pick an experiment and add single variants (of
        one run or several) to compare variants. Mixing both is not possible.
      </p>
    </div>
  );
}

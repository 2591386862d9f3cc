'use client';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorState } from '../../../components/states';
import { getApi, samplesDownloadUrl } from '../../../lib/api';
import { formatMs } from '../../../lib/format';

const PAGE_SIZE = 25;

/** Raw requests of one load point, a page at a time, with CSV / JSONL download of all of them. */
export function SamplesTable({ loadPointId }: { loadPointId: string }) {
  const [offset, setOffset] = useState(0);
  const { data, error, isPending } = useQuery({
    queryKey: ['runs', 'samples-page', loadPointId, offset],
    queryFn: () => getApi().getSamplesPage(loadPointId, { limit: PAGE_SIZE, offset }),
    placeholderData: keepPreviousData,
  });
  if (error) return <ErrorState error={error} title="Raw samples could not be loaded" />;
  if (isPending || !data) return <p className="muted">Loading raw samples…</p>;
  const last = Math.min(offset + PAGE_SIZE, data.total);
  return (
    <div data-testid="samples-table">
      <div className="toolbar">
        <span className="small">
          Requests {data.total ? offset + 1 : 0}–{last} of {data.total.toLocaleString('en-US')}
        </span>
        <button
          type="button"
          className="btn btn-small"
          disabled={offset === 0}
          onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
        >
          ← Previous
        </button>
        <button
          type="button"
          className="btn btn-small"
          disabled={last >= data.total}
          onClick={() => setOffset(offset + PAGE_SIZE)}
        >
          Next →
        </button>
        <a className="small" href={samplesDownloadUrl(loadPointId, 'csv')}>
          Download all (CSV)
        </a>
        <a className="small" href={samplesDownloadUrl(loadPointId, 'jsonl')}>
          JSONL
        </a>
      </div>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th className="num">shard</th>
              <th className="num">#</th>
              <th>status</th>
              <th className="num">in tok</th>
              <th className="num">out tok</th>
              <th className="num">chunks</th>
              <th className="num">TTFT (ms)</th>
              <th className="num">TPOT (ms)</th>
              <th className="num">max ITL (ms)</th>
              <th className="num">E2E (ms)</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((r) => (
              <tr key={`${r.shardIndex}-${r.idx}`}>
                <td className="num">{r.shardIndex}</td>
                <td className="num">{r.idx}</td>
                <td>
                  {r.errorClass ? (
                    <span title={r.errorMessage ?? ''}>
                      {r.errorClass} ({r.httpStatus})
                    </span>
                  ) : (
                    r.httpStatus
                  )}
                  {r.warmup ? <span className="muted small"> warm-up</span> : null}
                </td>
                <td className="num">{r.inputTokens}</td>
                <td className="num">{r.outputTokens}</td>
                <td className="num">{r.chunks}</td>
                <td className="num">{formatMs(r.ttftMs)}</td>
                <td className="num">{formatMs(r.tpotMs)}</td>
                <td className="num">{formatMs(r.maxItlMs)}</td>
                <td className="num">{formatMs(r.e2eMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

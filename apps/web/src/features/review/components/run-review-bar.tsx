'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ErrorState } from '../../../components/states';
import { getApi } from '../../../lib/api';
import { experimentKeys } from '../../experiments/queries';
import { reviewKeys, runReviewOptions } from '../queries';

/** Run tags (editable) and the experiment-baseline badge/button of a run page. */
export function RunReviewBar({ runId, experimentId }: { runId: string; experimentId: string }) {
  const qc = useQueryClient();
  const { data } = useQuery(runReviewOptions(runId));
  const [draft, setDraft] = useState('');
  const invalidate = () =>
    Promise.all([
      qc.invalidateQueries({ queryKey: reviewKeys.all }),
      qc.invalidateQueries({ queryKey: experimentKeys.all }),
    ]);

  const tags = useMutation({
    mutationFn: (next: string[]) => getApi().setRunTags(runId, next),
    onSuccess: invalidate,
  });
  const baseline = useMutation({
    mutationFn: (on: boolean) => getApi().setBaseline(experimentId, on ? runId : null),
    onSuccess: invalidate,
  });

  const addTag = (e: FormEvent) => {
    e.preventDefault();
    const t = draft.trim();
    if (!t || !data) return;
    tags.mutate([...data.tags, t]);
    setDraft('');
  };

  if (!data) return null;
  return (
    <div className="toolbar" aria-label="Review" data-testid="run-review">
      {data.isBaseline ? (
        <span className="badge badge-completed" data-testid="baseline-badge">
          baseline
        </span>
      ) : null}
      <button
        type="button"
        className="btn btn-small"
        disabled={baseline.isPending}
        onClick={() => baseline.mutate(!data.isBaseline)}
      >
        {data.isBaseline ? 'Clear baseline' : 'Make baseline'}
      </button>
      <span className="small muted">Tags:</span>
      {data.tags.map((t) => (
        <span key={t} className="tag">
          {t}{' '}
          <button
            type="button"
            aria-label={`Remove tag ${t}`}
            className="btn btn-small"
            onClick={() => tags.mutate(data.tags.filter((x) => x !== t))}
          >
            ×
          </button>
        </span>
      ))}
      <form onSubmit={addTag} style={{ display: 'inline-flex', gap: '0.3rem' }}>
        <input
          aria-label="New tag"
          placeholder="add tag"
          maxLength={50}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          style={{ width: 120 }}
        />
        <button type="submit" className="btn btn-small">
          Add
        </button>
      </form>
      {tags.isError ? <ErrorState error={tags.error} title="Tags were not saved" /> : null}
      {baseline.isError ? <ErrorState error={baseline.error} title="The baseline was not changed" /> : null}
    </div>
  );
}

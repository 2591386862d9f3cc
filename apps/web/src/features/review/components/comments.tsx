'use client';
import { ApiError } from '@inferbench/api-client';
import { CreateCommentRequestSchema } from '@inferbench/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ErrorState } from '../../../components/states';
import { getApi } from '../../../lib/api';
import { formatDateTime } from '../../../lib/format';
import { useDisplayName } from '../display-name';
import { commentsOptions, reviewKeys, type CommentSubject } from '../queries';

/** The comment thread of a run or an experiment, oldest first, with a form signed by the display name. */
export function Comments({ subject }: { subject: CommentSubject }) {
  const qc = useQueryClient();
  const { data, error, isPending, refetch } = useQuery(commentsOptions(subject));
  const [name, setName] = useDisplayName();
  const [nameDraft, setNameDraft] = useState('');
  const [body, setBody] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});

  const add = useMutation({
    mutationFn: (b: { author: string; body: string }) =>
      subject.kind === 'run'
        ? getApi().addRunComment(subject.id, b)
        : getApi().addExperimentComment(subject.id, b),
    onSuccess: async () => {
      setBody('');
      await qc.invalidateQueries({ queryKey: reviewKeys.comments(subject) });
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const author = name || nameDraft.trim();
    const parsed = CreateCommentRequestSchema.safeParse({ author, body });
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), i.message])));
      return;
    }
    setErrors({});
    if (!name) setName(parsed.data.author);
    add.mutate(parsed.data);
  };

  return (
    <section className="panel" aria-label="Comments" data-testid="comments">
      <h2 style={{ marginTop: 0 }}>Comments</h2>
      {error ? (
        <ErrorState error={error} title="Comments could not be loaded" onRetry={() => void refetch()} />
      ) : null}
      {isPending ? <p className="muted">Loading comments…</p> : null}
      {data && data.items.length === 0 ? (
        <p className="muted">No comments yet. Notes for the team go here.</p>
      ) : null}
      <ul className="comments" style={{ listStyle: 'none', padding: 0 }}>
        {data?.items.map((c) => (
          <li
            key={c.id}
            data-testid="comment"
            style={{ borderTop: '1px solid #e5e7eb', padding: '0.5rem 0' }}
          >
            <div className="small">
              <strong data-testid="comment-author">{c.author}</strong>{' '}
              <span className="muted" suppressHydrationWarning>
                {formatDateTime(c.createdAt)}
              </span>
            </div>
            <p style={{ margin: '0.2rem 0', whiteSpace: 'pre-wrap' }} data-testid="comment-body">
              {c.body}
            </p>
          </li>
        ))}
      </ul>
      <form className="form" onSubmit={submit} noValidate>
        {name ? (
          <p className="small muted">
            Commenting as <strong data-testid="display-name">{name}</strong>{' '}
            <button type="button" className="btn btn-small" onClick={() => setName('')}>
              change
            </button>
          </p>
        ) : (
          <div className={errors.author ? 'field invalid' : 'field'}>
            <label htmlFor={`author-${subject.id}`}>Your display name (set once, kept in this browser)</label>
            <input
              id={`author-${subject.id}`}
              value={nameDraft}
              maxLength={80}
              onChange={(e) => setNameDraft(e.target.value)}
            />
            {errors.author ? (
              <span className="field-error" role="alert">
                {errors.author}
              </span>
            ) : null}
          </div>
        )}
        <div className={errors.body ? 'field invalid' : 'field'}>
          <label htmlFor={`comment-${subject.id}`}>Comment</label>
          <textarea
            id={`comment-${subject.id}`}
            rows={3}
            value={body}
            onChange={(e) => setBody(e.target.value)}
          />
          {errors.body ? (
            <span className="field-error" role="alert">
              {errors.body}
            </span>
          ) : null}
        </div>
        {add.isError && !(add.error instanceof ApiError && add.error.code === 'VALIDATION_FAILED') ? (
          <ErrorState error={add.error} title="The comment was not saved" />
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={add.isPending}>
          {add.isPending ? 'Posting…' : 'Post comment'}
        </button>
      </form>
    </section>
  );
}

'use client';
import { ApiError } from '@inferbench/api-client';
import { CreateCommentRequestSchema } from '@inferbench/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ErrorState } from '../../../components/states';
import { getApi } from '../../../lib/api';
import { formatDateTime } from '../../../lib/format';
import { meOptions } from '../../auth/queries';
import { commentsOptions, reviewKeys, type CommentSubject } from '../queries';

/** The comment thread of a run or an experiment, oldest first; a new comment is signed by the signed-in user. */
export function Comments({ subject }: { subject: CommentSubject }) {
  const qc = useQueryClient();
  const { data, error, isPending, refetch } = useQuery(commentsOptions(subject));
  const me = useQuery(meOptions());
  const [body, setBody] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});

  const add = useMutation({
    mutationFn: (b: { body: string }) =>
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
    const parsed = CreateCommentRequestSchema.safeParse({ body });
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), i.message])));
      return;
    }
    setErrors({});
    add.mutate({ body: parsed.data.body });
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
        {me.data ? (
          <p className="small muted">
            Commenting as <strong data-testid="display-name">{me.data.email ?? me.data.name}</strong>
          </p>
        ) : null}
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

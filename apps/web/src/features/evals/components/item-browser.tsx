'use client';
import type { EvalFlip, EvalItemRow, EvalItemStatusFilter, EvalPrompt } from '@inferbench/contracts';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorState } from '../../../components/states';
import { formatInt, formatMs } from '../../../lib/format';
import styles from '../evals.module.css';
import { evalCompareOptions, evalItemsOptions } from '../queries';

const PAGE_SIZE = 20;

/**
 * Browse a run's item records: prompt, response (reasoning collapsed), extracted answer, reference, verdict.
 * Filters: task, variant, status (wrong / unparseable / correct), and "flips vs" another variant of the same run
 * (items right in one and wrong in the other, from the paired comparison). Paged by the API.
 */
export function ItemBrowser({
  runId,
  variants,
  tasks,
  scoreVersion,
}: {
  runId: string;
  variants: string[];
  tasks: string[];
  scoreVersion: number | null;
}) {
  const [task, setTask] = useState('');
  const [variant, setVariant] = useState(variants[0] ?? '');
  const [status, setStatus] = useState<EvalItemStatusFilter | ''>('');
  const [flipsVs, setFlipsVs] = useState('');
  const [page, setPage] = useState(1);
  const reset =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setPage(1);
    };
  const others = variants.filter((v) => v !== variant);

  return (
    <div data-testid="item-browser">
      <div className="toolbar">
        <label className="small" htmlFor="items-task">
          Task
        </label>
        <select id="items-task" value={task} onChange={(e) => reset(setTask)(e.target.value)}>
          <option value="">all tasks</option>
          {tasks.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <label className="small" htmlFor="items-variant">
          Variant
        </label>
        <select
          id="items-variant"
          value={variant}
          onChange={(e) => {
            reset(setVariant)(e.target.value);
            if (flipsVs === e.target.value) setFlipsVs('');
          }}
        >
          {variants.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
        <label className="small" htmlFor="items-status">
          Show
        </label>
        <select
          id="items-status"
          value={status}
          disabled={flipsVs !== ''}
          onChange={(e) => reset(setStatus)(e.target.value as EvalItemStatusFilter | '')}
        >
          <option value="">all items</option>
          <option value="wrong">wrong</option>
          <option value="unparseable">unparseable</option>
          <option value="correct">correct</option>
        </select>
        {others.length ? (
          <>
            <label className="small" htmlFor="items-flips">
              Flips vs
            </label>
            <select id="items-flips" value={flipsVs} onChange={(e) => reset(setFlipsVs)(e.target.value)}>
              <option value="">—</option>
              {others.map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </>
        ) : null}
      </div>
      {flipsVs ? (
        <FlipList
          runId={runId}
          baseline={flipsVs}
          candidate={variant}
          task={task}
          page={page}
          setPage={setPage}
        />
      ) : (
        <ItemPage
          runId={runId}
          query={{
            ...(task ? { task } : {}),
            ...(variant ? { variant } : {}),
            ...(status ? { status } : {}),
            ...(scoreVersion !== null ? { scoreVersion } : {}),
            page,
            pageSize: PAGE_SIZE,
          }}
          setPage={setPage}
        />
      )}
    </div>
  );
}

function ItemPage({
  runId,
  query,
  setPage,
}: {
  runId: string;
  query: { task?: string; variant?: string; status?: EvalItemStatusFilter; page: number; pageSize: number };
  setPage: (p: number) => void;
}) {
  const { data, error, isPending, isPlaceholderData } = useQuery(evalItemsOptions(runId, query));
  if (error) return <ErrorState error={error} title="The items could not be loaded" />;
  if (isPending) return <p className="muted">Loading items…</p>;
  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  return (
    <div style={{ opacity: isPlaceholderData ? 0.6 : 1 }}>
      <Pager page={data.page} pages={pages} total={data.total} setPage={setPage} what="items" />
      {data.items.length === 0 ? (
        <p className="muted" data-testid="items-empty">
          No item matches these filters.
        </p>
      ) : (
        data.items.map((it) => <ItemCard key={`${it.variantLabel}/${it.taskId}/${it.itemId}`} item={it} />)
      )}
    </div>
  );
}

function Pager({
  page,
  pages,
  total,
  setPage,
  what,
}: {
  page: number;
  pages: number;
  total: number;
  setPage: (p: number) => void;
  what: string;
}) {
  return (
    <div className="toolbar" data-testid="items-pager">
      <span className="small" data-testid="items-total">
        {formatInt(total)} {what} · page {page} of {pages}
      </span>
      <button type="button" className="btn btn-small" disabled={page <= 1} onClick={() => setPage(page - 1)}>
        ← Previous
      </button>
      <button
        type="button"
        className="btn btn-small"
        disabled={page >= pages}
        onClick={() => setPage(page + 1)}
      >
        Next →
      </button>
    </div>
  );
}

/** correct / wrong / unparseable, as the status filter names them. */
export function verdictOf(it: Pick<EvalItemRow, 'correct' | 'parseStatus'>): EvalItemStatusFilter {
  if (it.correct) return 'correct';
  return it.parseStatus === 'ok' ? 'wrong' : 'unparseable';
}

const VERDICT_CLASS: Record<EvalItemStatusFilter, string | undefined> = {
  correct: styles.verdictCorrect,
  wrong: styles.verdictWrong,
  unparseable: styles.verdictUnparseable,
};

function Verdict({ item }: { item: Pick<EvalItemRow, 'correct' | 'parseStatus'> }) {
  const v = verdictOf(item);
  return (
    <span className={VERDICT_CLASS[v]} data-testid="item-verdict" data-verdict={v}>
      {v}
      {v === 'unparseable' ? ` (${item.parseStatus})` : ''}
    </span>
  );
}

function PromptText({ prompt }: { prompt: EvalPrompt | null }) {
  if (prompt === null) return <p className="muted small">The run did not store prompts.</p>;
  if (typeof prompt === 'string') return <pre className={styles.text}>{prompt}</pre>;
  return (
    <pre className={styles.text}>
      {prompt.map((m, i) => (
        <span key={i}>
          <strong>{m.role}:</strong> {m.content}
          {i < prompt.length - 1 ? '\n\n' : ''}
        </span>
      ))}
    </pre>
  );
}

function ItemCard({ item }: { item: EvalItemRow }) {
  return (
    <article className={styles.item} data-testid="eval-item" data-task={item.taskId} data-item={item.itemId}>
      <div className={styles.itemHeader}>
        <span>
          <strong className="mono">{item.taskId}</strong> · <span className="mono">{item.itemId}</span>{' '}
          <span className="small muted">({item.variantLabel})</span>
        </span>
        <span className="small">
          <Verdict item={item} /> score {item.score.toFixed(2)} · {formatInt(item.tokens.output)} tok ·{' '}
          {formatMs(item.latencyMs)} ms
        </span>
      </div>
      {item.error ? (
        <p className="small" style={{ color: 'var(--bad)' }}>
          request failed: {item.error}
        </p>
      ) : null}
      <div className={styles.itemGrid}>
        <div>
          <p className={styles.label}>Prompt</p>
          <PromptText prompt={item.prompt} />
        </div>
        <div>
          <p className={styles.label}>Response</p>
          {item.response.reasoning ? (
            <details>
              <summary className="small">Reasoning ({item.response.reasoning.length} chars)</summary>
              <pre className={styles.text}>{item.response.reasoning}</pre>
            </details>
          ) : null}
          <pre className={styles.text} data-testid="item-response">
            {item.response.content ?? <span className="muted">(no content)</span>}
          </pre>
        </div>
        <div>
          <p className={styles.label}>Extracted</p>
          <pre className={styles.text} data-testid="item-extracted">
            {item.extracted ?? <span className="muted">(none)</span>}
          </pre>
          <p className={styles.label} style={{ marginTop: '0.4rem' }}>
            Reference
          </p>
          <pre className={styles.text}>{item.reference ?? <span className="muted">(none)</span>}</pre>
          {item.references.length > 1 ? (
            <p className="small muted">also accepted: {item.references.slice(1).join(' · ')}</p>
          ) : null}
        </div>
      </div>
    </article>
  );
}

/** Items right in one variant and wrong in the other (paired by item id), from `GET /evals/compare`. */
function FlipList({
  runId,
  baseline,
  candidate,
  task,
  page,
  setPage,
}: {
  runId: string;
  baseline: string;
  candidate: string;
  task: string;
  page: number;
  setPage: (p: number) => void;
}) {
  const { data, error, isPending } = useQuery(
    evalCompareOptions({ runId, variantLabel: baseline }, { runId, variantLabel: candidate }),
  );
  if (error) return <ErrorState error={error} title="The flips could not be computed" />;
  if (isPending)
    return (
      <p className="muted">
        Comparing {candidate} with {baseline}…
      </p>
    );
  const flips = data.flips.filter((f) => !task || f.taskId === task);
  const pages = Math.max(1, Math.ceil(flips.length / PAGE_SIZE));
  const shown = flips.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const worse = flips.filter((f) => f.direction === 'rightToWrong').length;
  return (
    <div data-testid="flip-list">
      <p className="small">
        <strong>{candidate}</strong> vs <strong>{baseline}</strong>: {worse} item(s) {baseline} got right and{' '}
        {candidate} got wrong, {flips.length - worse} the other way round.
        {data.flipsTruncated ? ' Only the first 1,000 flips are listed.' : ''}
      </p>
      <Pager page={Math.min(page, pages)} pages={pages} total={flips.length} setPage={setPage} what="flips" />
      {shown.length === 0 ? (
        <p className="muted" data-testid="items-empty">
          No item flips between these variants{task ? ` in ${task}` : ''}.
        </p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Task</th>
                <th>Item</th>
                <th>Direction</th>
                <th>{baseline}</th>
                <th>{candidate}</th>
                <th>Reference</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((f) => (
                <FlipRow key={`${f.taskId}/${f.itemId}`} f={f} baseline={baseline} candidate={candidate} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function FlipRow({ f, baseline, candidate }: { f: EvalFlip; baseline: string; candidate: string }) {
  const aRight = f.direction === 'rightToWrong';
  return (
    <tr data-testid="eval-flip" data-direction={f.direction}>
      <td className="mono">{f.taskId}</td>
      <td className="mono">{f.itemId}</td>
      <td>
        <span className={aRight ? styles.verdictWrong : styles.verdictCorrect}>
          {aRight
            ? `right in ${baseline} → wrong in ${candidate}`
            : `wrong in ${baseline} → right in ${candidate}`}
        </span>
      </td>
      <td className="mono small">{f.a.extracted ?? <span className="muted">({f.a.parseStatus})</span>}</td>
      <td className="mono small">{f.b.extracted ?? <span className="muted">({f.b.parseStatus})</span>}</td>
      <td className="mono small">{f.reference ?? '—'}</td>
    </tr>
  );
}

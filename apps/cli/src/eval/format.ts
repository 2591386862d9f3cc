import { fmtMs, fmtNum, NONE } from '../format/numbers.js';
import { renderTable } from '../format/table.js';
import type { EvalResultFile, EvalTaskResult } from './result.js';

/** A 0..1 figure as points (0..100) with one decimal. */
export const pts = (x: number | undefined | null): string =>
  x === undefined || x === null || !Number.isFinite(x) ? NONE : (x * 100).toFixed(1);

const METRIC_LABEL: Record<string, string> = {
  accuracy: 'acc',
  exact_match: 'EM',
  f1: 'F1',
  rouge_l: 'ROUGE-L',
  bleu: 'BLEU',
  classification: 'macro-F1',
  assert_pass_rate: 'assert',
  judge_score: 'judge',
  parse_failure_rate: '1-PFR',
};

type Summary = EvalTaskResult['summary'] & {
  exactMatch?: number;
  f1?: number;
  rougeL?: number;
  bleu?: { score: number };
  classification?: {
    macro: { precision: number; recall: number; f1: number };
    micro: { f1: number };
    weighted: { f1: number };
  };
  assertPassRate?: number;
  acc?: number;
  accNorm?: number;
};

/** Every figure of a task other than its primary metric, e.g. `acc 71.0  EM 70.2  F1 75.1`. */
export function otherMetrics(t: EvalTaskResult): string {
  const s = t.summary as Summary;
  const primary = s.primaryMetric;
  const parts: string[] = [];
  if (primary !== 'accuracy') parts.push(`acc ${pts(s.accuracy.value)}`);
  if (s.exactMatch !== undefined && primary !== 'exact_match') parts.push(`EM ${pts(s.exactMatch)}`);
  if (s.f1 !== undefined && primary !== 'f1') parts.push(`F1 ${pts(s.f1)}`);
  if (s.rougeL !== undefined && primary !== 'rouge_l') parts.push(`ROUGE-L ${pts(s.rougeL)}`);
  if (s.bleu !== undefined && primary !== 'bleu') parts.push(`BLEU ${fmtNum(s.bleu.score, 1)}`);
  if (s.classification) {
    const c = s.classification;
    parts.push(
      `macro P/R/F1 ${pts(c.macro.precision)}/${pts(c.macro.recall)}/${pts(c.macro.f1)}  micro-F1 ${pts(c.micro.f1)}  weighted-F1 ${pts(c.weighted.f1)}`,
    );
  }
  if (s.assertPassRate !== undefined && primary !== 'assert_pass_rate')
    parts.push(`assert ${pts(s.assertPassRate)}`);
  if (s.acc !== undefined) parts.push(`loglik acc ${pts(s.acc)}  acc_norm ${pts(s.accNorm)}`);
  return parts.join('  ') || NONE;
}

function errorsCell(t: EvalTaskResult): string {
  const e = Object.entries(t.errorsByClass);
  if (e.length === 0) return '0';
  return e.map(([k, n]) => `${n} ${k}`).join(', ');
}

/** One row per task: items, score with its 95 % interval, parse failures, errors, other metrics, latency, hash. */
export function formatTaskTable(r: EvalResultFile): string {
  const headers = [
    'task',
    'mode',
    'status',
    'items',
    'metric',
    'score',
    '95% CI',
    'parse fail',
    'errors',
    'other metrics',
    'latency ms',
    'version',
  ];
  const rows = r.tasks.map((t) => {
    const s = t.summary;
    const n = s.n;
    const items = n === t.planned ? String(n) : `${n}/${t.planned}`;
    return [
      t.taskId,
      t.scoringMode,
      t.status,
      items,
      METRIC_LABEL[s.primaryMetric] ?? s.primaryMetric,
      n > 0 ? pts(s.score) : NONE,
      t.scoreInterval && n > 0 ? `[${pts(t.scoreInterval.lower)}, ${pts(t.scoreInterval.upper)}]` : NONE,
      n > 0 ? `${pts(s.parseFailureRate)}%` : NONE,
      errorsCell(t),
      n > 0 ? otherMetrics(t) : NONE,
      fmtMs(t.meanLatencyMs),
      t.versionHash.slice(0, 12),
    ];
  });
  return renderTable(headers, rows, {
    align: headers.map((h) =>
      ['task', 'mode', 'status', 'metric', 'other metrics', 'version'].includes(h) ? 'left' : 'right',
    ),
  });
}

/** The human summary printed at the end of `eval`. */
export function formatEvalSummary(r: EvalResultFile): string {
  const out: string[] = [
    `${r.model} @ ${r.target.baseUrl}  suite ${r.suite.name} (${r.suite.source})  seed ${r.config.seed}  status ${r.status}${r.reason ? ` (${r.reason})` : ''}  ${fmtNum(r.durationSec, 1)} s`,
    '',
    formatTaskTable(r),
  ];
  const k = r.tasks.filter((t) => t.summary.n > 0).length;
  out.push(
    k > 0
      ? `suite score: ${pts(r.suiteScore.meanOfTasks)} (mean of ${k} task scores)  ${pts(r.suiteScore.itemWeighted)} (item-weighted, ${r.suiteScore.items} items)`
      : 'suite score: - (no task scored any item)',
    'score and 95% CI in points (0-100); CI: Wilson for right/wrong scores, "-" for corpus or averaged scores (BLEU, macro-F1, F1).',
    'unparseable answers count as wrong (parse fail); failed requests count as wrong (errors).',
  );
  for (const t of r.tasks)
    if (t.status !== 'completed' && t.reason) out.push(`! ${t.taskId}: ${t.status}: ${t.reason}`);
  for (const n of r.notes ?? []) out.push(`note: ${n}`);
  return `${out.join('\n')}\n`;
}

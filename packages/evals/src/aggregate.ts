import type { EvalTaskSpec } from '@inferbench/contracts';
import { classificationReport, type ClassificationReport } from './metrics/classification.js';
import { bootstrapStandardError, wilsonInterval, type Interval } from './metrics/stats.js';
import { corpusBleu, type BleuResult } from './metrics/text.js';
import type { EvalItemRecord } from './record.js';

export interface AccuracyFigure {
  /** correct / all items (items with no extractable answer count as wrong) */
  value: number;
  /** Σ per-item accuracy (fractional with repeats) */
  correct: number;
  n: number;
  wilson95: Interval;
  /** bootstrap standard error of the mean per-item score (seeded) */
  bootstrapSe: number;
}

export interface TaskSummary {
  taskId: string;
  templateHash: string;
  n: number;
  /** the task's first metric */
  primaryMetric: EvalTaskSpec['metrics'][number];
  /** task score in 0..1 (BLEU divided by 100) */
  score: number;
  accuracy: AccuracyFigure;
  /** accuracy of the majority-vote answers (equals accuracy without repeats) */
  majorityAccuracy: number;
  /** primary per-item score: mean and bootstrap SE */
  primaryMean: number;
  primaryBootstrapSe: number;
  /** unparseable items / all items, and the split by status */
  parseFailureRate: number;
  noAnswer: number;
  invalid: number;
  /** items with a failed request */
  errors: number;
  exactMatch?: number;
  f1?: number;
  rougeL?: number;
  bleu?: BleuResult;
  classification?: ClassificationReport;
  assertPassRate?: number;
  judgeScore?: number;
  /** likelihood scoring: both figures whatever `normalize` says */
  acc?: number;
  accNorm?: number;
  tokens: { input: number; output: number; reasoning: number };
}

export interface AggregateOptions {
  bootstrapIterations?: number;
  seed?: number;
}

const meanOf = (records: readonly EvalItemRecord[], key: string): number =>
  records.length > 0 ? records.reduce((a, r) => a + (r.scores[key] ?? 0), 0) / records.length : 0;

/** Every figure of one task from its item records (METRICS.md "Accuracy (evals)"). */
export function aggregateTask(
  spec: EvalTaskSpec,
  records: readonly EvalItemRecord[],
  opts: AggregateOptions = {},
): TaskSummary {
  const n = records.length;
  const acc = new Float64Array(n);
  const primary = new Float64Array(n);
  let correct = 0;
  let majority = 0;
  let noAnswer = 0;
  let invalid = 0;
  let errors = 0;
  const tokens = { input: 0, output: 0, reasoning: 0 };
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const a = r.scores.accuracy ?? (r.correct ? 1 : 0);
    acc[i] = a;
    primary[i] = r.score;
    correct += a;
    if (r.correct) majority++;
    if (r.parseStatus === 'no_answer') noAnswer++;
    else if (r.parseStatus === 'invalid') invalid++;
    if (r.error) errors++;
    tokens.input += r.tokens.input;
    tokens.output += r.tokens.output;
    tokens.reasoning += r.tokens.reasoning;
  }
  const bootOpts = { iterations: opts.bootstrapIterations ?? 1000, seed: opts.seed ?? 1 };
  const accuracy: AccuracyFigure = {
    value: n > 0 ? correct / n : 0,
    correct,
    n,
    wilson95: wilsonInterval(correct, n),
    bootstrapSe: bootstrapStandardError(acc, bootOpts),
  };
  const primaryMean = n > 0 ? primary.reduce((a, b) => a + b, 0) / n : 0;
  const summary: TaskSummary = {
    taskId: spec.id,
    templateHash: records[0]?.templateHash ?? '',
    n,
    primaryMetric: spec.metrics[0]!,
    score: primaryMean,
    accuracy,
    majorityAccuracy: n > 0 ? majority / n : 0,
    primaryMean,
    primaryBootstrapSe:
      spec.metrics[0] === 'accuracy' ? accuracy.bootstrapSe : bootstrapStandardError(primary, bootOpts),
    parseFailureRate: n > 0 ? (noAnswer + invalid) / n : 0,
    noAnswer,
    invalid,
    errors,
    tokens,
  };
  const metrics = new Set(spec.metrics);
  if (metrics.has('exact_match')) summary.exactMatch = meanOf(records, 'exact_match');
  if (metrics.has('f1')) summary.f1 = meanOf(records, 'f1');
  if (metrics.has('rouge_l')) summary.rougeL = meanOf(records, 'rouge_l');
  if (metrics.has('assert_pass_rate')) summary.assertPassRate = meanOf(records, 'assert_pass_rate');
  if (metrics.has('judge_score')) summary.judgeScore = meanOf(records, 'judge_score');
  if (spec.scoring.mode === 'loglikelihood') {
    summary.acc = meanOf(records, 'acc');
    summary.accNorm = meanOf(records, 'acc_norm');
  }
  if (metrics.has('bleu')) {
    summary.bleu = corpusBleu(
      records.map((r) => r.extracted ?? ''),
      records.map((r) => r.references),
    );
  }
  if (metrics.has('classification')) {
    const labels =
      spec.labels ??
      (spec.scoring.mode === 'generate' && spec.scoring.extract.kind === 'label'
        ? spec.scoring.extract.labels
        : []);
    summary.classification = classificationReport(
      records.map((r) => r.reference ?? ''),
      records.map((r) => r.extracted),
      labels,
    );
  }
  switch (spec.metrics[0]) {
    case 'bleu':
      summary.score = (summary.bleu?.score ?? 0) / 100;
      break;
    case 'classification':
      summary.score = summary.classification?.macro.f1 ?? 0;
      break;
    case 'parse_failure_rate':
      summary.score = 1 - summary.parseFailureRate;
      break;
    default:
      break;
  }
  return summary;
}

export interface SuiteScore {
  /** unweighted mean of task scores */
  meanOfTasks: number;
  /** mean of task scores weighted by their item counts */
  itemWeighted: number;
  tasks: Array<{ taskId: string; score: number; n: number }>;
}

/** Suite score: both the unweighted mean of task scores and the item-weighted mean (METRICS.md). */
export function suiteScore(tasks: ReadonlyArray<Pick<TaskSummary, 'taskId' | 'score' | 'n'>>): SuiteScore {
  const k = tasks.length;
  const items = tasks.reduce((a, t) => a + t.n, 0);
  return {
    meanOfTasks: k > 0 ? tasks.reduce((a, t) => a + t.score, 0) / k : 0,
    itemWeighted: items > 0 ? tasks.reduce((a, t) => a + t.score * t.n, 0) / items : 0,
    tasks: tasks.map((t) => ({ taskId: t.taskId, score: t.score, n: t.n })),
  };
}

/** Per-item correctness keyed by item id, the input of `comparePaired`. */
export function correctnessById(records: readonly EvalItemRecord[]): Map<string, number> {
  return new Map(records.map((r) => [r.itemId, r.correct ? 1 : 0]));
}

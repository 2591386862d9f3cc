import {
  EvalTaskSpecSchema,
  type EvalItem,
  type EvalRecordWire,
  type EvalRescoreOverride,
  type EvalTaskOutcome,
  type EvalTaskSpec,
  type EvalTaskSummary,
} from '@inferbench/contracts';
import {
  aggregateTask,
  PreparedTask,
  rotateItem,
  taskVersionHash,
  type EvalItemRecord,
  type SampleRecord,
  type TaskSummary,
} from '@inferbench/evals';
import type { EvalRecordRow } from './evals.repository.js';

/** A stored record as the `EvalItemRecord` the evals core aggregates (samples are not needed for that). */
export function toItemRecord(r: EvalRecordRow): EvalItemRecord {
  return {
    taskId: r.taskId,
    itemId: r.itemId,
    templateId: `${r.taskId}@${r.templateHash.slice(0, 12)}`,
    templateHash: r.templateHash,
    promptHash: r.promptHash,
    reference: r.reference,
    references: r.references,
    response: { content: r.content, reasoning: r.reasoning },
    extracted: r.extracted,
    parseStatus: r.parseStatus,
    correct: r.correct,
    score: r.score,
    scores: r.scores,
    samples: [] as SampleRecord[],
    tokens: { input: r.inputTokens, output: r.outputTokens, reasoning: r.reasoningTokens },
    latency: { totalMs: r.latencyMs, maxMs: r.latencyMs },
    ...(r.error !== null ? { error: r.error } : {}),
  };
}

/** Nearest-rank percentile of sorted values. */
function percentileOf(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** Every figure of the core's `TaskSummary` by name (scores 0..1; BLEU /100). */
function metricsOf(s: TaskSummary): Record<string, number> {
  const m: Record<string, number> = {
    accuracy: s.accuracy.value,
    majority_accuracy: s.majorityAccuracy,
    parse_failure_rate: s.parseFailureRate,
  };
  if (s.exactMatch !== undefined) m.exact_match = s.exactMatch;
  if (s.f1 !== undefined) m.f1 = s.f1;
  if (s.rougeL !== undefined) m.rouge_l = s.rougeL;
  if (s.bleu !== undefined) m.bleu = s.bleu.score / 100;
  if (s.classification !== undefined) {
    m.macro_f1 = s.classification.macro.f1;
    m.micro_f1 = s.classification.micro.f1;
    m.weighted_f1 = s.classification.weighted.f1;
  }
  if (s.assertPassRate !== undefined) m.assert_pass_rate = s.assertPassRate;
  if (s.judgeScore !== undefined) m.judge_score = s.judgeScore;
  if (s.acc !== undefined) m.acc = s.acc;
  if (s.accNorm !== undefined) m.acc_norm = s.accNorm;
  return m;
}

/**
 * The served summary of one task: `aggregateTask` over its records (Wilson interval, bootstrap SE, parse-failure
 * rate, metrics), per-item latency (mean, p50, p95 of each item's request time), and the agent's outcome (a task
 * the probe rejected is `failed` with its reason; its figures cover whatever it recorded).
 */
export function summarizeTask(
  spec: EvalTaskSpec,
  rows: readonly EvalRecordRow[],
  outcome: EvalTaskOutcome | undefined,
  fallbackStatus: EvalTaskSummary['status'],
): EvalTaskSummary {
  const s = aggregateTask(spec, rows.map(toItemRecord));
  const lat = rows.map((r) => r.latencyMs).sort((a, b) => a - b);
  return {
    taskId: spec.id,
    versionHash: s.templateHash || outcome?.versionHash || '',
    status: outcome?.status ?? fallbackStatus,
    error: outcome?.error ?? null,
    primaryMetric: s.primaryMetric,
    items: s.n,
    correct: s.accuracy.correct,
    accuracy: s.accuracy.value,
    score: s.score,
    wilson: { lo: s.accuracy.wilson95.lower, hi: s.accuracy.wilson95.upper },
    bootstrapSe: s.primaryBootstrapSe,
    parseFailureRate: s.parseFailureRate,
    noAnswer: s.noAnswer,
    invalid: s.invalid,
    requestErrors: s.errors,
    metrics: metricsOf(s),
    latency: {
      mean: lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : null,
      p50: percentileOf(lat, 50),
      p95: percentileOf(lat, 95),
    },
    tokens: s.tokens,
  };
}

/** A task's spec with a re-score override applied; the scoring mode may not change (the responses are fixed). */
export function applyOverride(spec: EvalTaskSpec, o: EvalRescoreOverride | undefined): EvalTaskSpec {
  if (!o) return spec;
  if (o.scoring && o.scoring.mode !== spec.scoring.mode) {
    throw new Error(
      `task ${spec.id}: a re-score keeps the scoring mode '${spec.scoring.mode}' (the stored responses were generated for it), got '${o.scoring.mode}'`,
    );
  }
  return EvalTaskSpecSchema.parse({
    ...spec,
    ...(o.scoring ? { scoring: o.scoring } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.labels ? { labels: o.labels } : {}),
  });
}

/** A task prepared for scoring stored responses: few-shot only shapes prompts, so it is off (no train split needed). */
export interface ScoringTask {
  task: PreparedTask;
  /** `taskVersionHash` of the real (overridden) spec, few-shot included */
  versionHash: string;
}

export function scoringTask(spec: EvalTaskSpec): ScoringTask {
  const task = new PreparedTask({ ...spec, fewShot: { ...spec.fewShot, mode: 'zero', k: 0 } });
  return { task, versionHash: taskVersionHash(spec) };
}

/**
 * Score one stored record again from its raw samples with `task` (a changed extraction or metric): no request is
 * sent. Returns null when the record has no stored samples or answer key.
 */
export function rescoreRecord({ task, versionHash }: ScoringTask, r: EvalRecordRow): EvalRecordWire | null {
  if (!r.samples || r.samples.length === 0) return null;
  const item: EvalItem = {
    id: r.itemId,
    input: '',
    ...(r.item?.choices ? { choices: r.item.choices } : {}),
    ...(r.item?.answerIndex !== undefined ? { answerIndex: r.item.answerIndex } : {}),
    ...(r.item?.answer !== undefined
      ? { answer: r.item.answer }
      : r.reference !== null
        ? { answer: r.reference }
        : {}),
    ...(r.item?.references
      ? { references: r.item.references }
      : r.references.length
        ? { references: r.references }
        : {}),
  };
  const scored = r.samples.map((raw) =>
    task.scoreSample({ item: rotateItem(item, raw.rotation), rotation: raw.rotation }, raw),
  );
  const rec = task.combine(item, scored, r.promptHash);
  return {
    taskId: r.taskId,
    itemId: r.itemId,
    templateHash: versionHash,
    promptHash: r.promptHash,
    ...(r.prompt !== null ? { prompt: r.prompt } : {}),
    reference: rec.reference,
    references: rec.references,
    // the stored response (re-scoring never changes what the server said)
    response: { content: r.content, reasoning: r.reasoning },
    extracted: rec.extracted,
    parseStatus: rec.parseStatus,
    correct: rec.correct,
    score: rec.score,
    scores: rec.scores,
    samples: [],
    tokens: { input: r.inputTokens, output: r.outputTokens, reasoning: r.reasoningTokens },
    latencyMs: r.latencyMs,
    ...(r.error !== null ? { error: r.error } : {}),
    ...(r.cacheKey !== null ? { cacheKey: r.cacheKey } : {}),
    ...(r.item !== null ? { key: r.item } : {}),
  };
}

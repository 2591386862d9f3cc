import type { ParseStatus } from './extract.js';

/** One model sample of one item (a repeat of one rotation), raw and scored. */
export interface SampleRecord {
  repeat: number;
  /** CircularEval rotation (0 = options as in the file) */
  rotation: number;
  /** raw answer text from the server (reasoning already separated out) */
  content: string | null;
  /** reasoning text (server field and/or `<think>` spans); null when stripped or absent */
  reasoning: string | null;
  /** next-token scoring: best logprob per option letter (rotated letters) */
  letterLogprobs?: Record<string, number | null>;
  /** likelihood scoring: per option (rotated order) the continuation's Σ logprob, token and char counts */
  optionLogprobs?: Array<{ logprob: number; tokens: number; chars: number } | null>;
  /** LLM-as-judge: the judge's raw reply */
  judgeReply?: string | null;
  /** extracted answer; for multiple choice the letter in the ORIGINAL option order */
  extracted: string | null;
  parseStatus: ParseStatus;
  reason?: string;
  correct: boolean;
  /** the task's primary per-item score for this sample (0..1) */
  score: number;
  scores: Record<string, number>;
  inputTokens?: number;
  outputTokens?: number;
  reasoningTokens?: number;
  latencyMs?: number;
  /** request failure (HTTP status or error class); such a sample counts as wrong with parseStatus no_answer */
  error?: string;
  cached?: boolean;
}

/** The stored record of one item of one task in one run (METRICS.md "Accuracy (evals)"). */
export interface EvalItemRecord {
  taskId: string;
  itemId: string;
  /** `<taskId>@<first 12 hex of templateHash>` */
  templateId: string;
  /** hash of the task config that affects predictions or scores (`taskVersionHash`) */
  templateHash: string;
  /** SHA-256 of the rendered prompt (rotation 0) */
  promptHash: string;
  /** the reference answer (letter for multiple choice) */
  reference: string | null;
  references: string[];
  /** raw response of the first sample (content + reasoning) */
  response: { content: string | null; reasoning: string | null };
  /** majority vote over samples of the extracted answers (null: none could be extracted) */
  extracted: string | null;
  parseStatus: ParseStatus;
  /** majority-vote answer right; with CircularEval: right in every rotation */
  correct: boolean;
  /** primary score, mean over repeats (CircularEval: 1 only when all rotations are right) */
  score: number;
  /** every per-item metric, mean over samples, plus `majority` (0/1) */
  scores: Record<string, number>;
  samples: SampleRecord[];
  tokens: { input: number; output: number; reasoning: number };
  latency: { totalMs: number; maxMs: number };
  /** first request error among the samples, if any */
  error?: string;
}

import {
  EvalTaskSpecSchema,
  type EvalItem,
  type EvalTaskSpec,
  type EvalTaskSpecInput,
} from '@inferbench/contracts';
import { AssertionSet } from './assertions.js';
import {
  canonicalNumber,
  extractAnswer,
  optionLetters,
  splitReasoning,
  type ParseStatus,
} from './extract.js';
import { FewShotSelector } from './fewshot.js';
import { hashValue, sha256Hex } from './hash.js';
import { buildJudgeMessages, parseJudgeVerdict } from './judge.js';
import { exactMatch, rougeL, tokenF1 } from './metrics/text.js';
import {
  buildGenerateRequest,
  buildLoglikelihoodRequests,
  buildNextTokenRequest,
  type EvalRequest,
} from './protocol.js';
import type { EvalItemRecord, SampleRecord } from './record.js';
import { PromptRenderer, type BuiltPrompt } from './template.js';

/**
 * The task's version hash: SHA-256 of the canonical JSON of every setting that can change a prediction or a
 * score — prompt (format, system, template, answer template and separator), few-shot, scoring mode with its
 * extraction / assertions / rubric, generation parameters, metrics, label set, CircularEval, repeats, and the
 * dataset's layout and column mapping. Not included: the task id, description, tags, the dataset path / limit
 * (the items are identified by their own ids and the dataset hash).
 */
export function taskVersionHash(spec: EvalTaskSpecInput | EvalTaskSpec): string {
  const t = EvalTaskSpecSchema.parse(spec);
  return hashValue({
    v: 1,
    prompt: t.prompt,
    fewShot: t.fewShot,
    scoring: t.scoring,
    generation: t.generation,
    metrics: t.metrics,
    labels: t.labels ?? null,
    circular: t.circular,
    repeats: t.repeats,
    dataset: {
      layout: t.dataset.layout,
      columns: t.dataset.columns ?? null,
      sourceLang: t.dataset.sourceLang ?? null,
      targetLang: t.dataset.targetLang ?? null,
    },
  });
}

/** SHA-256 of the items (canonical JSON, in order): identifies the dataset a result was computed on. */
export function datasetHash(items: readonly EvalItem[]): string {
  return hashValue(items);
}

/** SHA-256 of a rendered prompt. */
export function promptHash(prompt: BuiltPrompt): string {
  return sha256Hex(JSON.stringify(prompt.format === 'chat' ? prompt.messages : prompt.prompt));
}

/** One CircularEval rotation of an item (rotation 0 = the item itself). */
export interface ItemVariant {
  item: EvalItem;
  rotation: number;
}

/**
 * Rotation r of a multiple-choice item: option j of the rotated item is option (j + r) mod k of the original, so
 * the right answer moves to index (answerIndex − r) mod k.
 */
export function rotateItem(item: EvalItem, r: number): EvalItem {
  const choices = item.choices ?? [];
  const k = choices.length;
  if (k === 0 || r % k === 0) return item;
  const rotated = choices.map((_, j) => choices[(j + r) % k]!);
  const answerIndex = item.answerIndex !== undefined ? (((item.answerIndex - r) % k) + k) % k : undefined;
  const letters = optionLetters(k);
  return {
    ...item,
    choices: rotated,
    answerIndex,
    answer: answerIndex !== undefined ? letters[answerIndex] : item.answer,
    references: answerIndex !== undefined ? [letters[answerIndex]!] : item.references,
  };
}

/** Map a letter of rotation r back to the original option order. */
export function unrotateLetter(letter: string, r: number, k: number): string {
  const j = letter.charCodeAt(0) - 65;
  if (k === 0 || j < 0 || j >= k) return letter;
  return String.fromCharCode(65 + ((j + r) % k));
}

/** What a sample carries before scoring: what the server said (or what was stored). */
export interface RawSample {
  repeat: number;
  rotation: number;
  content?: string | null;
  reasoning?: string | null;
  letterLogprobs?: Record<string, number | null>;
  optionLogprobs?: Array<{ logprob: number; tokens: number; chars: number } | null>;
  judgeReply?: string | null;
  inputTokens?: number;
  outputTokens?: number;
  reasoningTokens?: number;
  latencyMs?: number;
  error?: string;
  cached?: boolean;
}

interface Verdict {
  extracted: string | null;
  parseStatus: ParseStatus;
  reason?: string;
  correct: boolean;
  scores: Record<string, number>;
}

const NO_TEXT = { content: '', reasoning: null } as const;

function failed(
  parseStatus: ParseStatus,
  reason: string,
  scores: Record<string, number> = { accuracy: 0 },
): Verdict {
  return { extracted: null, parseStatus, reason, correct: false, scores };
}

/** A parsed task with its templates compiled, few-shot selector and assertions ready. */
export class PreparedTask {
  readonly spec: EvalTaskSpec;
  readonly versionHash: string;
  readonly templateId: string;
  readonly renderer: PromptRenderer;
  readonly fewShot: FewShotSelector;
  private readonly assertions: AssertionSet | undefined;
  private readonly textMetrics: boolean;

  constructor(spec: EvalTaskSpecInput | EvalTaskSpec, train: readonly EvalItem[] = []) {
    this.spec = EvalTaskSpecSchema.parse(spec);
    const s = this.spec;
    if (s.scoring.mode === 'loglikelihood' && s.prompt.format !== 'completion') {
      throw new Error(
        `task ${s.id}: loglikelihood scoring needs prompt.format "completion" (it uses /v1/completions echo)`,
      );
    }
    if (s.circular && !['generate', 'next_token', 'loglikelihood'].includes(s.scoring.mode)) {
      throw new Error(`task ${s.id}: circular needs a multiple-choice scoring mode`);
    }
    if (s.scoring.mode === 'generate' && s.scoring.extract.kind === 'regex')
      new RegExp(s.scoring.extract.pattern, s.scoring.extract.flags);
    this.versionHash = taskVersionHash(s);
    this.templateId = `${s.id}@${this.versionHash.slice(0, 12)}`;
    this.renderer = new PromptRenderer(
      s.prompt,
      s.fewShot,
      s.labels,
      s.scoring.mode === 'loglikelihood' ? '{{ answer_text }}' : '{{ answer }}',
    );
    this.fewShot = new FewShotSelector(s.fewShot, train);
    this.assertions = s.scoring.mode === 'assert' ? new AssertionSet(s.scoring.assertions) : undefined;
    this.textMetrics = s.metrics.some((m) => m === 'exact_match' || m === 'f1' || m === 'rouge_l');
  }

  /** The item's rotations (one unless `circular` and the item has choices). */
  variants(item: EvalItem): ItemVariant[] {
    const k = item.choices?.length ?? 0;
    if (!this.spec.circular || k < 2) return [{ item, rotation: 0 }];
    return Array.from({ length: k }, (_, r) => ({ item: rotateItem(item, r), rotation: r }));
  }

  /** The full prompt of a variant (few-shot examples chosen for the original item). */
  buildPrompt(variant: ItemVariant, original: EvalItem = variant.item): BuiltPrompt {
    return this.renderer.build(variant.item, this.fewShot.select(original));
  }

  /** The requests of one sample of a variant: one, or one per option for likelihood scoring. */
  buildRequests(prompt: BuiltPrompt, variant: ItemVariant, model: string, repeat = 0): EvalRequest[] {
    const s = this.spec;
    switch (s.scoring.mode) {
      case 'next_token':
        return [buildNextTokenRequest(prompt, model, s.scoring.topLogprobs)];
      case 'loglikelihood': {
        if (prompt.format !== 'completion') throw new Error('loglikelihood needs a completion prompt');
        const conts = (variant.item.choices ?? []).map((c) => `${s.prompt.answerSeparator}${c}`);
        return buildLoglikelihoodRequests(prompt.prompt, conts, model);
      }
      default:
        return [buildGenerateRequest(prompt, s.generation, model, repeat)];
    }
  }

  /** The judge request for a generated answer (judge mode); the caller sends it to its judge target. */
  buildJudgeRequest(variant: ItemVariant, answer: string, judgeModel: string): EvalRequest {
    const sc = this.spec.scoring;
    if (sc.mode !== 'judge') throw new Error('not a judge task');
    const messages = buildJudgeMessages(
      {
        question: this.renderer.renderQuestion(variant.item),
        response: answer,
        reference: variant.item.answer,
        rubric: sc.rubric,
      },
      sc.verdict,
      sc.scaleMax,
    );
    return {
      endpoint: 'chat',
      purpose: 'judge',
      body: { model: judgeModel, messages, max_tokens: 512, temperature: 0, stream: false },
    };
  }

  private referencesOf(item: EvalItem): string[] {
    if (item.references && item.references.length > 0) return item.references;
    return item.answer !== undefined ? [item.answer] : [];
  }

  /** Is an extracted answer right for this (rotated) item? */
  isCorrect(answer: string | null, item: EvalItem): boolean {
    if (answer === null) return false;
    const s = this.spec;
    const refs = this.referencesOf(item);
    if (s.scoring.mode === 'next_token' || s.scoring.mode === 'loglikelihood') return answer === item.answer;
    if (s.scoring.mode !== 'generate') return false;
    const ex = s.scoring.extract;
    switch (ex.kind) {
      case 'option_letter':
        return answer === item.answer;
      case 'number': {
        const a = Number(answer);
        return refs.some((r) => {
          const c = canonicalNumber(r);
          return c !== null && Math.abs(Number(c) - a) <= ex.tolerance;
        });
      }
      case 'label':
        return refs.some((r) => r.toLowerCase() === answer.toLowerCase());
      default:
        return exactMatch(answer, refs) === 1;
    }
  }

  private primary(scores: Record<string, number>, correct: boolean): number {
    const m = this.spec.metrics[0]!;
    switch (m) {
      case 'exact_match':
        return scores.exact_match ?? 0;
      case 'f1':
        return scores.f1 ?? 0;
      case 'rouge_l':
        return scores.rouge_l ?? 0;
      case 'judge_score':
        return scores.judge_score ?? 0;
      case 'assert_pass_rate':
        return scores.assert_pass_rate ?? 0;
      default:
        return correct ? 1 : 0;
    }
  }

  /**
   * Score one sample from what the server said (or what was stored): separate reasoning, extract, compare. An
   * answer that cannot be extracted is `no_answer` / `invalid`, scores 0 and is never replaced by a guess.
   */
  scoreSample(variant: ItemVariant, raw: RawSample): SampleRecord {
    const hasText = raw.content !== undefined || raw.reasoning !== undefined;
    const split = hasText ? splitReasoning(raw.content ?? null, raw.reasoning ?? null) : NO_TEXT;
    const v = raw.error
      ? failed('no_answer', `request failed: ${raw.error}`)
      : this.judgeSample(variant, raw, split.content);
    const rec: SampleRecord = {
      repeat: raw.repeat,
      rotation: raw.rotation,
      content: raw.content === undefined || raw.content === null ? null : split.content,
      reasoning: this.spec.generation.reasoning === 'strip' ? null : split.reasoning,
      extracted: v.extracted,
      parseStatus: v.parseStatus,
      correct: v.correct,
      score: v.correct || v.parseStatus === 'ok' ? this.primary(v.scores, v.correct) : 0,
      scores: v.scores,
      inputTokens: raw.inputTokens,
      outputTokens: raw.outputTokens,
      reasoningTokens: raw.reasoningTokens,
      latencyMs: raw.latencyMs,
    };
    if (v.reason !== undefined) rec.reason = v.reason;
    if (raw.letterLogprobs) rec.letterLogprobs = raw.letterLogprobs;
    if (raw.optionLogprobs) rec.optionLogprobs = raw.optionLogprobs;
    if (raw.judgeReply !== undefined) rec.judgeReply = raw.judgeReply;
    if (raw.error) rec.error = raw.error;
    if (raw.cached) rec.cached = true;
    return rec;
  }

  private zeroTextScores(): Record<string, number> {
    const z: Record<string, number> = { accuracy: 0 };
    for (const m of this.spec.metrics) if (m === 'exact_match' || m === 'f1' || m === 'rouge_l') z[m] = 0;
    return z;
  }

  private judgeSample(variant: ItemVariant, raw: RawSample, text: string): Verdict {
    const s = this.spec;
    const item = variant.item;
    const k = item.choices?.length ?? 0;
    const sc = s.scoring;
    if (sc.mode === 'next_token') {
      const lp = raw.letterLogprobs;
      if (!lp) return failed('invalid', 'no top logprobs in the response');
      let best: string | null = null;
      for (const l of optionLetters(k)) {
        const v = lp[l];
        if (v !== null && v !== undefined && (best === null || v > lp[best]!)) best = l;
      }
      if (best === null) return failed('no_answer', 'no option letter among the top logprobs');
      const correct = best === item.answer;
      return {
        extracted: unrotateLetter(best, variant.rotation, k),
        parseStatus: 'ok',
        correct,
        scores: { accuracy: correct ? 1 : 0 },
      };
    }
    if (sc.mode === 'loglikelihood') {
      const ol = raw.optionLogprobs;
      if (!ol || ol.length !== k || ol.some((x) => x === null))
        return failed('invalid', 'missing option log-likelihoods');
      let accIdx = 0;
      let normIdx = 0;
      for (let i = 1; i < k; i++) {
        if (ol[i]!.logprob > ol[accIdx]!.logprob) accIdx = i;
        if (ol[i]!.logprob / ol[i]!.chars > ol[normIdx]!.logprob / ol[normIdx]!.chars) normIdx = i;
      }
      const letters = optionLetters(k);
      const acc = letters[accIdx] === item.answer ? 1 : 0;
      const accNorm = letters[normIdx] === item.answer ? 1 : 0;
      const chosen = sc.normalize === 'chars' ? normIdx : accIdx;
      const correct = (sc.normalize === 'chars' ? accNorm : acc) === 1;
      return {
        extracted: unrotateLetter(letters[chosen]!, variant.rotation, k),
        parseStatus: 'ok',
        correct,
        scores: { accuracy: correct ? 1 : 0, acc, acc_norm: accNorm },
      };
    }
    if (sc.mode === 'assert') {
      if (text.length === 0) return failed('no_answer', 'empty answer', { accuracy: 0, assert_pass_rate: 0 });
      const results = this.assertions!.check(text, this.referencesOf(item));
      const passed = results.filter((r) => r.pass).length;
      const correct = passed === results.length;
      return {
        extracted: text,
        parseStatus: 'ok',
        correct,
        scores: { accuracy: correct ? 1 : 0, assert_pass_rate: passed / results.length },
      };
    }
    if (sc.mode === 'judge') {
      if (text.length === 0) return failed('no_answer', 'empty answer', { accuracy: 0, judge_score: 0 });
      if (raw.judgeReply === undefined)
        return failed('invalid', 'no judge reply', { accuracy: 0, judge_score: 0 });
      const jv = parseJudgeVerdict(raw.judgeReply, sc.verdict, sc.scaleMax, sc.passAt);
      if (jv.status !== 'ok')
        return failed(jv.status, `judge: ${jv.reason}`, { accuracy: 0, judge_score: 0 });
      return {
        extracted: text,
        parseStatus: 'ok',
        correct: jv.pass,
        scores: { accuracy: jv.pass ? 1 : 0, judge_score: jv.score },
      };
    }
    // generate + extract
    const ex = extractAnswer(text, sc.extract, { numChoices: k, choices: item.choices });
    if (ex.status !== 'ok' || ex.answer === null)
      return failed(ex.status, ex.reason ?? 'no answer', this.zeroTextScores());
    const correct = this.isCorrect(ex.answer, item);
    const scores: Record<string, number> = { accuracy: correct ? 1 : 0 };
    if (this.textMetrics) {
      const refs = this.referencesOf(item);
      for (const m of s.metrics) {
        if (m === 'exact_match') scores.exact_match = exactMatch(ex.answer, refs);
        else if (m === 'f1') scores.f1 = tokenF1(ex.answer, refs);
        else if (m === 'rouge_l') scores.rouge_l = rougeL(ex.answer, refs).f;
      }
    }
    const extracted =
      sc.extract.kind === 'option_letter' ? unrotateLetter(ex.answer, variant.rotation, k) : ex.answer;
    return { extracted, parseStatus: 'ok', correct, scores };
  }

  /**
   * Combine the scored samples of one item (all repeats × rotations) into its record. Per rotation the
   * majority vote of the extracted answers decides right/wrong (ties: the answer that reached the top count first); with CircularEval
   * the item is right only if every rotation is. `score` and `scores` are means over samples (CircularEval: the
   * all-rotations verdict). No extracted answer at all → parseStatus of the first sample, wrong. `prompt` is the
   * rendered prompt of rotation 0, or its stored hash when re-scoring stored samples.
   */
  combine(item: EvalItem, samples: readonly SampleRecord[], prompt: BuiltPrompt | string): EvalItemRecord {
    const circular = this.spec.circular && (item.choices?.length ?? 0) >= 2;
    let allRight: boolean;
    let rotationsRight = 0;
    let rotations = 0;
    if (samples.length === 1) {
      const only = samples[0]!;
      allRight = only.extracted !== null && this.voteCorrect(only.extracted, item, samples);
      rotations = 1;
      rotationsRight = only.correct ? 1 : 0;
    } else {
      const byRotation = new Map<number, SampleRecord[]>();
      for (const smp of samples) {
        const list = byRotation.get(smp.rotation);
        if (list) list.push(smp);
        else byRotation.set(smp.rotation, [smp]);
      }
      allRight = byRotation.size > 0;
      for (const list of byRotation.values()) {
        // votes are in the original option order; compare against the original item
        const vote = majority(list.map((x) => x.extracted));
        if (!(vote !== null && this.voteCorrect(vote, item, list))) allRight = false;
        if (list.every((x) => x.correct)) rotationsRight++;
      }
      rotations = byRotation.size;
    }
    const overall = samples.length === 1 ? samples[0]!.extracted : majority(samples.map((x) => x.extracted));
    const scores: Record<string, number> = {};
    let score = 0;
    let tokIn = 0;
    let tokOut = 0;
    let tokReason = 0;
    let latTotal = 0;
    let latMax = 0;
    let error: string | undefined;
    let firstBad: ParseStatus | undefined;
    for (const smp of samples) {
      for (const key in smp.scores) scores[key] = (scores[key] ?? 0) + smp.scores[key]!;
      score += smp.score;
      tokIn += smp.inputTokens ?? 0;
      tokOut += smp.outputTokens ?? 0;
      tokReason += smp.reasoningTokens ?? 0;
      const l = smp.latencyMs ?? 0;
      latTotal += l;
      if (l > latMax) latMax = l;
      if (error === undefined && smp.error) error = smp.error;
      if (firstBad === undefined && smp.parseStatus !== 'ok') firstBad = smp.parseStatus;
    }
    const m = Math.max(1, samples.length);
    if (samples.length > 1) for (const key in scores) scores[key] = scores[key]! / m;
    score /= m;
    if (circular) {
      score = allRight ? 1 : 0;
      scores.accuracy = score;
      scores.rotations_right = rotations > 0 ? rotationsRight / rotations : 0;
    }
    scores.majority = allRight ? 1 : 0;
    const refs = this.referencesOf(item);
    const first = samples[0];
    const rec: EvalItemRecord = {
      taskId: this.spec.id,
      itemId: item.id,
      templateId: this.templateId,
      templateHash: this.versionHash,
      promptHash: typeof prompt === 'string' ? prompt : promptHash(prompt),
      reference: item.answer ?? refs[0] ?? null,
      references: refs,
      response: { content: first?.content ?? null, reasoning: first?.reasoning ?? null },
      extracted: overall,
      parseStatus: overall !== null ? 'ok' : (firstBad ?? 'no_answer'),
      correct: allRight,
      score,
      scores,
      samples: samples as SampleRecord[],
      tokens: { input: tokIn, output: tokOut, reasoning: tokReason },
      latency: { totalMs: latTotal, maxMs: latMax },
    };
    if (error !== undefined) rec.error = error;
    return rec;
  }

  private voteCorrect(vote: string, item: EvalItem, list: readonly SampleRecord[]): boolean {
    const mode = this.spec.scoring.mode;
    const mc =
      mode === 'next_token' ||
      mode === 'loglikelihood' ||
      (mode === 'generate' && this.spec.scoring.extract.kind === 'option_letter');
    if (mc) return vote === item.answer; // votes are in original letter order
    if (mode === 'generate') return this.isCorrect(vote, item);
    // assert / judge: the answer text is not comparable; right when most samples are right
    return list.filter((x) => x.correct).length * 2 > list.length;
  }
}

/** Most frequent non-null value (ties: the one that reached the top count first); null when all are null. */
export function majority(values: readonly (string | null)[]): string | null {
  const counts = new Map<string, number>();
  let best: string | null = null;
  let bestCount = 0;
  for (const v of values) {
    if (v === null) continue;
    const c = (counts.get(v) ?? 0) + 1;
    counts.set(v, c);
    if (c > bestCount) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

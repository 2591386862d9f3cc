import type { ChatMessage } from './template.js';

/**
 * LLM-as-judge: the rubric prompt sent to the caller's judge target and the parsing of its verdict. A verdict
 * that cannot be parsed is `invalid` (counts as wrong), never guessed.
 */
export interface JudgeInput {
  question: string;
  response: string;
  reference?: string;
  rubric: string;
}

export function buildJudgeMessages(
  input: JudgeInput,
  verdict: 'binary' | 'scale',
  scaleMax = 5,
): ChatMessage[] {
  const format =
    verdict === 'binary'
      ? 'End your reply with one line exactly "VERDICT: CORRECT" or "VERDICT: INCORRECT".'
      : `End your reply with one line exactly "SCORE: <n>" where n is an integer from 1 to ${scaleMax}.`;
  const parts = [
    `[Question]\n${input.question}`,
    ...(input.reference !== undefined ? [`[Reference answer]\n${input.reference}`] : []),
    `[Response to grade]\n${input.response}`,
  ];
  return [
    {
      role: 'system',
      content: `You are a strict grader. Grade the response against the rubric. Do not answer the question yourself.\n\n[Rubric]\n${input.rubric}\n\n${format}`,
    },
    { role: 'user', content: parts.join('\n\n') },
  ];
}

export type JudgeVerdict =
  | { status: 'ok'; pass: boolean; score: number }
  | { status: 'invalid' | 'no_answer'; pass: false; reason: string };

/**
 * Parse the judge's reply: the LAST `VERDICT: CORRECT|INCORRECT` (binary) or `SCORE: n` (scale, 1..scaleMax;
 * also "n/scaleMax") line; JSON `{"verdict": ...}` / `{"score": n}` is accepted too. Scale: pass = score ≥ passAt
 * (default: the top half, ⌈(scaleMax+1)/2⌉). score: binary 1/0, scale (n−1)/(scaleMax−1).
 */
export function parseJudgeVerdict(
  text: string | null,
  verdict: 'binary' | 'scale',
  scaleMax = 5,
  passAt?: number,
): JudgeVerdict {
  if (!text || text.trim().length === 0)
    return { status: 'no_answer', pass: false, reason: 'empty judge reply' };
  if (verdict === 'binary') {
    const m = [...text.matchAll(/VERDICT\s*:\s*\**\s*(CORRECT|INCORRECT)\b/gi)];
    let v = m.length > 0 ? m[m.length - 1]![1]!.toUpperCase() : undefined;
    if (!v) {
      const j = /"verdict"\s*:\s*"(correct|incorrect)"/i.exec(text);
      v = j?.[1]?.toUpperCase();
    }
    if (!v) return { status: 'invalid', pass: false, reason: 'no VERDICT line' };
    const pass = v === 'CORRECT';
    return { status: 'ok', pass, score: pass ? 1 : 0 };
  }
  const m = [...text.matchAll(/SCORE\s*:\s*\**\s*(\d+)(?:\s*\/\s*\d+)?/gi)];
  let raw = m.length > 0 ? m[m.length - 1]![1] : undefined;
  if (raw === undefined) raw = /"score"\s*:\s*(\d+)/i.exec(text)?.[1];
  if (raw === undefined) return { status: 'invalid', pass: false, reason: 'no SCORE line' };
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > scaleMax)
    return { status: 'invalid', pass: false, reason: `score ${raw} out of 1..${scaleMax}` };
  const threshold = passAt ?? Math.ceil((scaleMax + 1) / 2);
  return { status: 'ok', pass: n >= threshold, score: (n - 1) / (scaleMax - 1) };
}

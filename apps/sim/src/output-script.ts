/**
 * Explicit output of a request, token by token: the answer-key replies (answer text, reasoning with a decoy),
 * and any output whose logprobs or echoed prompt were asked for. Plain synthetic requests never come here (their
 * chunks are pre-serialized in exchange.ts). Token texts follow the simulator's counting rule (a word of L
 * characters is ceil(L/4) pieces; a piece carries the whitespace before it), so re-counting gives the usage.
 */
import type { AnswerKey, Outcome, Recognition } from './answer-key.js';
import type { FinishReason } from './seq.js';
import { VOCAB } from './tokens.js';

/** One output (or echoed prompt) position: the token's logprob and the top alternatives (best first). */
export interface TokenLogprob {
  logprob: number;
  top: Array<[string, number]>;
}

/** Prompt tokens for completions `echo`, with their logprobs (the first one has none, as on vLLM/OpenAI). */
export interface EchoedPrompt {
  text: string;
  tokens: string[];
  offsets: number[];
  logprobs: Array<number | null>;
  top: Array<Array<[string, number]> | null>;
}

export interface OutputScript {
  /** token texts, in order; `texts.length` is the output length */
  texts: string[];
  /** the first `reasoning` tokens are reasoning (chat) */
  reasoning: number;
  finishReason: FinishReason;
  /** per output token, when logprobs were asked for (else null) */
  logprobs: TokenLogprob[] | null;
  /** top alternatives to list per position (chat `top_logprobs`, completions `logprobs`) */
  topK: number;
  echo: EchoedPrompt | null;
}

const WS = /([\t\n\v\f\r ]*)([^\t\n\v\f\r ]+)/g;

/** Token texts of `text` under the counting rule: the whitespace before a word goes with its first piece. */
export function textPieces(text: string): string[] {
  const out: string[] = [];
  let last = 0;
  for (const m of text.matchAll(WS)) {
    const word = m[2]!;
    for (let s = 0; s < word.length; s += 4) out.push((s === 0 ? m[1]! : '') + word.slice(s, s + 4));
    last = m.index + m[0].length;
  }
  if (last < text.length) {
    if (out.length > 0) out[out.length - 1] += text.slice(last);
    else out.push(text);
  }
  return out;
}

/** FNV-1a of a string and a position, as a uniform in [0, 1). */
function unit(text: string, salt: number): number {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return ((h ^ (h >>> 12)) >>> 0) / 4294967296;
}

/** A generic logprob for a token at a position: in [-1.6, -0.05], a function of the text and position only. */
function genericLogprob(text: string, position: number): number {
  return -(0.05 + 1.55 * unit(text, position));
}

/** `k` alternatives strictly below `below`, from the vocabulary, skipping `not`. */
function alternatives(
  k: number,
  below: number,
  not: ReadonlySet<string>,
  space: boolean,
): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (let i = 0; out.length < k && i < VOCAB.length; i++) {
    const t = (space ? ' ' : '') + VOCAB[i]!;
    if (!not.has(t)) out.push([t, below - 0.75 - 0.25 * out.length]);
  }
  return out;
}

function genericTop(token: string, lp: number, k: number, space: boolean): Array<[string, number]> {
  if (k <= 0) return [];
  return [[token, lp], ...alternatives(k - 1, lp, new Set([token]), space)];
}

/** What the simulator replies to a recognised item: content, a reasoning decoy, and the first token's top list. */
export interface AnswerText {
  content: string;
  /** a plausible but different answer, written into the reasoning of reasoning profiles */
  decoy: string;
  /** multiple choice: [letter, logprob] best first, for the first content token */
  letterTop: Array<[string, number]> | null;
  /** multiple choice: the option chosen (original order; the right one exactly when the outcome is right) */
  chosen: number | null;
}

/** The reply to a recognised item for an outcome; `pick` is the item's uniform for wrong-answer choices. */
export function answerText(
  rec: Recognition,
  outcome: Outcome,
  pick: number,
  key: AnswerKey,
  space: string,
): AnswerText {
  const item = rec.item;
  const ref = item.answer ?? item.references?.[0] ?? '';
  switch (rec.task.style) {
    case 'letter': {
      const k = item.choices?.length ?? 0;
      const right = item.answerIndex ?? 0;
      const wrongs = Array.from({ length: k }, (_, i) => i).filter((i) => i !== right);
      const wrong = wrongs[Math.floor(pick * wrongs.length)] ?? right;
      const chosen = outcome === 'right' ? right : wrong;
      const letters = rec.letters ?? optionLettersOf(k);
      const order = [chosen, ...Array.from({ length: k }, (_, i) => i).filter((i) => i !== chosen)];
      const letterTop = order.map((i, r): [string, number] => [
        `${space}${letters[i]}`,
        r === 0 ? -0.05 : -2.5 - 0.5 * r,
      ]);
      const decoy = outcome === 'right' ? letters[wrong]! : letters[right]!;
      return {
        content: outcome === 'unparseable' ? 'not sure' : letters[chosen]!,
        decoy: `the answer is ${decoy}`,
        letterTop,
        chosen,
      };
    }
    case 'number': {
      const wrongN = Number(ref) + 1 + Math.floor(pick * 9);
      const n = outcome === 'right' ? ref : String(wrongN);
      const decoy = outcome === 'right' ? String(wrongN) : ref;
      const sol = outcome === 'right' && typeof item.meta?.solution === 'string' ? item.meta.solution : '';
      const hashStyle = Math.floor(pick * 1024) % 2 === 1;
      const content =
        outcome === 'unparseable'
          ? 'I cannot work this out.'
          : hashStyle
            ? `${sol}\n#### ${n}`.trim()
            : `${sol} The answer is ${n}.`.trim();
      return { content, decoy: `the answer is ${decoy}`, letterTop: null, chosen: null };
    }
    case 'label': {
      const labels = rec.task.labels.length > 0 ? rec.task.labels : [ref];
      const others = labels.filter((l) => l.toLowerCase() !== ref.toLowerCase());
      const other = others[Math.floor(pick * others.length)] ?? ref;
      const content = outcome === 'right' ? ref : outcome === 'wrong' ? other : 'hard to say';
      return {
        content,
        decoy: `it reads as ${outcome === 'right' ? other : ref}`,
        letterTop: null,
        chosen: null,
      };
    }
    default: {
      const others = key.otherReferences(rec.dataset, ref);
      const other = others[Math.floor(pick * others.length)] ?? `${ref} ${ref}`;
      const said = outcome === 'right' ? ref : other;
      const decoyRef = outcome === 'right' ? other : ref;
      if (rec.task.style === 'json') {
        const content =
          outcome === 'unparseable'
            ? 'not sure'
            : `{${JSON.stringify(rec.task.jsonKey)}: ${JSON.stringify(said)}}`;
        return { content, decoy: `maybe ${decoyRef}`, letterTop: null, chosen: null };
      }
      return {
        content: outcome === 'unparseable' ? '' : said,
        decoy: `maybe ${decoyRef}`,
        letterTop: null,
        chosen: null,
      };
    }
  }
}

function optionLettersOf(k: number): string[] {
  return Array.from({ length: k }, (_, i) => String.fromCharCode(65 + i));
}

/** What shapes a script besides the answer: the request's limits and options. */
export interface ScriptRequest {
  chat: boolean;
  maxTokens: number;
  minTokens: number;
  ignoreEos: boolean;
  /** reasoning tokens of this request (chat) */
  reasoningTokens: number;
  /** top alternatives per position, or null when logprobs were not asked for */
  topLogprobs: number | null;
  /** completions `echo` of this prompt text (null: no echo) */
  echoPrompt: string | null;
  /** first synthetic word (per request) for padding and synthetic output */
  wordOffset: number;
}

const WORD_STRIDE = 17; // as in exchange.ts: the same synthetic words as the hot path
const synthWord = (offset: number, i: number): string => ' ' + VOCAB[(offset + i * WORD_STRIDE) & 63]!;

/** Reasoning of exactly `k` tokens that mentions the decoy, padded with vocabulary words or cut. */
function reasoningPieces(decoy: string, k: number, wordOffset: number): string[] {
  const pieces = textPieces(` Let me think. At first glance ${decoy}. Let me check that again.`);
  for (let i = 0; pieces.length < k; i++) pieces.push(synthWord(wordOffset, i));
  return pieces.slice(0, k);
}

/** The script of a reply to a recognised item: reasoning (with the decoy), the answer, then EOS or max_tokens. */
export function answerScript(answer: AnswerText, req: ScriptRequest, rec: Recognition | null): OutputScript {
  const reasoning =
    req.chat && req.reasoningTokens > 0
      ? reasoningPieces(answer.decoy, req.reasoningTokens, req.wordOffset)
      : [];
  const content = textPieces(req.chat ? answer.content : ` ${answer.content}`);
  if (content.length === 0) content.push('');
  const texts = [...reasoning, ...content];
  const need = req.ignoreEos ? req.maxTokens : Math.max(1, req.minTokens);
  // after EOS (ignore_eos / min_tokens) a real model rambles on: vocabulary words on a new line
  for (let i = 0; texts.length < need; i++) texts.push((i === 0 ? '\n' : '') + synthWord(req.wordOffset, i));
  let finishReason: FinishReason = req.ignoreEos ? 'length' : 'stop';
  if (texts.length > req.maxTokens) {
    texts.length = req.maxTokens;
    finishReason = 'length';
  }
  const script: OutputScript = {
    texts,
    reasoning: Math.min(reasoning.length, texts.length),
    finishReason,
    logprobs: null,
    topK: req.topLogprobs ?? 0,
    echo: null,
  };
  if (req.topLogprobs !== null) {
    script.logprobs = outputLogprobs(texts, req.topLogprobs, !req.chat);
    const first = reasoning.length;
    if (answer.letterTop && first < texts.length)
      script.logprobs[first] = letterPosition(texts[first]!, answer.letterTop, req.topLogprobs, !req.chat);
  }
  if (req.echoPrompt !== null) script.echo = echoPrompt(req.echoPrompt, req.topLogprobs ?? 0, rec, answer);
  return script;
}

/** The script of an unrecognised request that asked for logprobs or echo: today's synthetic words, made explicit. */
export function syntheticScript(
  targetTokens: number,
  finishReason: FinishReason,
  req: ScriptRequest,
): OutputScript {
  const texts = Array.from({ length: targetTokens }, (_, i) => synthWord(req.wordOffset, i));
  return {
    texts,
    reasoning: req.chat ? Math.min(req.reasoningTokens, targetTokens) : 0,
    finishReason,
    logprobs: req.topLogprobs !== null ? outputLogprobs(texts, req.topLogprobs, !req.chat) : null,
    topK: req.topLogprobs ?? 0,
    echo: req.echoPrompt !== null ? echoPrompt(req.echoPrompt, req.topLogprobs ?? 0, null, null) : null,
  };
}

function outputLogprobs(texts: readonly string[], k: number, space: boolean): TokenLogprob[] {
  return texts.map((t, i) => {
    const lp = genericLogprob(t, i);
    return { logprob: lp, top: genericTop(t, lp, k, space) };
  });
}

/** The answer's first token: the chosen letter on top when it is a letter, else the token itself above the letters. */
function letterPosition(
  token: string,
  letterTop: Array<[string, number]>,
  k: number,
  space: boolean,
): TokenLogprob {
  const own = letterTop.find(([l]) => l.trim() === token.trim());
  if (own) {
    const top = letterTop.slice(0, k);
    return {
      logprob: own[1],
      top: [
        ...top,
        ...alternatives(
          k - top.length,
          letterTop[letterTop.length - 1]![1],
          new Set(letterTop.map((x) => x[0])),
          space,
        ),
      ],
    };
  }
  // unparseable reply: the word it starts with is the most likely token, the chosen letter next
  const lp = -0.02;
  const top: Array<[string, number]> = [
    [token, lp],
    ...letterTop.map(([l, v]): [string, number] => [l, v - 0.5]),
  ];
  return { logprob: lp, top: top.slice(0, k) };
}

/**
 * Prompt logprobs for `echo`. Tokens of a recognised log-likelihood continuation (the prompt ends with an option)
 * get `perChar × characters` (−0.02 per character for the option the simulator chooses — the right one exactly when
 * it knows the item — and −0.9 for every other option), so the chosen option has the highest total and the
 * highest per-character log-likelihood; other tokens get generic values.
 */
function echoPrompt(
  text: string,
  k: number,
  rec: Recognition | null,
  answer: AnswerText | null,
): EchoedPrompt {
  const tokens = textPieces(text);
  const offsets: number[] = [];
  let off = 0;
  for (const t of tokens) {
    offsets.push(off);
    off += t.length;
  }
  const cont = rec?.continuation ?? null;
  const isChosen = cont !== null && answer?.chosen === cont.choice;
  const logprobs: Array<number | null> = [];
  const top: Array<Array<[string, number]> | null> = [];
  tokens.forEach((t, i) => {
    if (i === 0) {
      logprobs.push(null);
      top.push(null);
      return;
    }
    const inCont = cont !== null && offsets[i]! + t.length > cont.start;
    if (!inCont) {
      const lp = genericLogprob(t, i);
      logprobs.push(lp);
      top.push(genericTop(t, lp, Math.max(1, k), true));
      return;
    }
    const best = -0.02 * t.length;
    const lp = isChosen ? best : -0.9 * t.length;
    logprobs.push(lp);
    // not chosen: another token (from the chosen option, or any) was more likely here
    const entries: Array<[string, number]> = isChosen
      ? [[t, lp]]
      : [
          [' …', best],
          [t, lp],
        ];
    top.push([
      ...entries,
      ...alternatives(Math.max(1, k) - entries.length, lp, new Set(entries.map((e) => e[0])), true),
    ]);
  });
  return { text, tokens, offsets, logprobs, top };
}

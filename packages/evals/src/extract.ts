import type { ExtractSpec } from '@inferbench/contracts';

/** `ok`: an answer was found; `no_answer`: nothing answer-like; `invalid`: something malformed or ambiguous. */
export type ParseStatus = 'ok' | 'no_answer' | 'invalid';

export interface Extraction {
  /** the extracted answer in canonical form (option letter, number as text, label, field value, text); null unless ok */
  answer: string | null;
  status: ParseStatus;
  /** why it is not ok */
  reason?: string;
}

export interface SplitText {
  /** the answer text with every reasoning span removed: the only text extraction looks at */
  content: string;
  /** reasoning text (the server's separate field and/or `<think>` spans), or null */
  reasoning: string | null;
}

/**
 * Separate reasoning from the answer. Reasoning comes from the server's own field (`reasoning_content` /
 * `reasoning`) and from `<think>…</think>` spans in the content; a `</think>` with no opening tag (the chat
 * template opened it) makes everything before it reasoning; an unclosed `<think>` makes everything after it
 * reasoning (the answer was never reached). Extraction never reads the reasoning.
 */
export function splitReasoning(
  content: string | null | undefined,
  reasoningField?: string | null,
): SplitText {
  let text = content ?? '';
  const parts: string[] = [];
  if (reasoningField) parts.push(reasoningField);
  const closeOnly = text.indexOf('</think>');
  const firstOpen = text.indexOf('<think>');
  if (closeOnly >= 0 && (firstOpen < 0 || closeOnly < firstOpen)) {
    parts.push(text.slice(0, closeOnly));
    text = text.slice(closeOnly + '</think>'.length);
  }
  for (;;) {
    const open = text.indexOf('<think>');
    if (open < 0) break;
    const close = text.indexOf('</think>', open);
    if (close < 0) {
      parts.push(text.slice(open + '<think>'.length));
      text = text.slice(0, open);
      break;
    }
    parts.push(text.slice(open + '<think>'.length, close));
    text = text.slice(0, open) + text.slice(close + '</think>'.length);
  }
  const reasoning = parts
    .map((p) => p.trim())
    .filter(Boolean)
    .join('\n\n');
  return { content: text.trim(), reasoning: reasoning.length > 0 ? reasoning : null };
}

/** Option letters for k options: A, B, C, ... */
export function optionLetters(k: number): string[] {
  return Array.from({ length: k }, (_, i) => String.fromCharCode(65 + i));
}

const ok = (answer: string): Extraction => ({ answer, status: 'ok' });
const none = (reason: string): Extraction => ({ answer: null, status: 'no_answer', reason });
const invalid = (reason: string): Extraction => ({ answer: null, status: 'invalid', reason });

function pick<T>(list: T[], which: 'first' | 'last'): T | undefined {
  return which === 'first' ? list[0] : list[list.length - 1];
}

const EXPLICIT_LETTER =
  /(?:[Aa]nswer|ANSWER|[Oo]ption|[Cc]hoice)(?:\s+is)?\s*(?:[:\-=]\s*)?(?:[Oo]ption\s+)?\**\s*\(?([A-Z])\)?\**(?![A-Za-z0-9])/g;
const STANDALONE_LETTER = /(?<![A-Za-z0-9'’])(\(|\*\*)?([A-Z])(\)|\*\*|\.|:)?(?![A-Za-z0-9'’])/g;

/**
 * Option letter: an explicit statement ("answer is (C)", "Answer: C", "option C") wins; else standalone capital
 * letters ("(B)", "B)", "B.", "**B**", "B"), skipping "A"/"I" used as a word ("A cat", "I think"). A letter
 * beyond the item's options → invalid. Nothing → no_answer. The option text itself (normalised, whole
 * answer) also counts.
 */
export function extractOptionLetter(
  text: string,
  numChoices: number,
  which: 'first' | 'last' = 'first',
  choices?: readonly string[],
): Extraction {
  const letters = optionLetters(numChoices);
  const t = text.trim();
  if (t.length === 0) return none('empty answer');
  const explicit = [...t.matchAll(EXPLICIT_LETTER)].map((m) => m[1]!);
  if (explicit.length > 0) {
    const l = pick(explicit, which)!;
    return letters.includes(l) ? ok(l) : invalid(`letter ${l} is not one of ${letters.join('')}`);
  }
  if (choices) {
    const norm = (s: string): string =>
      s
        .toLowerCase()
        .replace(/[\s.!]+$/g, '')
        .trim();
    const idx = choices.findIndex((c) => norm(c) === norm(t));
    if (idx >= 0) return ok(letters[idx]!);
  }
  const found: string[] = [];
  for (const m of t.matchAll(STANDALONE_LETTER)) {
    const [, pre, letter, post] = m;
    if (!pre && !post && (letter === 'A' || letter === 'I')) {
      // "A dog", "I think": a word, not an option, unless the letter stands alone at the end or before punctuation
      const after = t.slice(m.index! + 1);
      if (/^\s+[a-z]/.test(after)) continue;
    }
    found.push(letter!);
  }
  const inRange = found.filter((l) => letters.includes(l));
  if (inRange.length === 0)
    return found.length > 0 ? invalid(`no letter among ${letters.join('')}`) : none('no option letter');
  return ok(pick(inRange, which)!);
}

const NUMBER = /-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?|-?\.\d+/g;

function parseNumberText(s: string): number {
  return Number(s.replace(/,/g, ''));
}

/** Canonical text of a number: no grouping commas, no trailing zeros ("1,200.50" → "1200.5"). */
export function canonicalNumber(s: string): string | null {
  const m = s.match(NUMBER);
  if (!m) return null;
  const v = parseNumberText(m[0]!);
  return Number.isFinite(v) ? String(v) : null;
}

/**
 * Number: after a GSM8K `####` marker, else after "answer is"/"Answer:", else the first / last number in the text.
 * Grouping commas, `$` and `%` are ignored. The answer is the canonical number text.
 */
export function extractNumber(text: string, which: 'first' | 'last' = 'first'): Extraction {
  const t = text.trim();
  if (t.length === 0) return none('empty answer');
  const hash = t.lastIndexOf('####');
  const scopes: string[] = [];
  if (hash >= 0) scopes.push(t.slice(hash + 4));
  const explicit = [...t.matchAll(/(?:[Aa]nswer|ANSWER)(?:\s+is)?\s*[:=]?\s*\**\s*\$?\s*(-?[\d.,]+)/g)].map(
    (m) => m[1]!,
  );
  if (explicit.length > 0) scopes.push(pick(explicit, which)!);
  for (const scope of scopes) {
    const m = scope.match(NUMBER);
    if (m) return ok(String(parseNumberText(m[0]!)));
  }
  const all = t.match(NUMBER);
  if (!all) return none('no number');
  const v = parseNumberText(pick(all, which)!);
  return Number.isFinite(v) ? ok(String(v)) : invalid('malformed number');
}

/** Regex: the first capture group (or the whole match) of the first match; an invalid pattern throws. */
export function extractRegex(text: string, pattern: string, flags = ''): Extraction {
  const re = new RegExp(pattern, flags.replace(/g/g, ''));
  const m = re.exec(text);
  if (!m) return none('pattern did not match');
  const v = (m.length > 1 ? m[1] : m[0])?.trim();
  return v ? ok(v) : none('empty match');
}

/**
 * Label: the answer equals a label (case-insensitive, surrounding punctuation ignored), else exactly one distinct
 * label occurs as a whole word; two or more different labels → invalid (ambiguous), none → no_answer.
 */
export function extractLabel(text: string, labels: readonly string[]): Extraction {
  const t = text.trim();
  if (t.length === 0) return none('empty answer');
  const bare = t.replace(/^[\s"'`*([{]+|[\s"'`*.!)\]}]+$/g, '').toLowerCase();
  const exact = labels.find((l) => l.toLowerCase() === bare);
  if (exact !== undefined) return ok(exact);
  const lower = t.toLowerCase();
  const hits = labels.filter((l) => {
    const esc = l.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(?<![\\p{L}\\p{N}])${esc}(?![\\p{L}\\p{N}])`, 'u').test(lower);
  });
  if (hits.length === 1) return ok(hits[0]!);
  if (hits.length > 1) return invalid(`several labels: ${hits.join(', ')}`);
  return none('no label');
}

/** The first complete JSON object or array in a text (code fences allowed), or undefined. */
export function findJson(text: string): { value: unknown } | undefined {
  for (let start = 0; start < text.length; start++) {
    const ch = text[start];
    if (ch !== '{' && ch !== '[') continue;
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          try {
            return { value: JSON.parse(text.slice(start, i + 1)) };
          } catch {
            break;
          }
        }
      }
    }
  }
  return undefined;
}

/** JSON field: the value at a dotted path (`a.b.0`) of the first JSON object; no JSON → no_answer; no field → invalid. */
export function extractJsonField(text: string, path: string): Extraction {
  const found = findJson(text);
  if (!found) return text.includes('{') ? invalid('malformed JSON') : none('no JSON object');
  let v: unknown = found.value;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, key)) {
      return invalid(`field ${path} missing`);
    }
    v = (v as Record<string, unknown>)[key];
  }
  if (v === null || v === undefined) return invalid(`field ${path} is null`);
  return ok(typeof v === 'string' ? v.trim() : typeof v === 'object' ? JSON.stringify(v) : String(v));
}

/** Whole text (first non-empty line by default), trimmed. */
export function extractText(text: string, firstLine = true): Extraction {
  const t = firstLine ? (text.split('\n').find((l) => l.trim().length > 0) ?? '') : text;
  const v = t.trim();
  return v.length > 0 ? ok(v) : none('empty answer');
}

/** Run the task's extractor over the answer text (reasoning already removed). */
export function extractAnswer(
  text: string,
  spec: ExtractSpec,
  ctx: { numChoices?: number; choices?: readonly string[] } = {},
): Extraction {
  switch (spec.kind) {
    case 'option_letter':
      return extractOptionLetter(text, ctx.numChoices ?? ctx.choices?.length ?? 4, spec.which, ctx.choices);
    case 'number':
      return extractNumber(text, spec.which);
    case 'regex':
      return extractRegex(text, spec.pattern, spec.flags);
    case 'label':
      return extractLabel(text, spec.labels);
    case 'json_field':
      return extractJsonField(text, spec.path);
    case 'text':
      return extractText(text, spec.firstLine);
  }
}

/**
 * What the client takes from one streamed chunk, two ways:
 *
 * - {@link summarizeChoices}: from a `JSON.parse`d payload (the reference; also used for non-streamed bodies).
 * - {@link scanChunk}: the fast path for SSE `data:` payloads. One pass over the string, no objects built, no
 *   `JSON.parse` of the whole event. It is a strict validator of a subset of JSON plus an extractor of exactly
 *   the fields {@link summarizeChoices} reads, and it **declines** (returns false, the caller then uses
 *   `JSON.parse` + {@link summarizeChoices}) whenever it is not certain to give the same result:
 *   - anything that is not syntactically valid JSON (the full path reports it as malformed),
 *   - a top level that is not an object, has no `choices` array, or has an `error` key,
 *   - a non-null `usage` (carried once per request; read by the full path),
 *   - a key written with escapes (`"con\u0074ent"` is `content` to JSON.parse, not to a byte comparison),
 *   - a relevant key twice in one object (JSON.parse keeps the last one),
 *   - a `message` in a choice, a choice / delta / tool call / function that is neither an object nor null,
 *   - nesting deeper than {@link MAX_DEPTH}.
 *   String values with escapes are decoded by `JSON.parse` of that one string literal, so escapes are exact.
 *
 * Equivalence with the full path is checked by a differential test (fixtures, every quirk-server scenario,
 * and generated events): for every input where `scanChunk` returns true, its summary equals
 * `summarizeChoices(JSON.parse(data).choices)`.
 */

/** Output of one chunk, filled in place (one reused object per client: no allocation per chunk). */
export interface ChunkSummary {
  /** `delta.content` then `text` of every choice, in order */
  content: string;
  /** `reasoning_content` (or, when that is empty/absent, `reasoning`) of every choice */
  reasoning: string;
  /** tool-call `function.arguments` fragments, in order */
  toolArgs: string;
  /** some tool call carried a non-empty `function.name` */
  toolName: boolean;
  /** some choice had a non-null `finish_reason` */
  finish: boolean;
}

export function newChunkSummary(): ChunkSummary {
  return { content: '', reasoning: '', toolArgs: '', toolName: false, finish: false };
}

function reset(out: ChunkSummary): void {
  out.content = '';
  out.reasoning = '';
  out.toolArgs = '';
  out.toolName = false;
  out.finish = false;
}

interface DeltaLike {
  content?: unknown;
  reasoning_content?: unknown;
  reasoning?: unknown;
  tool_calls?: unknown;
}
interface ChoiceLike {
  delta?: DeltaLike | null;
  message?: DeltaLike | null;
  text?: unknown;
  finish_reason?: unknown;
}

/** Reference: the output of parsed `choices` (a streamed `delta` or a whole response's `message`). */
export function summarizeChoices(choices: readonly unknown[], out: ChunkSummary): void {
  reset(out);
  for (const raw of choices) {
    if (raw === null || typeof raw !== 'object') continue;
    const c = raw as ChoiceLike;
    if (c.finish_reason !== null && c.finish_reason !== undefined) out.finish = true;
    const d = c.delta ?? c.message;
    if (d !== null && typeof d === 'object') {
      if (typeof d.content === 'string' && d.content.length > 0) out.content += d.content;
      // vLLM ≥0.10 sends `reasoning`; older vLLM, SGLang and DeepSeek send `reasoning_content`.
      // Servers in transition send both with the same text: take one, never both.
      const r =
        typeof d.reasoning_content === 'string' && d.reasoning_content.length > 0
          ? d.reasoning_content
          : typeof d.reasoning === 'string'
            ? d.reasoning
            : '';
      if (r.length > 0) out.reasoning += r;
      if (Array.isArray(d.tool_calls)) {
        for (const tc of d.tool_calls as ({ function?: { name?: unknown; arguments?: unknown } } | null)[]) {
          const fn = tc?.function;
          if (!fn) continue;
          if (typeof fn.arguments === 'string' && fn.arguments.length > 0) out.toolArgs += fn.arguments;
          if (typeof fn.name === 'string' && fn.name.length > 0) out.toolName = true;
        }
      }
    }
    if (typeof c.text === 'string' && c.text.length > 0) out.content += c.text;
  }
}

// ---- fast path ----

const MAX_DEPTH = 64;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const MINUS = 45;
const D0 = 48;
const D9 = 57;

/** set by {@link stringEnd}: the string just scanned contains a backslash escape */
let hadEscape = false;
/** the payload being scanned contains no backslash and no character below U+0020 (checked once per payload) */
let plain = false;
// eslint-disable-next-line no-control-regex
const NOT_PLAIN = /[\x00-\x1f\\]/;

// per-choice / per-delta values found by the scanner (module state: no closures, no per-chunk objects)
let dContent: string | undefined;
let dReasoningContent: string | undefined;
let dReasoning: string | undefined;
let cText: string | undefined;
let dContentAt = 0;
let dReasoningContentAt = 0;
let dReasoningAt = 0;
let cTextAt = 0;

/**
 * The non-empty strings that made up the summary: how many, and for the last one its kind and where its
 * literal is (opening-quote index, index after the closing quote). A chunk with exactly one is a template.
 */
let contribCount = 0;
let contribKind: TemplateKind = 0;
let contribOpen = 0;
let contribEnd = 0;
function contrib(kind: TemplateKind, open: number, end: number): void {
  contribCount++;
  contribKind = kind;
  contribOpen = open;
  contribEnd = end;
}

function ws(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) i++;
    else return i;
  }
}

function isHex(c: number): boolean {
  return (c >= D0 && c <= D9) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** `s[i]` is `"`: index of the closing quote of a valid JSON string, -1 when invalid. Sets {@link hadEscape}. */
function stringEnd(s: string, i: number): number {
  hadEscape = false;
  // the whole payload has no backslash and no control character: a string ends at the next quote
  if (plain) return s.indexOf('"', i + 1);
  const n = s.length;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c === QUOTE) return j;
    if (c < 32) return -1;
    if (c === BACKSLASH) {
      hadEscape = true;
      const e = s.charCodeAt(j + 1);
      if (e === 117 /* u */) {
        if (
          !isHex(s.charCodeAt(j + 2)) ||
          !isHex(s.charCodeAt(j + 3)) ||
          !isHex(s.charCodeAt(j + 4)) ||
          !isHex(s.charCodeAt(j + 5))
        )
          return -1;
        j += 5;
      } else if (
        e === QUOTE ||
        e === BACKSLASH ||
        e === 47 /* / */ ||
        e === 98 /* b */ ||
        e === 102 /* f */ ||
        e === 110 /* n */ ||
        e === 114 /* r */ ||
        e === 116 /* t */
      ) {
        j += 1;
      } else return -1;
    }
  }
  return -1;
}

/** value of the valid string literal s[i..end] (quotes included) */
function stringValue(s: string, i: number, end: number): string {
  return hadEscape ? (JSON.parse(s.slice(i, end + 1)) as string) : s.slice(i + 1, end);
}

function digitsEnd(s: string, i: number): number {
  let c = s.charCodeAt(i);
  while (c >= D0 && c <= D9) c = s.charCodeAt(++i);
  return i;
}

/** index after a valid JSON number starting at i, -1 when invalid */
function numberEnd(s: string, i: number): number {
  if (s.charCodeAt(i) === MINUS) i++;
  let c = s.charCodeAt(i);
  if (c === D0) i++;
  else if (c > D0 && c <= D9) i = digitsEnd(s, i + 1);
  else return -1;
  c = s.charCodeAt(i);
  if (c === 46 /* . */) {
    c = s.charCodeAt(i + 1);
    if (!(c >= D0 && c <= D9)) return -1;
    i = digitsEnd(s, i + 2);
    c = s.charCodeAt(i);
  }
  if (c === 101 || c === 69 /* e E */) {
    i++;
    c = s.charCodeAt(i);
    if (c === 43 || c === MINUS) c = s.charCodeAt(++i);
    if (!(c >= D0 && c <= D9)) return -1;
    i = digitsEnd(s, i + 1);
  }
  return i;
}

/** index after any valid JSON value starting at i (no whitespace before it), -1 when invalid */
function skipValue(s: string, i: number, depth: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) {
    const e = stringEnd(s, i);
    return e < 0 ? -1 : e + 1;
  }
  if (c === LBRACE || c === LBRACKET) {
    if (depth >= MAX_DEPTH) return -1;
    const isObj = c === LBRACE;
    const close = isObj ? RBRACE : RBRACKET;
    i = ws(s, i + 1);
    if (s.charCodeAt(i) === close) return i + 1;
    for (;;) {
      if (isObj) {
        if (s.charCodeAt(i) !== QUOTE) return -1;
        const ke = stringEnd(s, i);
        if (ke < 0) return -1;
        i = ws(s, ke + 1);
        if (s.charCodeAt(i) !== COLON) return -1;
        i = ws(s, i + 1);
      }
      i = skipValue(s, i, depth + 1);
      if (i < 0) return -1;
      i = ws(s, i);
      const sep = s.charCodeAt(i);
      if (sep === COMMA) i = ws(s, i + 1);
      else if (sep === close) return i + 1;
      else return -1;
    }
  }
  if (c === 116) return s.startsWith('true', i) ? i + 4 : -1;
  if (c === 102) return s.startsWith('false', i) ? i + 5 : -1;
  if (c === 110) return s.startsWith('null', i) ? i + 4 : -1;
  if (c === MINUS || (c >= D0 && c <= D9)) return numberEnd(s, i);
  return -1;
}

/**
 * Walks the object at i (no whitespace before it). For each key calls `onKey(s, keyStart, keyLen, valueStart,
 * depth)` which returns the index after the value or -1. Keys with escapes make the whole scan decline.
 * Returns the index after the object, -1 when invalid / declined.
 */
type KeyHandler = (s: string, ks: number, klen: number, vs: number, depth: number) => number;
function walkObject(s: string, i: number, depth: number, onKey: KeyHandler): number {
  if (depth >= MAX_DEPTH || s.charCodeAt(i) !== LBRACE) return -1;
  i = ws(s, i + 1);
  if (s.charCodeAt(i) === RBRACE) return i + 1;
  for (;;) {
    if (s.charCodeAt(i) !== QUOTE) return -1;
    const ke = stringEnd(s, i);
    if (ke < 0 || hadEscape) return -1;
    let v = ws(s, ke + 1);
    if (s.charCodeAt(v) !== COLON) return -1;
    v = ws(s, v + 1);
    i = onKey(s, i + 1, ke - i - 1, v, depth + 1);
    if (i < 0) return -1;
    i = ws(s, i);
    const sep = s.charCodeAt(i);
    if (sep === COMMA) i = ws(s, i + 1);
    else if (sep === RBRACE) return i + 1;
    else return -1;
  }
}

/** walks the array at i, calling `onItem(s, itemStart, depth)` per element; -1 when invalid / declined */
type ItemHandler = (s: string, i: number, depth: number) => number;
function walkArray(s: string, i: number, depth: number, onItem: ItemHandler): number {
  if (depth >= MAX_DEPTH || s.charCodeAt(i) !== LBRACKET) return -1;
  i = ws(s, i + 1);
  if (s.charCodeAt(i) === RBRACKET) return i + 1;
  for (;;) {
    i = onItem(s, i, depth + 1);
    if (i < 0) return -1;
    i = ws(s, i);
    const sep = s.charCodeAt(i);
    if (sep === COMMA) i = ws(s, i + 1);
    else if (sep === RBRACKET) return i + 1;
    else return -1;
  }
}

function keyIs(s: string, ks: number, klen: number, name: string): boolean {
  return klen === name.length && s.startsWith(name, ks);
}

type TemplateKind = 0 | 1 | 2 | 3;
const KIND_CONTENT = 1;
const KIND_REASONING = 2;
const KIND_TOOL_ARGS = 3;

/** bit per relevant key seen in the object being walked (a repeat declines) */
let seenTop = 0;
let seenChoice = 0;
let seenDelta = 0;
let seenFn = 0;
let target: ChunkSummary;

/** a string value at vs: its value; null: undefined; any other value: skipped, undefined. NaN index = invalid */
let valueEnd = 0;
function optString(s: string, vs: number, depth: number): string | undefined {
  if (s.charCodeAt(vs) === QUOTE) {
    const e = stringEnd(s, vs);
    if (e < 0) {
      valueEnd = -1;
      return undefined;
    }
    valueEnd = e + 1;
    return stringValue(s, vs, e);
  }
  valueEnd = skipValue(s, vs, depth);
  return undefined;
}

const onFnKey: KeyHandler = (s, ks, klen, vs, depth) => {
  let bit = 0;
  if (keyIs(s, ks, klen, 'arguments')) bit = 1;
  else if (keyIs(s, ks, klen, 'name')) bit = 2;
  else return skipValue(s, vs, depth);
  if (seenFn & bit) return -1;
  seenFn |= bit;
  const v = optString(s, vs, depth);
  if (v !== undefined && v.length > 0) {
    if (bit === 1) {
      target.toolArgs += v;
      contrib(KIND_TOOL_ARGS, vs, valueEnd);
    } else target.toolName = true;
  }
  return valueEnd;
};

let seenToolCall = 0;
const onToolCallKey: KeyHandler = (s, ks, klen, vs, depth) => {
  if (!keyIs(s, ks, klen, 'function')) return skipValue(s, vs, depth);
  if (seenToolCall) return -1;
  seenToolCall = 1;
  if (s.startsWith('null', vs)) return vs + 4;
  seenFn = 0;
  return walkObject(s, vs, depth, onFnKey);
};

/*
 * Tool-call fragments are appended while scanning; a repeated `function` key in one tool call would make the
 * first one's fragment count although JSON.parse keeps only the last: that case declines (seenToolCall).
 */
const onToolCall: ItemHandler = (s, i, depth) => {
  if (s.startsWith('null', i)) return i + 4;
  seenToolCall = 0;
  return walkObject(s, i, depth, onToolCallKey);
};

const onDeltaKey: KeyHandler = (s, ks, klen, vs, depth) => {
  let bit = 0;
  if (keyIs(s, ks, klen, 'content')) bit = 1;
  else if (keyIs(s, ks, klen, 'reasoning_content')) bit = 2;
  else if (keyIs(s, ks, klen, 'reasoning')) bit = 4;
  else if (keyIs(s, ks, klen, 'tool_calls')) bit = 8;
  else return skipValue(s, vs, depth);
  if (seenDelta & bit) return -1;
  seenDelta |= bit;
  if (bit === 8) {
    // only an array is read; anything else is ignored, like the full path
    return s.charCodeAt(vs) === LBRACKET ? walkArray(s, vs, depth, onToolCall) : skipValue(s, vs, depth);
  }
  const v = optString(s, vs, depth);
  if (bit === 1) {
    dContent = v;
    dContentAt = vs;
  } else if (bit === 2) {
    dReasoningContent = v;
    dReasoningContentAt = vs;
  } else {
    dReasoning = v;
    dReasoningAt = vs;
  }
  return valueEnd;
};

const onChoiceKey: KeyHandler = (s, ks, klen, vs, depth) => {
  let bit = 0;
  if (keyIs(s, ks, klen, 'delta')) bit = 1;
  else if (keyIs(s, ks, klen, 'finish_reason')) bit = 2;
  else if (keyIs(s, ks, klen, 'text')) bit = 4;
  else if (keyIs(s, ks, klen, 'message')) return -1;
  else return skipValue(s, vs, depth);
  if (seenChoice & bit) return -1;
  seenChoice |= bit;
  if (bit === 1) {
    if (s.startsWith('null', vs)) return vs + 4;
    seenDelta = 0;
    return walkObject(s, vs, depth, onDeltaKey);
  }
  if (bit === 2) {
    const e = skipValue(s, vs, depth);
    if (e >= 0 && s.charCodeAt(vs) !== 110 /* not null */) target.finish = true;
    return e;
  }
  cText = optString(s, vs, depth);
  cTextAt = vs;
  return valueEnd;
};

function resetChoice(): void {
  seenChoice = 0;
  dContent = dReasoningContent = dReasoning = cText = undefined;
}

const onChoice: ItemHandler = (s, i, depth) => {
  if (s.startsWith('null', i)) return i + 4;
  resetChoice();
  const e = walkObject(s, i, depth, onChoiceKey);
  if (e < 0) return -1;
  const out = target;
  if (dContent !== undefined && dContent.length > 0) {
    out.content += dContent;
    contrib(KIND_CONTENT, dContentAt, stringEnd(s, dContentAt) + 1);
  }
  if (dReasoningContent !== undefined && dReasoningContent.length > 0) {
    out.reasoning += dReasoningContent;
    contrib(KIND_REASONING, dReasoningContentAt, stringEnd(s, dReasoningContentAt) + 1);
  } else if (dReasoning !== undefined && dReasoning.length > 0) {
    out.reasoning += dReasoning;
    contrib(KIND_REASONING, dReasoningAt, stringEnd(s, dReasoningAt) + 1);
  }
  if (cText !== undefined && cText.length > 0) {
    out.content += cText;
    contrib(KIND_CONTENT, cTextAt, stringEnd(s, cTextAt) + 1);
  }
  return e;
};

const onTopKey: KeyHandler = (s, ks, klen, vs, depth) => {
  if (keyIs(s, ks, klen, 'choices')) {
    if (seenTop & 1) return -1;
    seenTop |= 1;
    return walkArray(s, vs, depth, onChoice);
  }
  if (keyIs(s, ks, klen, 'usage')) return s.startsWith('null', vs) ? vs + 4 : -1;
  if (keyIs(s, ks, klen, 'error')) return -1;
  return skipValue(s, vs, depth);
};

/**
 * Fast path for one SSE `data:` payload. Returns true and fills `out` (exactly what
 * `summarizeChoices(JSON.parse(data).choices, out)` gives) when the payload is a chunk it fully recognises;
 * false when the caller must take the full `JSON.parse` path (`out` is then unspecified).
 */
export function scanChunk(data: string, out: ChunkSummary): boolean {
  reset(out);
  target = out;
  seenTop = 0;
  contribCount = 0;
  plain = !NOT_PLAIN.test(data);
  const i = ws(data, 0);
  let e: number;
  try {
    e = walkObject(data, i, 0, onTopKey);
  } catch {
    return false; // defensive: a string literal JSON.parse refuses (cannot happen for a validated one)
  }
  return e >= 0 && (seenTop & 1) === 1 && ws(data, e) === data.length;
}

/**
 * Per-stream chunk reader: {@link scanChunk} plus a **template** of the stream's chunks.
 *
 * Consecutive chunks of one response differ only in the text they carry (id, model, created, field order
 * are fixed per response). When a scanned chunk's summary came from exactly one non-empty string (content,
 * text, reasoning or tool arguments) and nothing else (no finish, no tool name), the bytes before that string
 * literal's opening quote (inclusive) and from its closing quote on become the template. A later chunk that
 * starts with the same prefix, ends with the same suffix, and whose middle is one valid, non-empty JSON
 * string body is that same JSON document with that one string replaced: JSON.parse would give the same
 * structure, so its summary is the template's with the new string. Checking that costs two comparisons and a
 * loop over the new text only. Anything else (a different chunk shape, an empty string, a quote, a control
 * character or an invalid escape in the middle) goes back to {@link scanChunk}, and from there, when that
 * declines, to the caller's `JSON.parse`.
 */
export class ChunkReader {
  /** what the last successful {@link read} found */
  readonly summary: ChunkSummary = newChunkSummary();
  private prefix = '';
  private suffix = '';
  private kind: TemplateKind = 0;
  /** @internal chunks answered by the template / by the scanner (tests and benchmarks) */
  templateHits = 0;
  scanHits = 0;

  /** true: {@link summary} holds the chunk's output; false: the caller must use the full JSON.parse path */
  read(data: string): boolean {
    if (this.kind !== 0 && this.fromTemplate(data)) {
      this.templateHits++;
      return true;
    }
    if (!scanChunk(data, this.summary)) return false;
    this.scanHits++;
    const out = this.summary;
    if (contribCount === 1 && !out.finish && !out.toolName) {
      this.prefix = data.slice(0, contribOpen + 1);
      this.suffix = data.slice(contribEnd - 1);
      this.kind = contribKind;
    }
    return true;
  }

  private fromTemplate(data: string): boolean {
    const start = this.prefix.length;
    const end = data.length - this.suffix.length; // index of the closing quote
    // lastIndexOf(x, 0) / indexOf(x, end) test one position each, and are faster than startsWith/endsWith in V8
    if (end <= start || data.lastIndexOf(this.prefix, 0) !== 0 || data.indexOf(this.suffix, end) !== end)
      return false;
    let value: string | undefined;
    for (let j = start; j < end; j++) {
      const c = data.charCodeAt(j);
      if (c === QUOTE || c < 32) return false;
      if (c === BACKSLASH) {
        plain = false;
        if (stringEnd(data, start - 1) !== end) return false;
        value = JSON.parse(data.slice(start - 1, end + 1)) as string;
        break;
      }
    }
    value ??= data.slice(start, end);
    const out = this.summary;
    reset(out);
    if (this.kind === KIND_CONTENT) out.content = value;
    else if (this.kind === KIND_REASONING) out.reasoning = value;
    else out.toolArgs = value;
    return true;
  }
}

/**
 * Cheap deterministic "tokenizer" used for prompt accounting and prefix-cache hashing.
 *
 * Rule: split on whitespace; a word of L characters counts as ceil(L / 4) tokens. Short
 * English words are one token each, long words several, which lands near the ~4 chars/token
 * rule of thumb for BPE tokenizers without needing a vocabulary. Every output word of the
 * simulator is at most 4 characters, so re-counting generated text gives back the number of
 * generated tokens.
 */

/** Output vocabulary: each streamed token is one of these, with a leading space. ASCII only, <= 4 chars. */
// prettier-ignore
export const VOCAB: readonly string[] = [
  'the', 'a', 'of', 'to', 'and', 'in', 'is', 'it', 'that', 'for', 'on', 'with', 'as', 'was', 'at', 'by',
  'this', 'from', 'or', 'be', 'are', 'not', 'but', 'have', 'one', 'all', 'can', 'her', 'his', 'they', 'we', 'an',
  'more', 'time', 'data', 'each', 'fast', 'slow', 'load', 'node', 'run', 'step', 'test', 'word', 'text', 'byte', 'core', 'gpu',
  'kv', 'page', 'rate', 'tick', 'wave', 'seed', 'path', 'rank', 'mode', 'unit', 'sum', 'max', 'min', 'mean', 'peak', 'cold',
];

/** Counts tokens of a string under the rule above. */
export function countTextTokens(text: string): number {
  let tokens = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // space, \t, \n, \v, \f, \r
    if (c === 32 || (c >= 9 && c <= 13)) {
      if (run > 0) tokens += Math.ceil(run / 4);
      run = 0;
    } else {
      run++;
    }
  }
  if (run > 0) tokens += Math.ceil(run / 4);
  return tokens;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Second lane: a different basis and an odd multiplier (murmur2's), so the lanes fail independently. */
const LANE_B_OFFSET = 0x9e3779b9;
const LANE_B_PRIME = 0x5bd1e995;

/**
 * Incremental block hasher for prefix caching. Feeds "pieces" (pseudo tokens); after every `blockSize` pieces it
 * records the running hash, which covers the whole prefix up to and including that block (a chained hash, like
 * vLLM's block hash that includes the parent's). A cache hit must mean "same content", so:
 * - the hash covers every character, whitespace included (`a b` and `ab`, or `a b` and `a\nb`, differ);
 * - it runs two independent 32-bit lanes and keeps 53 bits of them (an exact JS number), so a false hit between
 *   different prefixes needs a 53-bit collision (~1e-16 per lookup) rather than a 32-bit one.
 */
export class BlockHasher {
  readonly blockHashes: number[] = [];
  private a = FNV_OFFSET;
  private b = LANE_B_OFFSET;
  private inBlock = 0;

  constructor(private readonly blockSize: number) {}

  private mix(v: number): void {
    this.a = Math.imul(this.a ^ v, FNV_PRIME);
    const b = Math.imul(this.b ^ v, LANE_B_PRIME);
    this.b = b ^ (b >>> 15);
  }

  /** Feeds one pseudo token: characters text[start, end). */
  pieceChars(text: string, start: number, end: number): void {
    for (let i = start; i < end; i++) this.mix(text.charCodeAt(i));
    this.mix(0x1f0000);
    this.endPiece();
  }

  /** Feeds one token id. */
  pieceId(id: number): void {
    this.mix(id & 0xffff);
    this.mix(id >>> 16);
    this.mix(0x1e0000);
    this.endPiece();
  }

  /** Feeds a separator (e.g. between chat messages); not a token. */
  separator(tag: number): void {
    this.mix(0x100000 + tag);
  }

  /**
   * Feeds text, split into pieces exactly like countTextTokens counts them. The whitespace before a word is hashed
   * into the word's first piece; whitespace after the last word is hashed without making a piece.
   */
  text(text: string): void {
    let wsStart = 0;
    let runStart = -1;
    for (let i = 0; i <= text.length; i++) {
      const c = i < text.length ? text.charCodeAt(i) : 32;
      const isSpace = c === 32 || (c >= 9 && c <= 13);
      if (!isSpace) {
        if (runStart < 0) runStart = i;
        continue;
      }
      if (runStart >= 0) {
        for (let s = runStart; s < i; s += 4) {
          if (s === runStart) for (let w = wsStart; w < runStart; w++) this.mix(text.charCodeAt(w));
          this.pieceChars(text, s, Math.min(s + 4, i));
        }
        runStart = -1;
        wsStart = i;
      }
    }
    for (let w = wsStart; w < text.length; w++) this.mix(text.charCodeAt(w));
  }

  private endPiece(): void {
    this.inBlock++;
    if (this.inBlock === this.blockSize) {
      // 32 bits of lane A and 21 of lane B: at most 2^53 - 1, exact as a Map key
      this.blockHashes.push((this.a >>> 0) * 0x200000 + (this.b >>> 11));
      this.inBlock = 0;
    }
  }
}

/** Ids of printable-ASCII pieces are computed; other pieces are interned from here up (per process). */
const INTERNED_BASE = 1 << 28;
const internedIds = new Map<string, number>();
const internedPieces: string[] = [];

function pieceId(piece: string, afterSpace: boolean): number {
  let code = 0;
  let ascii = piece.length <= 4;
  for (let i = piece.length - 1; ascii && i >= 0; i--) {
    const c = piece.charCodeAt(i);
    if (c < 33 || c > 126) ascii = false;
    else code = code * 95 + (c - 32);
  }
  if (!ascii) {
    let k = internedIds.get(piece);
    if (k === undefined) {
      k = internedPieces.length;
      internedPieces.push(piece);
      internedIds.set(piece, k);
    }
    code = INTERNED_BASE + k;
  }
  return code * 2 + (afterSpace ? 1 : 0);
}

function pieceText(id: number): string {
  if (!Number.isInteger(id) || id < 2) throw new RangeError(`unknown token id ${id}`);
  const afterSpace = (id & 1) === 1;
  let code = Math.floor(id / 2);
  let piece: string;
  if (code >= INTERNED_BASE) {
    const p = internedPieces[code - INTERNED_BASE];
    if (p === undefined) throw new RangeError(`unknown token id ${id}`);
    piece = p;
  } else {
    piece = '';
    while (code > 0) {
      const d = code % 95;
      if (d === 0) throw new RangeError(`unknown token id ${id}`);
      piece += String.fromCharCode(d + 32);
      code = (code - d) / 95;
    }
  }
  return afterSpace ? ' ' + piece : piece;
}

/**
 * Token ids and pieces of a text under the {@link countTextTokens} rule (what `POST /tokenize` returns):
 * `ids.length === countTextTokens(text)`. A piece is up to 4 characters of one word; the first piece of a word
 * that follows whitespace carries a "space before" flag (any whitespace run detokenizes as one space).
 */
export function tokenizeText(text: string): { ids: number[]; pieces: string[] } {
  const ids: number[] = [];
  const pieces: string[] = [];
  const re = /(\s*)(\S+)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const word = m[2]!;
    for (let s = 0; s < word.length; s += 4) {
      const piece = word.slice(s, s + 4);
      const afterSpace = s === 0 && m[1]!.length > 0;
      ids.push(pieceId(piece, afterSpace));
      pieces.push(afterSpace ? ' ' + piece : piece);
    }
  }
  return { ids, pieces };
}

/** Text of token ids from {@link tokenizeText}; throws RangeError on an id it never made. */
export function detokenizeIds(ids: readonly number[]): string {
  let s = '';
  for (const id of ids) s += pieceText(id);
  return s;
}

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

/**
 * Incremental block hasher for prefix caching. Feeds "pieces" (pseudo tokens); after every
 * `blockSize` pieces it records the running hash, which covers the whole prefix up to and
 * including that block (a chained hash, like vLLM's block hash that includes the parent's).
 */
export class BlockHasher {
  readonly blockHashes: number[] = [];
  private hash = FNV_OFFSET;
  private inBlock = 0;

  constructor(private readonly blockSize: number) {}

  /** Feeds one pseudo token given as characters text[start, end). */
  pieceChars(text: string, start: number, end: number): void {
    let h = this.hash;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
    this.hash = Math.imul(h ^ 0x1f, FNV_PRIME);
    this.endPiece();
  }

  /** Feeds one token id. */
  pieceId(id: number): void {
    let h = this.hash;
    h = Math.imul(h ^ (id & 0xffff), FNV_PRIME);
    h = Math.imul(h ^ (id >>> 16), FNV_PRIME);
    this.hash = Math.imul(h ^ 0x1e, FNV_PRIME);
    this.endPiece();
  }

  /** Feeds a separator (e.g. between chat messages); not a token. */
  separator(tag: number): void {
    this.hash = Math.imul(this.hash ^ (0x100 + tag), FNV_PRIME);
  }

  /** Feeds text, split into pieces exactly like countTextTokens counts them. */
  text(text: string): void {
    let runStart = -1;
    for (let i = 0; i <= text.length; i++) {
      const c = i < text.length ? text.charCodeAt(i) : 32;
      const isSpace = c === 32 || (c >= 9 && c <= 13);
      if (!isSpace) {
        if (runStart < 0) runStart = i;
        continue;
      }
      if (runStart >= 0) {
        for (let s = runStart; s < i; s += 4) this.pieceChars(text, s, Math.min(s + 4, i));
        runStart = -1;
      }
    }
  }

  private endPiece(): void {
    this.inBlock++;
    if (this.inBlock === this.blockSize) {
      this.blockHashes.push(this.hash >>> 0);
      this.inBlock = 0;
    }
  }
}

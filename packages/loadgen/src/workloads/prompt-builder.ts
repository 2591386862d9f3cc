import type { Tokenizer } from '../ports.js';
import { createRng, deriveSeed } from '../strategies/rng.js';
import type { Rng } from '../ports.js';
import { generateWords } from './word-stream.js';

/** Words generated per corpus extension; the corpus grows until it holds the longest prompt asked for. */
const CORPUS_CHUNK_WORDS = 4096;
/** Attempts (different offsets) before giving up on an exact count. */
const MAX_OFFSETS = 12;
/** Count/adjust rounds per offset. */
const MAX_ROUNDS = 8;

/** A built prompt and its token count under the builder's tokenizer. */
export interface BuiltText {
  text: string;
  /** tokenizer.count(text) */
  tokens: number;
  /** false only when no exact match was found (the closest is returned); never seen with common tokenizers */
  exact: boolean;
}

/**
 * Builds texts of an EXACT token count for one tokenizer. A seeded word stream is tokenized once into a corpus
 * of token ids; each prompt is a slice of `n` ids at a random offset (so prompts differ from their first token
 * and do not accidentally share a cached prefix), decoded, re-counted and trimmed/padded by ids until
 * `tokenizer.count(text)` is exactly right. The correction needed per length is cached, so the usual cost is one
 * decode and one count per prompt.
 */
export class SyntheticPromptBuilder {
  private readonly corpusIds: number[] = [];
  private readonly corpusRng: Rng;
  private readonly offsetRng: Rng;
  /** extra ids needed at each length the last time (count(decode(ids)) ≠ ids.length for BPE at the seams) */
  private readonly deltaByLength = new Map<number, number>();

  constructor(
    private readonly tokenizer: Tokenizer,
    seed: number,
  ) {
    this.corpusRng = createRng(deriveSeed(seed, 'corpus'));
    this.offsetRng = createRng(deriveSeed(seed, 'offsets'));
  }

  /**
   * A text whose token count is exactly `tokens`, or, with `prefix`, a text `prefix + ' ' + body` whose count is
   * exactly `prefix.tokens + tokens` (the body is what varies).
   */
  build(tokens: number, prefix?: BuiltText): BuiltText {
    if (!Number.isInteger(tokens) || tokens < 1) throw new RangeError(`token count must be an integer ≥ 1, got ${tokens}`);
    const head = prefix ? prefix.text + ' ' : '';
    const target = (prefix?.tokens ?? 0) + tokens;
    this.ensureCorpus(tokens * 2 + 64);
    let best: BuiltText | null = null;
    for (let attempt = 0; attempt < MAX_OFFSETS; attempt++) {
      const maxOffset = this.corpusIds.length - tokens * 2 - 32;
      const offset = Math.floor(this.offsetRng.next() * Math.max(1, maxOffset));
      let k = Math.max(1, tokens + (this.deltaByLength.get(tokens) ?? 0));
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const text = head + this.tokenizer.decode(this.corpusIds.slice(offset, offset + k));
        const count = this.tokenizer.count(text);
        if (count === target) {
          this.deltaByLength.set(tokens, k - tokens);
          return { text, tokens: count, exact: true };
        }
        if (best === null || Math.abs(count - target) < Math.abs(best.tokens - target)) {
          best = { text, tokens: count, exact: false };
        }
        const nextK = Math.max(1, k + (target - count));
        if (nextK === k) break;
        k = nextK;
      }
    }
    return best!;
  }

  private ensureCorpus(minIds: number): void {
    while (this.corpusIds.length < minIds) {
      const ids = this.tokenizer.encode(' ' + generateWords(this.corpusRng, CORPUS_CHUNK_WORDS));
      for (const id of ids) this.corpusIds.push(id);
    }
  }
}

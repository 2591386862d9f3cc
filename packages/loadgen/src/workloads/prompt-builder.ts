import type { Tokenizer } from '../ports.js';
import { createRng, deriveSeed } from '../strategies/rng.js';
import type { Rng } from '../ports.js';
import { WORDS, generateWords } from './word-stream.js';

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
 * Words in the unique opening of every prompt. 277 words ^ 10 ≈ 2^81 openings: two prompts of one run (or of two
 * shards, seeds or load points) practically never open alike (10,000 prompts: ~2^-55 chance of any pair).
 */
const HEAD_WORDS = 10;

/**
 * Builds texts of an EXACT token count for one tokenizer.
 *
 * Every prompt opens with its own {@link HEAD_WORDS} words drawn from the seeded RNG, followed by a slice of a
 * seeded, pre-tokenized word corpus at a random offset. The opening is what keeps prompts apart: a corpus offset
 * alone has only a few thousand values (a 256-token prompt from a 4,096-word corpus: ~4,450), so a run of a few
 * hundred requests repeats whole prompts (birthday collisions), and a server with prefix caching (vLLM's default)
 * then serves those prefills from cache and reports a TTFT better than reality.
 *
 * The ids `opening ++ corpus[offset…]` are cut to `k` ids, decoded, re-counted and `k` corrected until
 * `tokenizer.count(text)` is exactly right. The correction needed per length is cached, so the usual cost is one
 * count per prompt. Decoding is avoided too when the tokenizer decodes id by id (byte-level BPE such as o200k_base:
 * `decode(a ++ b) === decode(a) + decode(b)`, checked on the corpus): the corpus is then kept as text with the
 * character offset of every id, and a slice of ids is a substring.
 */
export class SyntheticPromptBuilder {
  private readonly corpusIds: number[] = [];
  /** when `isPieceDecodable`: the decoded corpus, and the character offset where each id starts (+1 entry: the end) */
  private corpusText = '';
  private readonly corpusCharAt: number[] = [0];
  /** decode(ids) equals the concatenation of decode([id]) on the corpus (undefined until the corpus is built) */
  private isPieceDecodable: boolean | undefined;
  private readonly corpusRng: Rng;
  private readonly offsetRng: Rng;
  private readonly headRng: Rng;
  /** ids of `' ' + WORDS[i]` and their decoded text, made on first use */
  private words: { ids: number[]; text: string }[] | null = null;
  /** extra ids needed at each length the last time (count(decode(ids)) ≠ ids.length for BPE at the seams) */
  private readonly deltaByLength = new Map<number, number>();

  constructor(
    private readonly tokenizer: Tokenizer,
    seed: number,
  ) {
    this.corpusRng = createRng(deriveSeed(seed, 'corpus'));
    this.offsetRng = createRng(deriveSeed(seed, 'offsets'));
    this.headRng = createRng(deriveSeed(seed, 'heads'));
  }

  /**
   * A text whose token count is exactly `tokens`, or, with `prefix`, a text `prefix + ' ' + body` whose count is
   * exactly `prefix.tokens + tokens` (the body is what varies; it opens with its own unique words).
   */
  build(tokens: number, prefix?: BuiltText): BuiltText {
    if (!Number.isInteger(tokens) || tokens < 1)
      throw new RangeError(`token count must be an integer ≥ 1, got ${tokens}`);
    const target = (prefix?.tokens ?? 0) + tokens;
    this.ensureCorpus(tokens * 2 + 64);
    let best: BuiltText | null = null;
    for (let attempt = 0; attempt < MAX_OFFSETS; attempt++) {
      // a new opening per attempt too: an opening whose seams defeat an exact count is not retried
      const open = this.drawOpening();
      const maxOffset = this.corpusIds.length - tokens * 2 - 32;
      const offset = Math.floor(this.offsetRng.next() * Math.max(1, maxOffset));
      let k = Math.max(1, tokens + (this.deltaByLength.get(tokens) ?? 0));
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const body = this.decodeOpeningAndCorpus(open, k, offset);
        // the body opens with ' word', which is the separator after a prefix; a decoder that strips a leading
        // space gets one added (two spaces would cost an extra token and defeat the exact count for short bodies)
        const text = prefix ? prefix.text + (/^\s/.test(body) ? '' : ' ') + body : body;
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

  /** The text of the first `k` ids of `opening ++ corpus[offset…]`. */
  private decodeOpeningAndCorpus(open: { ids: number[]; text: string }, k: number, offset: number): string {
    if (k <= open.ids.length) return this.tokenizer.decode(open.ids.slice(0, k));
    const end = offset + k - open.ids.length;
    if (this.isPieceDecodable)
      return open.text + this.corpusText.slice(this.corpusCharAt[offset], this.corpusCharAt[end]);
    return this.tokenizer.decode(open.ids.concat(this.corpusIds.slice(offset, end)));
  }

  /** HEAD_WORDS words drawn from the head RNG: their ids, and their text when the tokenizer decodes id by id. */
  private drawOpening(): { ids: number[]; text: string } {
    const words = (this.words ??= WORDS.map((w) => {
      const ids = this.tokenizer.encode(' ' + w);
      return { ids, text: this.tokenizer.decode(ids) };
    }));
    const ids: number[] = [];
    let text = '';
    for (let i = 0; i < HEAD_WORDS; i++) {
      const w = words[Math.floor(this.headRng.next() * words.length)]!;
      for (const id of w.ids) ids.push(id);
      text += w.text;
    }
    return { ids, text };
  }

  private ensureCorpus(minIds: number): void {
    while (this.corpusIds.length < minIds) {
      const ids = this.tokenizer.encode(' ' + generateWords(this.corpusRng, CORPUS_CHUNK_WORDS));
      if (this.isPieceDecodable !== false) {
        const pieces = ids.map((id) => this.tokenizer.decode([id]));
        this.isPieceDecodable = pieces.join('') === this.tokenizer.decode(ids);
        if (this.isPieceDecodable) {
          let at = this.corpusCharAt[this.corpusCharAt.length - 1]!;
          for (const piece of pieces) this.corpusCharAt.push((at += piece.length));
          this.corpusText += pieces.join('');
        } else {
          // a later chunk failing the check would leave the text incomplete: drop it for good
          this.corpusText = '';
          this.corpusCharAt.length = 1;
        }
      }
      for (const id of ids) this.corpusIds.push(id);
    }
  }
}

/**
 * Writes `tiny-bpe.tokenizer.json`: a hand-built byte-level BPE (GPT-2 style) with the 256 byte symbols,
 * a dozen hand-picked merges and one special token. Small enough to reason about ids in tests, complete
 * enough (every byte is in the vocabulary) that any UTF-8 text round-trips exactly.
 * Run: npx tsx src/tokenizers/testing/make-tiny-bpe.ts
 */
import { writeFileSync } from 'node:fs';

/** GPT-2's bytes→unicode table: printable bytes map to themselves, the rest to U+0100 upwards. */
function byteSymbols(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const out: string[] = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    out[b] = printable.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + extra++);
  }
  return out;
}

export const TINY_MERGES = [
  'h e',
  't he',
  'Ġ t',
  'Ġt he',
  'a t',
  'Ġ c',
  'Ġc at',
  'Ġ s',
  'Ġs at',
  'o n',
  'Ġ o',
  'Ġo n',
];

export function buildTinyBpe(): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  byteSymbols().forEach((s, i) => (vocab[s] = i));
  let next = 256;
  for (const m of TINY_MERGES) vocab[m.replace(' ', '')] = next++;
  const eos = next;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: eos,
        content: '<|endoftext|>',
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: TINY_MERGES,
    },
  };
}

if (process.argv[1]?.endsWith('make-tiny-bpe.ts')) {
  const path = new URL('./tiny-bpe.tokenizer.json', import.meta.url);
  writeFileSync(path, JSON.stringify(buildTinyBpe()) + '\n');
  console.log(`wrote ${path.pathname}`);
}

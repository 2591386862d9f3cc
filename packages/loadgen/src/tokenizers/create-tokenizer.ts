import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Tokenizer } from '../ports.js';

/** Token specs understood by {@link createTokenizer}. */
export const BUILTIN_TOKENIZERS = ['o200k_base', 'cl100k_base', 'whitespace'] as const;

/**
 * Create a tokenizer from a spec string:
 * - `o200k_base` / `cl100k_base`: OpenAI BPEs via gpt-tokenizer (only the named encoding's module is
 *   loaded: each holds a multi-MB rank table).
 * - `hf:/abs/path/tokenizer.json`: a Hugging Face tokenizer via @huggingface/tokenizers; a
 *   `tokenizer_config.json` next to it is used when present. No special tokens are added (BOS etc.):
 *   counts are of the text itself, the way `usage.completion_tokens` counts output.
 * - `whitespace`: one token per word with its leading whitespace (plus one for trailing whitespace);
 *   ids are assigned on first sight, per instance. For tests.
 *
 * Special-token strings inside text (e.g. `<|endoftext|>`) are encoded as ordinary text, never as the
 * special token and never as an error: prompts are user text.
 */
export async function createTokenizer(spec: string): Promise<Tokenizer> {
  if (spec === 'o200k_base') {
    const enc = await import('gpt-tokenizer/encoding/o200k_base');
    return gptTokenizer(spec, enc);
  }
  if (spec === 'cl100k_base') {
    const enc = await import('gpt-tokenizer/encoding/cl100k_base');
    return gptTokenizer(spec, enc);
  }
  if (spec === 'whitespace') return new WhitespaceTokenizer();
  if (spec.startsWith('hf:')) return createHfTokenizer(spec.slice(3));
  throw new Error(
    `unknown tokenizer spec "${spec}" (expected ${BUILTIN_TOKENIZERS.join(', ')} or hf:/path/tokenizer.json)`,
  );
}

interface GptEncodingModule {
  encode(text: string, opts?: { disallowedSpecial?: Set<string>; allowedSpecial?: Set<string> }): number[];
  decode(ids: Iterable<number>): string;
  countTokens(text: string, opts?: { disallowedSpecial?: Set<string> }): number;
}

function gptTokenizer(name: string, enc: GptEncodingModule): Tokenizer {
  // an empty disallow set: special-token text is encoded as plain text instead of throwing
  const asText = { disallowedSpecial: new Set<string>() };
  return {
    name,
    encode: (text) => enc.encode(text, asText),
    decode: (ids) => enc.decode(ids),
    count: (text) => enc.countTokens(text, asText),
  };
}

async function createHfTokenizer(path: string): Promise<Tokenizer> {
  const { Tokenizer: HfTokenizer } = await import('@huggingface/tokenizers');
  const json: unknown = JSON.parse(await readFile(path, 'utf8'));
  let config: unknown = {};
  try {
    config = JSON.parse(await readFile(join(dirname(path), 'tokenizer_config.json'), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const tok = new HfTokenizer(json as object, config as object);
  const encode = (text: string): number[] => tok.encode(text, { add_special_tokens: false }).ids;
  return {
    name: `hf:${path}`,
    encode,
    // the library rejects an empty id list; the empty text is the right answer
    decode: (ids) =>
      ids.length === 0
        ? ''
        : tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false }),
    count: (text) => encode(text).length,
  };
}

/** See {@link createTokenizer} (`whitespace`). */
export class WhitespaceTokenizer implements Tokenizer {
  readonly name = 'whitespace';
  private readonly ids = new Map<string, number>();
  private readonly pieces: string[] = [];

  encode(text: string): number[] {
    const out: number[] = [];
    for (const piece of splitWords(text)) {
      let id = this.ids.get(piece);
      if (id === undefined) {
        id = this.pieces.length;
        this.pieces.push(piece);
        this.ids.set(piece, id);
      }
      out.push(id);
    }
    return out;
  }

  decode(ids: number[]): string {
    let s = '';
    for (const id of ids) {
      const piece = this.pieces[id];
      if (piece === undefined) throw new RangeError(`unknown whitespace-token id ${id}`);
      s += piece;
    }
    return s;
  }

  count(text: string): number {
    return splitWords(text).length;
  }
}

/** words with their leading whitespace; trailing whitespace is its own piece */
function splitWords(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

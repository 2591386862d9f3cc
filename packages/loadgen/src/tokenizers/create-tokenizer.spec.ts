import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTokenizer } from './create-tokenizer.js';

const TINY_BPE = fileURLToPath(new URL('./testing/tiny-bpe.tokenizer.json', import.meta.url));
const SAMPLES = [
  'Hello, world!',
  'héllo wörld — 你好 🚀✨',
  '  leading and trailing  ',
  'a\n\tb',
  '',
  '<|endoftext|> as text',
];

describe('createTokenizer', () => {
  it('o200k_base: known ids, exact round trip, count = encode length', async () => {
    const tok = await createTokenizer('o200k_base');
    expect(tok.name).toBe('o200k_base');
    // tiktoken o200k_base reference ids
    expect(tok.encode('hello world')).toEqual([24912, 2375]);
    for (const s of SAMPLES) {
      const ids = tok.encode(s);
      expect(tok.decode(ids)).toBe(s);
      expect(tok.count(s)).toBe(ids.length);
    }
    // special-token text is plain text: more than one token, no throw
    expect(tok.count('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('cl100k_base: known ids, differs from o200k_base', async () => {
    const tok = await createTokenizer('cl100k_base');
    // tiktoken cl100k_base reference ids
    expect(tok.encode('hello world')).toEqual([15339, 1917]);
    for (const s of SAMPLES) expect(tok.decode(tok.encode(s))).toBe(s);
    const o200k = await createTokenizer('o200k_base');
    expect(tok.encode('hello world')).not.toEqual(o200k.encode('hello world'));
  });

  it('hf: a hand-built byte-level BPE gives the expected merges and round-trips any UTF-8', async () => {
    const tok = await createTokenizer(`hf:${TINY_BPE}`);
    expect(tok.name).toBe(`hf:${TINY_BPE}`);
    // vocab: ids 0-255 are the byte symbols (id = byte value), then the merges in order: he=256 the=257
    // Ġt=258 Ġthe=259 at=260 Ġc=261 Ġcat=262 Ġs=263 Ġsat=264 on=265 Ġo=266 Ġon=267.
    // BPE applies the lowest-rank merge first: " on" → Ġ + on ("o n" ranks before "Ġ o") and
    // " the" → Ġ + the ("t he" ranks before "Ġ t"), while " cat" → Ġcat via at, Ġc, Ġcat.
    expect(tok.encode('the cat sat on the mat')).toEqual([257, 262, 264, 32, 265, 32, 257, 32, 109, 260]);
    for (const s of SAMPLES) {
      const e = tok.encode(s);
      expect(tok.decode(e)).toBe(s);
      expect(tok.count(s)).toBe(e.length);
    }
    // the special token in text: it is an added token, encoded as its one id
    expect(tok.encode('<|endoftext|>')).toEqual([268]);
  });

  it('whitespace: words with leading whitespace, exact round trip', async () => {
    const tok = await createTokenizer('whitespace');
    expect(tok.count('the cat  sat')).toBe(3);
    expect(tok.count('  x y  ')).toBe(3);
    const ids = tok.encode('a b a');
    expect(ids).toEqual([0, 1, 2]); // 'a', ' b', ' a'
    for (const s of SAMPLES) expect(tok.decode(tok.encode(s))).toBe(s);
    expect(() => tok.decode([999])).toThrow(RangeError);
  });

  it('rejects unknown specs and missing files', async () => {
    await expect(createTokenizer('gpt2-ish')).rejects.toThrow(/unknown tokenizer spec/);
    await expect(createTokenizer('hf:/nonexistent/tokenizer.json')).rejects.toThrow(/ENOENT/);
  });
});

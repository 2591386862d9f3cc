import { describe, expect, it } from 'vitest';
import { decode, encode, countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { Tokenizer } from '../ports.js';
import { WhitespaceTokenizer } from '../engine/testing/whitespace-tokenizer.js';
import { SyntheticPromptBuilder } from './prompt-builder.js';

/** o200k_base through gpt-tokenizer directly (the package's own tokenizer adapters live in src/tokenizers). */
const o200k: Tokenizer = {
  name: 'o200k_base',
  encode: (t) => encode(t),
  decode: (ids) => decode(ids),
  count: (t) => countTokens(t),
};

describe('SyntheticPromptBuilder', () => {
  for (const tok of [new WhitespaceTokenizer(), o200k]) {
    it(`builds prompts of exactly the asked token count (${tok.name})`, () => {
      const b = new SyntheticPromptBuilder(tok, 1);
      for (const n of [1, 2, 3, 7, 50, 128, 129, 500, 1000, 4096]) {
        const p = b.build(n);
        expect(p.exact).toBe(true);
        expect(tok.count(p.text)).toBe(n);
        expect(p.tokens).toBe(n);
      }
    });

    it(`makes different prompts of the same length, reproducibly (${tok.name})`, () => {
      const a = new SyntheticPromptBuilder(tok, 5);
      const b = new SyntheticPromptBuilder(tok, 5);
      const xs = Array.from({ length: 20 }, () => a.build(64).text);
      expect(new Set(xs).size).toBe(20);
      // different first words: no accidental shared prefix between prompts
      expect(new Set(xs.map((x) => x.split(' ').slice(0, 3).join(' '))).size).toBeGreaterThan(15);
      expect(Array.from({ length: 20 }, () => b.build(64).text)).toEqual(xs);
    });

    it(`appends a body to a prefix keeping the total exact (${tok.name})`, () => {
      const b = new SyntheticPromptBuilder(tok, 2);
      const prefix = b.build(300);
      for (const n of [1, 10, 77]) {
        const p = b.build(n, prefix);
        expect(p.text.startsWith(prefix.text + ' ')).toBe(true);
        expect(tok.count(p.text)).toBe(300 + n);
      }
    });
  }

  it('builds long-context prompts of thousands of tokens fast enough', () => {
    const b = new SyntheticPromptBuilder(o200k, 3);
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) expect(o200k.count(b.build(8000).text)).toBe(8000);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});

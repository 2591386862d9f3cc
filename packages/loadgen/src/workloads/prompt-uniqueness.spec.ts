/**
 * Regression: synthetic prompts must never share a prefix by accident. Servers cache prefixes by default (vLLM's
 * automatic prefix caching), so a repeated prompt, or two prompts opening alike, is served from cache and every
 * TTFT we report looks better than reality. The old builder picked prompts only by a corpus offset (~4,450 values
 * for 256 tokens), so a 6-request run already repeated a prompt for some seeds, and 200 prompts held 2 repeats.
 */
import { describe, expect, it } from 'vitest';
import { countTokens, decode, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { WorkloadSpecSchema } from '@inferbench/contracts';
import type { Tokenizer } from '../ports.js';
import { WhitespaceTokenizer } from '../engine/testing/whitespace-tokenizer.js';
import { deriveSeed } from '../strategies/rng.js';
import { createWorkload, type WorkItem } from './workload.js';

const o200k: Tokenizer = {
  name: 'o200k_base',
  encode: (t) => encode(t),
  decode: (ids) => decode(ids),
  count: (t) => countTokens(t),
};

const contentOf = (item: WorkItem): string =>
  item.prompt.kind === 'text' ? item.prompt.text : item.prompt.messages.map((m) => m.content).join('\n');

async function prompts(
  tokenizer: Tokenizer,
  seed: number,
  n: number,
  inputTokens: number,
  extra: object = {},
): Promise<WorkItem[]> {
  const spec = WorkloadSpecSchema.parse({
    kind: 'synthetic',
    inputTokens: { kind: 'fixed', value: inputTokens },
    outputTokens: { kind: 'fixed', value: 8 },
    ...extra,
  });
  const w = await createWorkload(spec, { tokenizer, seed, apiKind: 'chat' });
  return Array.from({ length: n }, () => w.next());
}

describe('synthetic prompts share no prefix unless asked to', () => {
  it('10,000 prompts of 256 tokens (o200k_base) are distinct, exact, and no two share their first 32 tokens', async () => {
    // the seed the CLI's default seed 1 becomes for a one-shard load point (it repeated prompt 2 as prompt 6)
    const items = await prompts(o200k, deriveSeed(1, 'shard', 0, 1), 10_000, 256);
    const texts = items.map(contentOf);
    expect(new Set(texts).size).toBe(10_000);
    const heads = new Set<string>();
    for (const [i, t] of texts.entries()) {
      const ids = encode(t);
      expect(ids.length, `prompt ${i}`).toBe(256);
      expect(items[i]!.promptTokens).toBe(256);
      heads.add(ids.slice(0, 32).join(','));
    }
    expect(heads.size).toBe(10_000);
    // not even the first 16 tokens (one vLLM KV block) repeat
    expect(new Set(texts.map((t) => encode(t).slice(0, 16).join(','))).size).toBe(10_000);
  });

  it('holds for another tokenizer and for short prompts', async () => {
    const ws = new WhitespaceTokenizer();
    const texts = (await prompts(ws, 7, 10_000, 40)).map(contentOf);
    expect(new Set(texts).size).toBe(10_000);
    expect(new Set(texts.map((t) => t.split(/\s+/).filter(Boolean).slice(0, 32).join(' '))).size).toBe(
      10_000,
    );
    for (const t of texts.slice(0, 200)) expect(ws.count(t)).toBe(40);
  });

  it('seeds give independent prompts (two shards never share an opening)', async () => {
    const a = (await prompts(o200k, deriveSeed(1, 'shard', 0, 2), 500, 128)).map(contentOf);
    const b = (await prompts(o200k, deriveSeed(1, 'shard', 1, 2), 500, 128)).map(contentOf);
    const openings = new Set([...a, ...b].map((t) => encode(t).slice(0, 16).join(',')));
    expect(openings.size).toBe(1000);
  });

  it('with sharedPrefix, prompts share exactly the group prefix and diverge right after it', async () => {
    const items = await prompts(o200k, 3, 300, 64, { sharedPrefix: { groups: 2, prefixTokens: 200 } });
    const texts = items.map(contentOf);
    const prefixes = [texts[0]!, texts[1]!].map((t) => encode(t).slice(0, 200).join(','));
    expect(prefixes[0]).not.toBe(prefixes[1]);
    const afterPrefix = new Set<string>();
    for (const [i, t] of texts.entries()) {
      const ids = encode(t);
      expect(ids.length).toBe(264);
      expect(ids.slice(0, 200).join(',')).toBe(prefixes[i % 2]);
      afterPrefix.add(ids.slice(200, 216).join(','));
    }
    expect(afterPrefix.size).toBe(300);
  });
});

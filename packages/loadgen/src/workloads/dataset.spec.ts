import { describe, expect, it } from 'vitest';
import { WorkloadSpecSchema } from '@inferbench/contracts';
import { WhitespaceTokenizer } from '../engine/testing/whitespace-tokenizer.js';
import { parseDataset, toConversation, toPrompt } from './dataset.js';
import { defaultLoadDataset } from './dataset-source.js';
import { createWorkload } from './workload.js';

const PROMPTS = [
  '{"prompt": "one two three"}',
  '',
  '{"prompt": "a b c d e f g h i j"}',
  '{"prompt": "x"}',
].join('\n');
const CHAT = [
  JSON.stringify({
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hello there' },
      { role: 'assistant', content: 'hi how can I help' },
      { role: 'user', content: 'tell me a joke' },
      { role: 'assistant', content: 'no' },
    ],
  }),
].join('\n');
const SHAREGPT = JSON.stringify([
  {
    id: 'a',
    conversations: [
      { from: 'human', value: 'first question here' },
      { from: 'gpt', value: 'first answer with six words' },
      { from: 'human', value: 'second question' },
      { from: 'gpt', value: 'second answer' },
    ],
  },
  { id: 'b', conversations: [{ from: 'gpt', value: 'no human turn: dropped' }] },
]);

const tok = new WhitespaceTokenizer();
const load = (files: Record<string, string>) => async (s: string) => {
  const t = files[s];
  if (t === undefined) throw new Error(`no ${s}`);
  return t;
};

describe('dataset parsing', () => {
  it('reads all three formats', () => {
    expect(parseDataset(PROMPTS).map((r) => r.messages)).toEqual([
      [{ role: 'user', content: 'one two three' }],
      [{ role: 'user', content: 'a b c d e f g h i j' }],
      [{ role: 'user', content: 'x' }],
    ]);
    const [chat] = parseDataset(CHAT);
    expect(chat!.format).toBe('chat');
    expect(chat!.messages).toHaveLength(5);
    const share = parseDataset(SHAREGPT);
    expect(share).toHaveLength(1);
    expect(share[0]!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(() => parseDataset('{"text": 1}')).toThrow(/line 1/);
    expect(() => parseDataset('{"prompt": "ok"}\nnot json')).toThrow(/line 2/);
  });

  it('single-turn conversions: ShareGPT first turn, chat up to its last user message', () => {
    const share = toConversation(parseDataset(SHAREGPT)[0]!, false);
    expect(share.turns).toEqual([{ user: 'first question here', reply: 'first answer with six words' }]);
    const chat = toConversation(parseDataset(CHAT)[0]!, false);
    expect(chat.system).toEqual([{ role: 'system', content: 'be brief' }]);
    expect(chat.history.map((m) => m.content)).toEqual(['hello there', 'hi how can I help']);
    expect(chat.turns).toEqual([{ user: 'tell me a joke', reply: 'no' }]);
    expect(toConversation(parseDataset(CHAT)[0]!, true).turns.map((t) => t.user)).toEqual([
      'hello there',
      'tell me a joke',
    ]);
  });

  it('renders prompts for chat and completions targets', () => {
    expect(toPrompt([{ role: 'user', content: 'hi' }], 'completions')).toEqual({ kind: 'text', text: 'hi' });
    expect(toPrompt([{ role: 'user', content: 'hi' }], 'chat')).toEqual({
      kind: 'chat',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const t = toPrompt(
      [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
      ],
      'completions',
    );
    expect(t).toEqual({ kind: 'text', text: 'User: a\n\nAssistant: b\n\nUser: c\n\nAssistant:' });
  });

  it('filters by input tokens and uses the dataset reply length as output length', async () => {
    const spec = WorkloadSpecSchema.parse({
      kind: 'dataset',
      source: 'p.jsonl',
      minInputTokens: 2,
      maxInputTokens: 5,
    });
    const w = await createWorkload(spec, {
      tokenizer: tok,
      seed: 1,
      apiKind: 'completions',
      loadDataset: load({ 'p.jsonl': PROMPTS }),
    });
    expect(w.notes[0]).toMatch(/2 of 3 dataset records left out/);
    for (let i = 0; i < 5; i++) {
      const item = w.next();
      expect(item.prompt).toEqual({ kind: 'text', text: 'one two three' });
      expect(item.promptTokens).toBe(3);
      expect(item.maxTokens).toBeUndefined();
    }
    const sg = await createWorkload(
      WorkloadSpecSchema.parse({ kind: 'dataset', source: 's', format: 'sharegpt' }),
      {
        tokenizer: tok,
        seed: 1,
        apiKind: 'chat',
        loadDataset: load({ s: SHAREGPT }),
      },
    );
    const item = sg.next();
    expect(item.maxTokens).toBe(5);
    expect(item.prompt).toEqual({
      kind: 'chat',
      messages: [{ role: 'user', content: 'first question here' }],
    });
    const none = WorkloadSpecSchema.parse({ kind: 'dataset', source: 'p.jsonl', minInputTokens: 100 });
    await expect(
      createWorkload(none, {
        tokenizer: tok,
        seed: 1,
        apiKind: 'chat',
        loadDataset: load({ 'p.jsonl': PROMPTS }),
      }),
    ).rejects.toThrow(/no usable records/);
  });

  it('chat records keep their history and system message in one request', async () => {
    const w = await createWorkload(
      WorkloadSpecSchema.parse({ kind: 'dataset', source: 'c', format: 'chat' }),
      {
        tokenizer: tok,
        seed: 1,
        apiKind: 'chat',
        loadDataset: load({ c: CHAT }),
      },
    );
    const item = w.next();
    expect(item.prompt.kind === 'chat' && item.prompt.messages.map((m) => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'user',
    ]);
    expect(item.promptTokens).toBe(2 + 2 + 5 + 4);
    expect(item.maxTokens).toBe(1);
  });

  it('ships the built-in mini-chat dataset (60–100 varied prompts)', async () => {
    const recs = parseDataset(await defaultLoadDataset('builtin:mini-chat'));
    expect(recs.length).toBeGreaterThanOrEqual(60);
    expect(recs.length).toBeLessThanOrEqual(100);
    expect(new Set(recs.map((r) => r.messages[0]!.content)).size).toBe(recs.length);
    await expect(defaultLoadDataset('builtin:nope')).rejects.toThrow(/unknown built-in/);
  });
});

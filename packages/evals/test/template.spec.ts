import { describe, expect, it } from 'vitest';
import { EvalPromptSpecSchema, FewShotSpecSchema, type EvalItem } from '@inferbench/contracts';
import { createSandboxedLiquid, PromptRenderer } from '../src/index.js';

const mcItem: EvalItem = {
  id: 'q1',
  input: 'Which is largest?',
  choices: ['1', '9', '5'],
  answerIndex: 1,
  answer: 'B',
};
const ex1: EvalItem = {
  id: 't1',
  input: 'Which is smallest?',
  choices: ['4', '2'],
  answerIndex: 1,
  answer: 'B',
};
const ex2: EvalItem = {
  id: 't2',
  input: 'Pick the even one.',
  choices: ['6', '7'],
  answerIndex: 0,
  answer: 'A',
};
const template = '{{ question }}\n{% for o in options %}{{ o.letter }}. {{ o.text }}\n{% endfor %}Answer:';

describe('prompt rendering', () => {
  it('completion text with system prompt and single-prompt few-shot', () => {
    const r = new PromptRenderer(
      EvalPromptSpecSchema.parse({ format: 'completion', system: 'Be brief.', template }),
      FewShotSpecSchema.parse({ mode: 'fixed', k: 2 }),
    );
    const p = r.build(mcItem, [ex1, ex2]);
    expect(p).toEqual({
      format: 'completion',
      prompt:
        'Be brief.\n\nWhich is smallest?\nA. 4\nB. 2\nAnswer: B\n\nPick the even one.\nA. 6\nB. 7\nAnswer: A\n\nWhich is largest?\nA. 1\nB. 9\nC. 5\nAnswer:',
    });
  });
  it('chat multi-turn few-shot', () => {
    const r = new PromptRenderer(
      EvalPromptSpecSchema.parse({
        format: 'chat',
        system: 'Letters only. Labels: {{ labels_text }}',
        template: '{{ input }}',
      }),
      FewShotSpecSchema.parse({ mode: 'fixed', k: 1, style: 'multi_turn' }),
      ['x', 'y'],
    );
    const p = r.build(mcItem, [ex1]);
    expect(p).toEqual({
      format: 'chat',
      messages: [
        { role: 'system', content: 'Letters only. Labels: x, y' },
        { role: 'user', content: 'Which is smallest?' },
        { role: 'assistant', content: 'B' },
        { role: 'user', content: 'Which is largest?' },
      ],
    });
  });
  it('chat single-prompt few-shot puts the examples in one user message', () => {
    const r = new PromptRenderer(
      EvalPromptSpecSchema.parse({
        template: 'Q: {{ input }}',
        answerTemplate: 'A: {{ answer_text }}',
        answerSeparator: '\n',
      }),
      FewShotSpecSchema.parse({ mode: 'fixed', k: 1 }),
    );
    const p = r.build(mcItem, [ex2]);
    expect(p).toEqual({
      format: 'chat',
      messages: [{ role: 'user', content: 'Q: Pick the even one.\nA: 6\n\nQ: Which is largest?' }],
    });
  });
});

describe('template sandbox', () => {
  const liquid = createSandboxedLiquid();
  it('has no file access through include / render / layout', () => {
    for (const t of [
      "{% include '/etc/passwd' %}",
      "{% render '/etc/hostname' %}",
      "{% layout '../package.json' %}x",
    ]) {
      expect(() => liquid.parseAndRenderSync(t, {})).toThrow();
    }
  });
  it('has no prototype access', () => {
    const out = liquid.parseAndRenderSync(
      '[{{ item.constructor }}][{{ item.__proto__ }}][{{ item.toString }}][{{ item.hasOwnProperty }}][{{ s.constructor.name }}]',
      { item: { a: 1 }, s: 'x' },
    );
    expect(out).toBe('[][][][][]');
    const inherited = Object.create({ secret: 'leak' }) as Record<string, unknown>;
    expect(liquid.parseAndRenderSync('{{ o.secret }}', { o: inherited })).toBe('');
  });
  it('rejects unknown filters and bounds runaway loops', () => {
    expect(() => liquid.parseAndRenderSync('{{ x | nosuchfilter }}', { x: 1 })).toThrow();
    expect(() => liquid.parseAndRenderSync('{% for i in (1..100000000) %}{{ i }}{% endfor %}', {})).toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import {
  extractAnswer,
  extractJsonField,
  extractLabel,
  extractNumber,
  extractOptionLetter,
  extractRegex,
  extractText,
  splitReasoning,
} from '../src/index.js';

describe('reasoning separation', () => {
  it('removes <think> spans and keeps them as reasoning', () => {
    const s = splitReasoning('<think>Maybe (A)? No, it is 42.</think>The answer is (C).');
    expect(s.content).toBe('The answer is (C).');
    expect(s.reasoning).toBe('Maybe (A)? No, it is 42.');
  });
  it('a closing tag without an opening one: everything before it is reasoning', () => {
    const s = splitReasoning('I guess B... wait.\n</think>\n\nD');
    expect(s.content).toBe('D');
    expect(s.reasoning).toContain('I guess B');
  });
  it('an unclosed <think> (truncated reasoning) leaves no answer', () => {
    const s = splitReasoning('<think>The answer is A because');
    expect(s.content).toBe('');
    expect(extractOptionLetter(s.content, 4).status).toBe('no_answer');
  });
  it('a separate reasoning field is never read by extraction', () => {
    const s = splitReasoning('B', 'Option A looks right... the answer is A');
    expect(s.reasoning).toContain('answer is A');
    expect(extractOptionLetter(s.content, 4)).toMatchObject({ answer: 'B', status: 'ok' });
  });
  it('decoy answers in the reasoning do not leak into any extractor', () => {
    const raw =
      '<think>Is it 17? The answer is (A). {"answer": "wrong"} positive</think>Final: 23, negative, {"answer": "right"}';
    const text = splitReasoning(raw).content;
    expect(extractNumber(text).answer).toBe('23');
    expect(extractOptionLetter(text, 4).status).toBe('no_answer');
    expect(extractLabel(text, ['positive', 'negative']).answer).toBe('negative');
    expect(extractJsonField(text, 'answer').answer).toBe('right');
  });
});

describe('option letters', () => {
  it.each([
    ['C', 'C'],
    ['(B)', 'B'],
    ['**D**', 'D'],
    ['The answer is (C).', 'C'],
    ['Answer: B', 'B'],
    ['I think the answer is D because A is too small.', 'D'],
    ['B. 624', 'B'],
    ['A', 'A'],
    ['A cat would say C.', 'C'],
  ])('%s → %s', (text, letter) => {
    expect(extractOptionLetter(text, 4)).toMatchObject({ answer: letter, status: 'ok' });
  });
  it('first vs last standalone letter', () => {
    expect(extractOptionLetter('B or maybe D', 4, 'first').answer).toBe('B');
    expect(extractOptionLetter('B or maybe D', 4, 'last').answer).toBe('D');
  });
  it('the option text itself counts', () => {
    expect(extractOptionLetter('581', 4, 'first', ['624', '81', '581', '477']).answer).toBe('C');
  });
  it('a letter beyond the options is invalid, nothing is no_answer, and neither is guessed', () => {
    expect(extractOptionLetter('The answer is F', 4)).toEqual({
      answer: null,
      status: 'invalid',
      reason: expect.any(String),
    });
    expect(extractOptionLetter('I do not know.', 4)).toEqual({
      answer: null,
      status: 'no_answer',
      reason: expect.any(String),
    });
    expect(extractOptionLetter('', 4).status).toBe('no_answer');
  });
});

describe('numbers, regex, labels, JSON, text', () => {
  it('numbers', () => {
    expect(extractNumber('She has 12 apples and buys 30: 42 in total').answer).toBe('12');
    expect(extractNumber('She has 12 apples and buys 30: 42 in total', 'last').answer).toBe('42');
    expect(extractNumber('Steps: 3 + 4 = 7\n#### 1,234').answer).toBe('1234');
    expect(extractNumber('3 boxes of 4 is 12. The answer is $12.50.').answer).toBe('12.5');
    expect(extractNumber('-5 degrees').answer).toBe('-5');
    expect(extractNumber('no digits here')).toMatchObject({ answer: null, status: 'no_answer' });
  });
  it('regex', () => {
    expect(extractRegex('Result = [7]', String.raw`\[(\d+)\]`).answer).toBe('7');
    expect(extractRegex('nothing', String.raw`\[(\d+)\]`).status).toBe('no_answer');
    expect(() => extractRegex('x', '(')).toThrow();
  });
  it('labels: exact, one mention, ambiguous', () => {
    expect(extractLabel('Positive.', ['positive', 'negative']).answer).toBe('positive');
    expect(extractLabel('The sentiment is NEGATIVE here', ['positive', 'negative']).answer).toBe('negative');
    expect(extractLabel('positive or negative', ['positive', 'negative']).status).toBe('invalid');
    expect(extractLabel('neutral', ['positive', 'negative']).status).toBe('no_answer');
    // whole words only
    expect(extractLabel('nonpositive', ['positive']).status).toBe('no_answer');
  });
  it('JSON fields', () => {
    expect(extractJsonField('```json\n{"a": {"b": [1, "x"]}}\n```', 'a.b.1').answer).toBe('x');
    expect(extractJsonField('{"answer": 42}', 'answer').answer).toBe('42');
    expect(extractJsonField('{"other": 1}', 'answer').status).toBe('invalid');
    expect(extractJsonField('{"answer": 4', 'answer').status).toBe('invalid');
    expect(extractJsonField('plain text', 'answer').status).toBe('no_answer');
    // a brace inside a string does not end the object
    expect(extractJsonField('{"answer": "a}b"}', 'answer').answer).toBe('a}b');
  });
  it('text and the dispatcher', () => {
    expect(extractText('\n  Paris \nbecause...').answer).toBe('Paris');
    expect(extractText('   ').status).toBe('no_answer');
    expect(extractAnswer('x = 5', { kind: 'number', which: 'first', tolerance: 0 }).answer).toBe('5');
  });
});

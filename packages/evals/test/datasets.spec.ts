import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { EvalDatasetSpecSchema } from '@inferbench/contracts';
import {
  loadDataset,
  parseCsv,
  parseCsvRecords,
  parseJsonl,
  parseParquet,
  rowsToItems,
} from '../src/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'evals-ds-'));
const write = (name: string, text: string | Uint8Array): string => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const spec = (x: Record<string, unknown>) => EvalDatasetSpecSchema.parse(x);

describe('parsers', () => {
  it('CSV: quotes, escaped quotes, embedded newlines, CRLF, BOM', () => {
    const text = '\ufeffa,b\r\n"x, y","say ""hi"""\r\n"multi\nline",2\r\n';
    expect(parseCsvRecords(text)).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['multi\nline', '2'],
    ]);
    expect(parseCsv('q,a\n1,2\n')).toEqual([{ q: '1', a: '2' }]);
    expect(() => parseCsvRecords('"open')).toThrow(/unterminated/);
  });
  it('JSONL: blank lines skipped, bad line reported with its number', () => {
    expect(parseJsonl('{"a":1}\n\n{"a":2}\n')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(() => parseJsonl('{"a":1}\n{oops}\n')).toThrow(/line 2/);
  });
});

describe('layouts', () => {
  it('MMLU-style CSV with and without header', async () => {
    const body = 'What is 2+2?,3,4,5,6,B\n"Largest, by far?",1,2,3,"9",D\n';
    for (const [name, text] of [
      ['mmlu-noheader.csv', body],
      ['mmlu-header.csv', `question,A,B,C,D,answer\n${body}`],
    ] as const) {
      const { items } = await loadDataset(spec({ source: write(name, text), layout: 'mmlu_csv' }));
      expect(items).toHaveLength(2);
      expect(items[0]).toMatchObject({
        id: 'row-1',
        input: 'What is 2+2?',
        choices: ['3', '4', '5', '6'],
        answerIndex: 1,
        answer: 'B',
      });
      expect(items[1]).toMatchObject({ input: 'Largest, by far?', answerIndex: 3, answer: 'D' });
    }
  });
  it('GSM8K-style JSONL: the number after ####', async () => {
    const p = write(
      'gsm.jsonl',
      JSON.stringify({ question: 'Q?', answer: 'Half of 2,468 is <<2468/2=1234>>1234.\n#### 1,234' }) + '\n',
    );
    const { items } = await loadDataset(spec({ source: p, layout: 'gsm8k' }));
    expect(items[0]).toMatchObject({ input: 'Q?', answer: '1234', references: ['1234'] });
    expect(items[0]!.meta!.solution).toContain('Half of');
  });
  it('ARC (nested and flat) and HellaSwag', () => {
    const arc = rowsToItems(
      [
        {
          id: 'arc1',
          question: {
            stem: 'Which?',
            choices: [
              { label: 'A', text: 'x' },
              { label: 'B', text: 'y' },
            ],
          },
          answerKey: 'B',
        },
        {
          id: 'arc2',
          question: 'Flat?',
          choices: { text: ['p', 'q', 'r'], label: ['1', '2', '3'] },
          answerKey: '3',
        },
      ],
      { layout: 'arc' },
    );
    expect(arc.map((i) => [i.id, i.input, i.choices, i.answer])).toEqual([
      ['arc1', 'Which?', ['x', 'y'], 'B'],
      ['arc2', 'Flat?', ['p', 'q', 'r'], 'C'],
    ]);
    const hs = rowsToItems(
      [{ ctx: 'A man opens', endings: ['a door', 'a sea', 'a cat', 'a sky'], label: '0' }],
      { layout: 'hellaswag' },
    );
    expect(hs[0]).toMatchObject({ input: 'A man opens', answerIndex: 0, answer: 'A' });
  });
  it('QA, classification, translation, generic with columns', () => {
    expect(
      rowsToItems([{ question: 'Who?', answers: { text: ['Ada', 'Ada Lovelace'] }, context: 'c' }], {
        layout: 'qa',
      })[0],
    ).toMatchObject({
      answer: 'Ada',
      references: ['Ada', 'Ada Lovelace'],
      context: 'c',
    });
    expect(rowsToItems([{ text: 'great', label: 'pos' }], { layout: 'classification' })[0]).toMatchObject({
      input: 'great',
      answer: 'pos',
    });
    expect(
      rowsToItems([{ translation: { en: 'the cat', fr: 'le chat' } }], {
        layout: 'translation',
        sourceLang: 'en',
        targetLang: 'fr',
      })[0],
    ).toMatchObject({
      input: 'the cat',
      references: ['le chat'],
    });
    expect(rowsToItems([{ source: 'dog', target: 'chien' }], { layout: 'translation' })[0]).toMatchObject({
      input: 'dog',
      answer: 'chien',
    });
    const g = rowsToItems([{ key: 'k1', prompt: 'Pick', o1: 'a', o2: 'b', gold: 'b' }], {
      layout: 'generic',
      columns: { id: 'key', input: 'prompt', choices: ['o1', 'o2'], answer: 'gold' },
    });
    expect(g[0]).toMatchObject({ id: 'k1', input: 'Pick', choices: ['a', 'b'], answerIndex: 1, answer: 'B' });
    expect(() =>
      rowsToItems([{ question: 'q', A: 'a', B: 'b', answer: 'Z' }], { layout: 'mmlu_csv' }),
    ).toThrow(/not one of/);
  });
  it('duplicate ids are rejected; limit applies', async () => {
    const p = write('dup.jsonl', '{"id":"a","input":"x"}\n{"id":"a","input":"y"}\n');
    await expect(loadDataset(spec({ source: p }))).rejects.toThrow(/duplicate/);
    const q = write('lim.jsonl', '{"id":"a","input":"x"}\n{"id":"b","input":"y"}\n');
    expect((await loadDataset(spec({ source: q, limit: 1 }))).items.map((i) => i.id)).toEqual(['a']);
  });
});

describe('Parquet (written with hyparquet-writer, read with hyparquet)', () => {
  it('reads MMLU-like columns through a column mapping', async () => {
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'qid', data: ['p1', 'p2'], type: 'STRING' },
        { name: 'question', data: ['Largest?', 'Smallest?'], type: 'STRING' },
        { name: 'A', data: ['1', '8'], type: 'STRING' },
        { name: 'B', data: ['9', '2'], type: 'STRING' },
        { name: 'label', data: [1, 1], type: 'INT32' },
      ],
    });
    const p = write('mc.parquet', new Uint8Array(buf));
    const rows = await parseParquet(new Uint8Array(buf));
    expect(rows).toEqual([
      { qid: 'p1', question: 'Largest?', A: '1', B: '9', label: 1 },
      { qid: 'p2', question: 'Smallest?', A: '8', B: '2', label: 1 },
    ]);
    const { items } = await loadDataset(
      spec({ source: p, columns: { id: 'qid', input: 'question', choices: ['A', 'B'], answer: 'label' } }),
    );
    expect(items.map((i) => [i.id, i.input, i.choices, i.answer])).toEqual([
      ['p1', 'Largest?', ['1', '9'], 'B'],
      ['p2', 'Smallest?', ['8', '2'], 'B'],
    ]);
  });
  it('reads a QA file with int64 and string columns', async () => {
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'question', data: ['Capital of Peru?'], type: 'STRING' },
        { name: 'answer', data: ['Lima'], type: 'STRING' },
        { name: 'n', data: [5n], type: 'INT64' },
      ],
    });
    const p = write('qa.parquet', new Uint8Array(buf));
    const { items } = await loadDataset(spec({ source: p, layout: 'qa' }));
    expect(items[0]).toMatchObject({ input: 'Capital of Peru?', answer: 'Lima' });
    expect((await parseParquet(new Uint8Array(buf)))[0]!.n).toBe(5);
  });
});

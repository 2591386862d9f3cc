import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EvalItemSchema, EvalSuiteSchema, type EvalItem } from '@inferbench/contracts';
import { builtinDatasets, toJsonl } from '../scripts/generate-builtin.js';
import {
  aggregateTask,
  BUILTIN_DATA_DIR,
  BUILTIN_SUITES,
  Bm25Index,
  corpusBleu,
  exactMatch,
  FewShotSelector,
  loadBuiltinSuite,
  loadDataset,
  parseSuite,
  PreparedTask,
  runTask,
  type EvalRequest,
} from '../src/index.js';

describe('built-in suites', () => {
  it('parse with the contracts schema, load their datasets and prepare every task', async () => {
    let total = 0;
    for (const name of BUILTIN_SUITES) {
      const suite = await loadBuiltinSuite(name);
      expect(EvalSuiteSchema.safeParse(suite).success).toBe(true);
      for (const t of suite.tasks) {
        const { items, train } = await loadDataset(t.dataset);
        expect(items.length).toBeGreaterThan(0);
        for (const it of items) expect(EvalItemSchema.safeParse(it).success).toBe(true);
        const task = new PreparedTask(t, train);
        // every item renders; few-shot examples never include the item itself
        for (const it of items) {
          task.buildPrompt(task.variants(it)[0]!, it);
          expect(task.fewShot.select(it).some((e) => e.id === it.id)).toBe(false);
        }
        if (t.fewShot.k > 0) expect(task.fewShot.select(items[0]!)).toHaveLength(t.fewShot.k);
        total += items.length;
      }
    }
    expect(total).toBeGreaterThan(300);
  });

  it('the shipped data files are exactly what the seeded generator writes', () => {
    const files = builtinDatasets();
    expect(files.reduce((a, f) => a + f.items.length, 0)).toBeGreaterThanOrEqual(400);
    for (const f of files) {
      expect(readFileSync(path.join(BUILTIN_DATA_DIR, `${f.name}.jsonl`), 'utf8')).toBe(toJsonl(f.items));
    }
  });

  it('built-in items are sound: unique ids, MC answers are the largest option, arithmetic answers are integers', () => {
    const byName = new Map(builtinDatasets().map((f) => [f.name, f.items]));
    const all = [...byName.values()].flat();
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
    const toMeters = (s: string): number => {
      const [v, u] = s.split(' ');
      return Number(v) * (u === 'km' ? 1000 : u === 'cm' ? 0.01 : 1);
    };
    for (const it of [...byName.get('larger')!, ...byName.get('larger-train')!]) {
      const vals = it.choices!.map(toMeters);
      expect(vals.filter((v) => v === Math.max(...vals))).toHaveLength(1);
      expect(vals[it.answerIndex!]).toBe(Math.max(...vals));
    }
    const letters = byName.get('larger')!.map((i) => i.answer);
    expect(new Set(letters).size).toBe(4); // answers are spread over the options
    for (const it of byName.get('arith')!) expect(Number.isInteger(Number(it.answer))).toBe(true);
  });

  it('translation items are 5–9-word sentences whose articles agree, and max_tokens holds every reference', async () => {
    const byName = new Map(builtinDatasets().map((f) => [f.name, f.items]));
    const suite = await loadBuiltinSuite('mini');
    for (const lang of ['fr', 'de'] as const) {
      const test = byName.get(`en-${lang}`)!;
      const train = byName.get(`en-${lang}-train`)!;
      expect([test.length, train.length]).toEqual([40, 10]);
      const all = [...train, ...test];
      expect(new Set(all.map((i) => i.input.toLowerCase())).size).toBe(all.length);
      for (const it of all) {
        const words = (s: string): number => s.split(/\s+/).filter(Boolean).length;
        expect(words(it.input), it.input).toBeGreaterThanOrEqual(5);
        expect(words(it.input), it.input).toBeLessThanOrEqual(9);
        expect(words(it.answer!), it.answer).toBeGreaterThanOrEqual(5);
        expect(words(it.answer!), it.answer).toBeLessThanOrEqual(9);
        expect(it.references).toEqual([it.answer]);
        expect(it.answer).toMatch(/^[A-Z].*[^.]\.$/);
        if (lang === 'fr') {
          // the article's gender is the adjective form's (rouge is both): La ⇔ feminine form
          const gender: Record<string, 'm' | 'f'> = {
            ...{ noir: 'm', blanc: 'm', vert: 'm', bleu: 'm', petit: 'm', vieux: 'm' },
            ...{ noire: 'f', blanche: 'f', verte: 'f', bleue: 'f', petite: 'f', vieille: 'f' },
          };
          const [article, w1, w2] = it.answer!.split(' ') as [string, string, string];
          const adj = w1 in gender ? w1 : w2;
          expect(['Le', 'La']).toContain(article);
          if (adj !== 'rouge') expect(gender[adj], it.answer).toBe(article === 'La' ? 'f' : 'm');
          expect(it.answer).toMatch(/ est (sur|dans|sous|à côté de) (la|le) \p{L}+\.$/u);
        } else {
          // nominative definite article + weak adjective ending -e; dative after the preposition
          expect(it.answer).toMatch(
            /^(Der|Die|Das) \p{L}+e \p{Lu}\p{L}+ ist (im|in der|auf dem|unter dem|neben der) \p{Lu}\p{L}+\.$/u,
          );
        }
      }
      // a byte-level BPE never needs more tokens than the UTF-8 bytes of the text: max_tokens holds every answer
      const spec = suite.tasks.find((t) => t.id === `translate-en-${lang}`)!;
      const longest = Math.max(...all.map((i) => Buffer.byteLength(i.answer!, 'utf8')));
      expect(longest).toBeGreaterThan(32); // the old limit would cut the longest answers on such a tokenizer
      expect(spec.generation.maxTokens).toBeGreaterThanOrEqual(longest);
    }
  });

  it('translation BLEU is clearly non-zero when 3 of 4 answers are right and the rest are other references', () => {
    for (const lang of ['fr', 'de']) {
      const items = builtinDatasets().find((f) => f.name === `en-${lang}`)!.items;
      // like the simulator's answer key: a wrong answer is another item's reference
      const hyps = items.map((it, i) => (i % 4 === 3 ? items[(i + 1) % items.length]!.answer! : it.answer!));
      const refs = items.map((it) => it.references!);
      const em = hyps.filter((h, i) => exactMatch(h, refs[i]!) === 1).length / items.length;
      expect(em).toBe(0.75);
      const bleu = corpusBleu(hyps, refs);
      expect(bleu.precisions[3]).toBeGreaterThan(70); // 4-grams exist and the right answers match all of theirs
      expect(bleu.score, lang).toBeGreaterThan(70);
      expect(bleu.score, lang).toBeLessThan(100);
    }
  });

  it('a perfect fake model scores 1 on the arithmetic task; a silent one 0 with parse failures', async () => {
    const suite = await loadBuiltinSuite('mini');
    const t = suite.tasks.find((x) => x.id === 'arith')!;
    const { items, train } = await loadDataset(t.dataset);
    const task = new PreparedTask(t, train);
    const answerOf = new Map(items.map((i) => [i.input, i.answer]));
    const perfect = async (req: EvalRequest) => {
      const msgs = req.body.messages as Array<{ content: string }>;
      const text = msgs[msgs.length - 1]!.content;
      const q = text.slice(text.lastIndexOf('Question: ') + 'Question: '.length);
      return {
        status: 200,
        body: { choices: [{ message: { content: `Working... The answer is ${answerOf.get(q)}.` } }] },
      };
    };
    const recs = await runTask(task, items, perfect, { model: 'm' });
    expect(aggregateTask(task.spec, recs).accuracy.value).toBe(1);
    const silent = await runTask(
      task,
      items,
      async () => ({ status: 200, body: { choices: [{ message: { content: 'No idea.' } }] } }),
      { model: 'm' },
    );
    const s = aggregateTask(task.spec, silent);
    expect([s.accuracy.value, s.parseFailureRate]).toEqual([0, 1]);
  });

  it('rejects a suite with duplicate task ids or unknown keys', () => {
    const t =
      'id: a\n    dataset: { source: x.jsonl }\n    prompt: { template: q }\n    scoring: { mode: generate, extract: { kind: text } }';
    expect(() => parseSuite(`name: s\ntasks:\n  - ${t}\n  - ${t}\n`)).toThrow(/unique/);
    expect(() => parseSuite(`name: s\ntasks:\n  - ${t}\n    bogus: 1\n`)).toThrow();
    expect(parseSuite(`name: s\ntasks:\n  - ${t}\n`).tasks[0]!.fewShot.mode).toBe('zero');
  });
});

describe('few-shot selection', () => {
  const train: EvalItem[] = [
    { id: 't1', input: 'What is the capital of France?', answer: 'Paris' },
    { id: 't2', input: 'How many legs does a spider have?', answer: '8' },
    { id: 't3', input: 'What is the capital city of Japan?', answer: 'Tokyo' },
    { id: 't4', input: 'Boiling point of water in Celsius?', answer: '100' },
    { id: 't5', input: 'How many legs does an insect have?', answer: '6' },
  ];
  const q: EvalItem = { id: 'q', input: 'How many legs does a cat have?' };
  it('zero, fixed (first k or ids), random (seeded per item)', () => {
    expect(
      new FewShotSelector(
        { mode: 'zero', k: 3, seed: 1, style: 'single_prompt', separator: '' },
        train,
      ).select(q),
    ).toEqual([]);
    expect(
      new FewShotSelector({ mode: 'fixed', k: 2, seed: 1, style: 'single_prompt', separator: '' }, train)
        .select(q)
        .map((x) => x.id),
    ).toEqual(['t1', 't2']);
    expect(
      new FewShotSelector(
        { mode: 'fixed', k: 2, ids: ['t4', 't2'], seed: 1, style: 'single_prompt', separator: '' },
        train,
      )
        .select(q)
        .map((x) => x.id),
    ).toEqual(['t4', 't2']);
    const r = new FewShotSelector(
      { mode: 'random', k: 3, seed: 42, style: 'single_prompt', separator: '' },
      train,
    );
    const a = r.select(q).map((x) => x.id);
    expect(a).toHaveLength(3);
    expect(new Set(a).size).toBe(3);
    expect(r.select(q).map((x) => x.id)).toEqual(a);
    const other = new FewShotSelector(
      { mode: 'random', k: 3, seed: 43, style: 'single_prompt', separator: '' },
      train,
    );
    const differs = ['q', 'q2', 'q3', 'q4'].some(
      (id) => JSON.stringify(other.select({ ...q, id })) !== JSON.stringify(r.select({ ...q, id })),
    );
    expect(differs).toBe(true);
    // the item itself is never its own example
    expect(r.select(train[0]!).some((x) => x.id === 't1')).toBe(false);
  });
  it('similar: BM25 picks the lexically closest train items', () => {
    const s = new FewShotSelector(
      { mode: 'similar', k: 2, seed: 1, style: 'single_prompt', separator: '' },
      train,
    );
    expect(
      s
        .select(q)
        .map((x) => x.id)
        .sort(),
    ).toEqual(['t2', 't5']);
    expect(
      s
        .select({ id: 'z', input: 'capital of Italy' })
        .map((x) => x.id)
        .sort(),
    ).toEqual(['t1', 't3']);
  });
  it('BM25 scores by hand', () => {
    const idx = new Bm25Index(['a b', 'a c c']);
    // N = 2, df(c) = 1: idf = ln(1 + 1.5/1.5) = ln 2; doc 1: f = 2, |d| = 3, avgdl = 2.5
    const expected = (Math.log(2) * 2 * 2.5) / (2 + 1.5 * (1 - 0.75 + (0.75 * 3) / 2.5));
    expect(idx.score('c', 1)).toBeCloseTo(expected, 12);
    expect(idx.score('c', 0)).toBe(0);
  });
});

/**
 * Generates the built-in datasets in packages/evals/data/ deterministically (seeded), from text written for
 * this project (license-clean). Run: `pnpm --filter @inferbench/evals generate-suites` (or
 * `npx tsx scripts/generate-builtin.ts [outDir]`). Running it again produces byte-identical files (a test checks).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EvalItem } from '@inferbench/contracts';
import { createRng, seededShuffle, type Rng } from '../src/rng.js';

const LETTERS = ['A', 'B', 'C', 'D'];

function mc(id: string, input: string, choices: string[], answerIndex: number): EvalItem {
  return {
    id,
    input,
    choices,
    answerIndex,
    answer: LETTERS[answerIndex]!,
    references: [LETTERS[answerIndex]!],
  };
}

/** "Which is larger": plain numbers and lengths with units; exactly one largest option. */
function largerItems(rng: Rng): EvalItem[] {
  const out: EvalItem[] = [];
  const units: Array<[string, number]> = [
    ['cm', 0.01],
    ['m', 1],
    ['km', 1000],
  ];
  for (let i = 0; out.length < 100; i++) {
    if (i % 2 === 0) {
      const vals = new Set<number>();
      while (vals.size < 4) vals.add(10 + rng.int(990));
      const nums = [...vals];
      const best = nums.indexOf(Math.max(...nums));
      out.push(
        mc(
          `larger-${String(out.length + 1).padStart(3, '0')}`,
          'Which number is the largest?',
          nums.map(String),
          best,
        ),
      );
    } else {
      const opts: Array<{ text: string; meters: number }> = [];
      const seen = new Set<number>();
      while (opts.length < 4) {
        const [u, f] = units[rng.int(units.length)]!;
        const v = 1 + rng.int(u === 'km' ? 9 : u === 'm' ? 2000 : 50000);
        const meters = Math.round(v * f * 100) / 100;
        if (seen.has(meters)) continue;
        seen.add(meters);
        opts.push({ text: `${v} ${u}`, meters });
      }
      const ms = opts.map((o) => o.meters);
      const best = ms.indexOf(Math.max(...ms));
      out.push(
        mc(
          `larger-${String(out.length + 1).padStart(3, '0')}`,
          'Which length is the longest?',
          opts.map((o) => o.text),
          best,
        ),
      );
    }
  }
  return out;
}

const NAMES: Array<[string, string]> = [
  ['Anna', 'She'],
  ['Ben', 'He'],
  ['Carla', 'She'],
  ['David', 'He'],
  ['Elena', 'She'],
  ['Farid', 'He'],
  ['Grace', 'She'],
  ['Hugo', 'He'],
];
const OBJECTS = ['apples', 'pencils', 'stickers', 'marbles', 'cookies', 'books', 'stamps', 'shells'];
const CONVERSIONS: Array<[string, string, number]> = [
  ['meters', 'centimeters', 100],
  ['kilometers', 'meters', 1000],
  ['hours', 'minutes', 60],
  ['minutes', 'seconds', 60],
  ['kilograms', 'grams', 1000],
  ['days', 'hours', 24],
  ['weeks', 'days', 7],
  ['dollars', 'cents', 100],
];

/** Arithmetic word problems and unit conversions with integer answers; `meta.solution` is a worked line. */
function arithItems(rng: Rng): EvalItem[] {
  const out: EvalItem[] = [];
  for (let i = 0; i < 120; i++) {
    const [name, pron] = NAMES[rng.int(NAMES.length)]!;
    const obj = OBJECTS[rng.int(OBJECTS.length)]!;
    const kind = i % 6;
    let input: string;
    let answer: number;
    let solution: string;
    if (kind === 0) {
      const a = 3 + rng.int(60);
      const b = 2 + rng.int(40);
      answer = a + b;
      input = `${name} has ${a} ${obj}. ${pron} buys ${b} more. How many ${obj} does ${name} have now?`;
      solution = `${a} + ${b} = ${answer}.`;
    } else if (kind === 1) {
      const b = 2 + rng.int(30);
      const a = b + 1 + rng.int(60);
      answer = a - b;
      input = `${name} had ${a} ${obj} and gave ${b} of them away. How many ${obj} does ${name} have left?`;
      solution = `${a} - ${b} = ${answer}.`;
    } else if (kind === 2) {
      const a = 2 + rng.int(12);
      const b = 2 + rng.int(12);
      answer = a * b;
      input = `A box holds ${a} ${obj}. How many ${obj} are in ${b} boxes?`;
      solution = `${a} × ${b} = ${answer}.`;
    } else if (kind === 3) {
      const a = 2 + rng.int(15);
      const b = 2 + rng.int(8);
      answer = a;
      input = `${a * b} ${obj} are shared equally among ${b} friends. How many ${obj} does each friend get?`;
      solution = `${a * b} ÷ ${b} = ${answer}.`;
    } else if (kind === 4) {
      const a = 2 + rng.int(8);
      const b = 3 + rng.int(10);
      const c = 1 + rng.int(a * b - 1);
      answer = a * b - c;
      input = `${name} buys ${a} packs of ${b} ${obj} and gives away ${c} ${obj}. How many ${obj} does ${name} keep?`;
      solution = `${a} × ${b} = ${a * b}; ${a * b} - ${c} = ${answer}.`;
    } else {
      const [from, to, f] = CONVERSIONS[rng.int(CONVERSIONS.length)]!;
      const v = 2 + rng.int(18);
      answer = v * f;
      input = `How many ${to} are there in ${v} ${from}?`;
      solution = `1 ${from.replace(/s$/, '')} is ${f} ${to}, so ${v} × ${f} = ${answer}.`;
    }
    out.push({
      id: `arith-${String(i + 1).padStart(3, '0')}`,
      input,
      answer: String(answer),
      references: [String(answer)],
      meta: { solution },
    });
  }
  return out;
}

/** Short sentiment sentences (5 positive and 5 negative frames × 8 things). */
function sentimentItems(rng: Rng): EvalItem[] {
  const things = ['movie', 'meal', 'hotel', 'book', 'phone', 'concert', 'game', 'service'];
  const pos = [
    'I loved this {t}.',
    'The {t} was excellent.',
    'What a wonderful {t}!',
    'This {t} made me very happy.',
    'The {t} was better than I hoped.',
  ];
  const neg = [
    'I hated this {t}.',
    'The {t} was terrible.',
    'What an awful {t}!',
    'This {t} made me very sad.',
    'The {t} was a complete waste of money.',
  ];
  const all: EvalItem[] = [];
  for (const t of things) {
    for (const f of pos)
      all.push({ id: '', input: f.replace('{t}', t), answer: 'positive', references: ['positive'] });
    for (const f of neg)
      all.push({ id: '', input: f.replace('{t}', t), answer: 'negative', references: ['negative'] });
  }
  return seededShuffle(all, rng).map((it, i) => ({ ...it, id: `sent-${String(i + 1).padStart(3, '0')}` }));
}

/** Capital cities (well-established ones only); aliases as extra references. */
const CAPITALS: Array<[string, string[]]> = [
  ['France', ['Paris']],
  ['Germany', ['Berlin']],
  ['Italy', ['Rome']],
  ['Spain', ['Madrid']],
  ['Portugal', ['Lisbon']],
  ['Japan', ['Tokyo']],
  ['China', ['Beijing']],
  ['Russia', ['Moscow']],
  ['the United Kingdom', ['London']],
  ['Ireland', ['Dublin']],
  ['Norway', ['Oslo']],
  ['Sweden', ['Stockholm']],
  ['Finland', ['Helsinki']],
  ['Denmark', ['Copenhagen']],
  ['Poland', ['Warsaw']],
  ['Austria', ['Vienna']],
  ['Hungary', ['Budapest']],
  ['Greece', ['Athens']],
  ['Egypt', ['Cairo']],
  ['Kenya', ['Nairobi']],
  ['Peru', ['Lima']],
  ['Argentina', ['Buenos Aires']],
  ['Chile', ['Santiago']],
  ['Colombia', ['Bogotá', 'Bogota']],
  ['Mexico', ['Mexico City']],
  ['Canada', ['Ottawa']],
  ['Cuba', ['Havana']],
  ['Thailand', ['Bangkok']],
  ['Vietnam', ['Hanoi']],
  ['South Korea', ['Seoul']],
  ['the Philippines', ['Manila']],
  ['India', ['New Delhi']],
  ['Iran', ['Tehran']],
  ['Iraq', ['Baghdad']],
  ['Saudi Arabia', ['Riyadh']],
  ['Turkey', ['Ankara']],
  ['Ukraine', ['Kyiv', 'Kiev']],
  ['the Czech Republic', ['Prague']],
  ['Belgium', ['Brussels']],
  ['Australia', ['Canberra']],
  ['New Zealand', ['Wellington']],
  ['Iceland', ['Reykjavik', 'Reykjavík']],
  ['Romania', ['Bucharest']],
  ['Bulgaria', ['Sofia']],
  ['Serbia', ['Belgrade']],
  ['Croatia', ['Zagreb']],
  ['Morocco', ['Rabat']],
  ['Ethiopia', ['Addis Ababa']],
  ['Nigeria', ['Abuja']],
  ['Ghana', ['Accra']],
  ['Venezuela', ['Caracas']],
  ['Uruguay', ['Montevideo']],
  ['Paraguay', ['Asunción', 'Asuncion']],
  ['Afghanistan', ['Kabul']],
  ['Pakistan', ['Islamabad']],
  ['Nepal', ['Kathmandu']],
  ['Estonia', ['Tallinn']],
  ['Latvia', ['Riga']],
  ['Lithuania', ['Vilnius']],
  ['Canada', ['Ottawa']],
];

function capitalItems(rng: Rng): EvalItem[] {
  const unique = CAPITALS.filter(([c], i) => CAPITALS.findIndex(([d]) => d === c) === i);
  return seededShuffle(unique, rng).map(([country, refs], i) => ({
    id: `cap-${String(i + 1).padStart(3, '0')}`,
    input: `What is the capital of ${country}?`,
    answer: refs[0]!,
    references: refs,
  }));
}

/**
 * Translation sentences, "The <adjective> <noun> is <place>." (5–9 words on every side), from small vetted tables:
 * every noun's gender in French and German is listed, French colours follow the noun and agree with it ("la tasse
 * blanche"), "small" / "old" precede it ("la petite tasse", "le vieux chapeau"; no masculine noun starts with a
 * vowel, so never "vieil"); German uses the weak ending -e after the nominative definite article for every gender
 * ("der alte Hut", "die rote Tasse", "das blaue Glas") and the dative after the place prepositions ("auf dem Tisch",
 * "in der Küche", "im Garten").
 */
interface TrNoun {
  en: string;
  fr: string;
  frFem: boolean;
  /** German with its nominative definite article, e.g. "die Tasse" */
  de: string;
  /** the adjectives (keys of TR_ADJECTIVES) that make a natural phrase with this noun */
  adjectives: readonly string[];
}
const ALL_ADJ = ['black', 'white', 'red', 'green', 'blue', 'small', 'old'] as const;
const TR_NOUNS: readonly TrNoun[] = [
  { en: 'cup', fr: 'tasse', frFem: true, de: 'die Tasse', adjectives: ALL_ADJ },
  { en: 'book', fr: 'livre', frFem: false, de: 'das Buch', adjectives: ALL_ADJ },
  { en: 'lamp', fr: 'lampe', frFem: true, de: 'die Lampe', adjectives: ALL_ADJ },
  { en: 'bottle', fr: 'bouteille', frFem: true, de: 'die Flasche', adjectives: ALL_ADJ },
  { en: 'hat', fr: 'chapeau', frFem: false, de: 'der Hut', adjectives: ALL_ADJ },
  { en: 'shirt', fr: 'chemise', frFem: true, de: 'das Hemd', adjectives: ALL_ADJ },
  { en: 'glass', fr: 'verre', frFem: false, de: 'das Glas', adjectives: ALL_ADJ },
  { en: 'apple', fr: 'pomme', frFem: true, de: 'der Apfel', adjectives: ['red', 'green', 'small'] },
  { en: 'cat', fr: 'chat', frFem: false, de: 'die Katze', adjectives: ['black', 'white', 'small', 'old'] },
  { en: 'dog', fr: 'chien', frFem: false, de: 'der Hund', adjectives: ['black', 'white', 'small', 'old'] },
];
/** French masculine / feminine, whether it precedes the noun; German stem (the -e ending is added). */
const TR_ADJECTIVES: Readonly<Record<string, { frM: string; frF: string; frBefore: boolean; de: string }>> = {
  black: { frM: 'noir', frF: 'noire', frBefore: false, de: 'schwarz' },
  white: { frM: 'blanc', frF: 'blanche', frBefore: false, de: 'weiß' },
  red: { frM: 'rouge', frF: 'rouge', frBefore: false, de: 'rot' },
  green: { frM: 'vert', frF: 'verte', frBefore: false, de: 'grün' },
  blue: { frM: 'bleu', frF: 'bleue', frBefore: false, de: 'blau' },
  small: { frM: 'petit', frF: 'petite', frBefore: true, de: 'klein' },
  old: { frM: 'vieux', frF: 'vieille', frBefore: true, de: 'alt' },
};
const TR_PLACES: ReadonlyArray<{ en: string; fr: string; de: string }> = [
  { en: 'on the table', fr: 'sur la table', de: 'auf dem Tisch' },
  { en: 'in the kitchen', fr: 'dans la cuisine', de: 'in der Küche' },
  { en: 'in the garden', fr: 'dans le jardin', de: 'im Garten' },
  { en: 'under the bed', fr: 'sous le lit', de: 'unter dem Bett' },
  { en: 'next to the door', fr: 'à côté de la porte', de: 'neben der Tür' },
  { en: 'on the chair', fr: 'sur la chaise', de: 'auf dem Stuhl' },
  { en: 'in the car', fr: 'dans la voiture', de: 'im Auto' },
];

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** One sentence in English and in the target language. */
function translationSentence(
  noun: TrNoun,
  adjective: string,
  place: { en: string; fr: string; de: string },
  lang: 'fr' | 'de',
): { en: string; target: string } {
  const a = TR_ADJECTIVES[adjective]!;
  const en = `The ${adjective} ${noun.en} is ${place.en}.`;
  if (lang === 'fr') {
    const adj = noun.frFem ? a.frF : a.frM;
    const np = a.frBefore ? `${adj} ${noun.fr}` : `${noun.fr} ${adj}`;
    return { en, target: `${noun.frFem ? 'La' : 'Le'} ${np} est ${place.fr}.` };
  }
  const [article, de] = noun.de.split(' ') as [string, string];
  return { en, target: `${capitalise(article)} ${a.de}e ${de} ist ${place.de}.` };
}

/** 50 distinct sentences: the nouns in turn (5 each), adjective and place drawn by the seeded generator. */
function translationItems(rng: Rng, lang: 'fr' | 'de'): EvalItem[] {
  const all: EvalItem[] = [];
  const seen = new Set<string>();
  const nouns = seededShuffle(TR_NOUNS, rng);
  for (let i = 0; all.length < 50; i++) {
    const noun = nouns[i % nouns.length]!;
    const adjective = noun.adjectives[rng.int(noun.adjectives.length)]!;
    const place = TR_PLACES[rng.int(TR_PLACES.length)]!;
    const { en, target } = translationSentence(noun, adjective, place, lang);
    if (seen.has(en)) continue;
    seen.add(en);
    all.push({
      id: `en-${lang}-${String(all.length + 1).padStart(3, '0')}`,
      input: en,
      answer: target,
      references: [target],
      meta: { sourceLang: 'en', targetLang: lang },
    });
  }
  return all;
}

export interface BuiltinFile {
  name: string;
  items: EvalItem[];
}

/** Every built-in dataset as (file name without .jsonl, items). Train splits are `<name>-train`. */
export function builtinDatasets(seed = 20261205): BuiltinFile[] {
  const split = (name: string, items: EvalItem[], trainCount: number): BuiltinFile[] => [
    { name, items: items.slice(trainCount) },
    { name: `${name}-train`, items: items.slice(0, trainCount) },
  ];
  return [
    ...split('larger', largerItems(createRng(seed + 1)), 20),
    ...split('arith', arithItems(createRng(seed + 2)), 20),
    ...split('sentiment', sentimentItems(createRng(seed + 3)), 20),
    ...split('capitals', capitalItems(createRng(seed + 4)), 12),
    ...split('en-fr', translationItems(createRng(seed + 5), 'fr'), 10),
    ...split('en-de', translationItems(createRng(seed + 6), 'de'), 10),
  ];
}

export function toJsonl(items: readonly EvalItem[]): string {
  return items.map((it) => JSON.stringify(it)).join('\n') + '\n';
}

const isMain =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const outDir = process.argv[2] ?? fileURLToPath(new URL('../data/', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  let total = 0;
  for (const f of builtinDatasets()) {
    writeFileSync(path.join(outDir, `${f.name}.jsonl`), toJsonl(f.items));
    total += f.items.length;
    console.log(`${f.name}: ${f.items.length}`);
  }
  console.log(`total ${total} items in ${outDir}`);
}

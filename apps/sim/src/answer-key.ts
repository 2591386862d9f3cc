/**
 * The answer key: the simulator recognises the items of the built-in eval suites (`@inferbench/evals`) in a prompt
 * and answers them right with a seeded per-item probability (the profile's `accuracy`), otherwise wrong, and a
 * share of the wrong answers unparseable. The decision depends only on (profile `accuracySeed`, item key), never on
 * the request index, batch or arrival order. See README.md "Answer key".
 *
 * Recognition: every item of the suites' datasets is indexed once by its normalised question (lowercased runs of
 * letters and digits, the same words as `wordTokens` in @inferbench/evals) under its first two words. A request's
 * last user message (chat) or prompt (completions) is searched from its end, over its last {@link WINDOW_CHARS}
 * characters only, so the cost per request is bounded whatever the prompt length: the LAST occurrence of a known
 * question wins (few-shot examples come before it). Multiple-choice items with the same question are told apart
 * by their options, which must all appear after the question; the task (which decides the answer format) by the
 * fixed words of its template.
 */
import { createHash } from 'node:crypto';
import type { EvalItem, EvalTaskSpec } from '@inferbench/contracts';
import { BUILTIN_SUITES, loadBuiltinSuite, loadItems, optionLetters } from '@inferbench/evals';

/** Only the last this many characters of a prompt are searched for a known question. */
export const WINDOW_CHARS = 512;

/** How an item's answer is written (from the task's scoring / extraction). */
export type AnswerStyle = 'letter' | 'number' | 'label' | 'text' | 'json';

export interface NormWord {
  w: string;
  /** character offsets in the searched text */
  start: number;
  end: number;
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

function isWordChar(c: number, text: string, i: number): boolean {
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  // astral characters are skipped as word characters only when their pair is (rare in prompts)
  return LETTER_OR_DIGIT.test(text[i]!);
}

/**
 * Lowercased runs of letters and digits (`\p{L}`, `\p{N}`) with their offsets: the words of `wordTokens` in
 * @inferbench/evals. A plain character loop (no regex per word), since it runs on every request's prompt tail.
 */
export function normWords(text: string): NormWord[] {
  const out: NormWord[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const inWord = i < text.length && isWordChar(text.charCodeAt(i), text, i);
    if (inWord) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push({ w: text.slice(start, i).toLowerCase(), start, end: i });
      start = -1;
    }
  }
  return out;
}

const norm = (text: string): string[] => normWords(text).map((x) => x.w);

/**
 * The key of an item: `<dataset>|<normalised question>` and, for multiple choice, `|<normalised options, sorted>`.
 * It is built from what a prompt shows, so two items with the same text (and options) share one key and one
 * decision, and a CircularEval rotation is the same item.
 */
export function answerKeyItemKey(dataset: string, item: EvalItem): string {
  const q = norm(item.input).join(' ');
  if (!item.choices || item.choices.length === 0) return `${dataset}|${q}`;
  const opts = item.choices.map((c) => norm(c).join(' ')).sort();
  return `${dataset}|${q}|${opts.join('|')}`;
}

/** The three uniforms of an item under a seed: u (right iff u < accuracy), then the wrong-answer draws. */
export function itemUniforms(accuracySeed: number, key: string): [number, number, number] {
  const d = createHash('sha256').update(`${accuracySeed}|${key}`, 'utf8').digest();
  const at = (o: number): number => d.readUIntBE(o, 6) / 2 ** 48;
  return [at(0), at(6), at(12)];
}

/** A recognised item's fate under a profile. */
export type Outcome = 'right' | 'wrong' | 'unparseable';

export function decideOutcome(
  accuracySeed: number,
  accuracy: number,
  unparseableShare: number,
  key: string,
): { outcome: Outcome; pick: number } {
  const [u, pick, unparse] = itemUniforms(accuracySeed, key);
  if (u < accuracy) return { outcome: 'right', pick };
  return { outcome: unparse < unparseableShare ? 'unparseable' : 'wrong', pick };
}

interface KeyItem {
  dataset: string;
  key: string;
  item: EvalItem;
  /** index in its dataset */
  index: number;
  choiceWords: string[] | null;
}

interface KeyTask {
  id: string;
  dataset: string;
  format: 'chat' | 'completion';
  /** the template's fixed words (variables and tags removed) */
  literals: string[];
  style: AnswerStyle;
  labels: string[];
  jsonKey: string;
}

interface Group {
  words: string[];
  items: KeyItem[];
}

/** A recognised item in a request. */
export interface Recognition {
  item: EvalItem;
  key: string;
  dataset: string;
  task: KeyTask;
  /** option index (original order) → the letter the prompt shows for it */
  letters: string[] | null;
  /** completions prompt ending with one of the options: that option and where its continuation starts */
  continuation: { choice: number; start: number } | null;
}

function styleOf(spec: EvalTaskSpec): { style: AnswerStyle; labels: string[]; jsonKey: string } {
  const sc = spec.scoring;
  const labels = spec.labels ?? [];
  switch (sc.mode) {
    case 'next_token':
    case 'loglikelihood':
      return { style: 'letter', labels, jsonKey: 'answer' };
    case 'generate':
      switch (sc.extract.kind) {
        case 'option_letter':
          return { style: 'letter', labels, jsonKey: 'answer' };
        case 'number':
          return { style: 'number', labels, jsonKey: 'answer' };
        case 'label':
          return { style: 'label', labels: sc.extract.labels, jsonKey: 'answer' };
        case 'json_field':
          return { style: 'json', labels, jsonKey: sc.extract.path.split('.')[0]! };
        default:
          return { style: 'text', labels, jsonKey: 'answer' };
      }
    case 'assert': {
      for (const a of sc.assertions) {
        if (a.kind === 'json_schema') {
          const req = (a.schema as { required?: unknown }).required;
          const key = Array.isArray(req) && typeof req[0] === 'string' ? req[0] : 'answer';
          return { style: 'json', labels, jsonKey: key };
        }
        if (a.kind === 'is_json') return { style: 'json', labels, jsonKey: 'answer' };
      }
      return { style: 'text', labels, jsonKey: 'answer' };
    }
    default:
      return { style: 'text', labels, jsonKey: 'answer' };
  }
}

const OPTION_LINE = /(?:^|\n)[ \t]*\(?([A-Z])[.):][ \t]*([^\n]*)/g;

/** The index of the built-in items; build it once with {@link loadAnswerKey}. */
export class AnswerKey {
  /** first word → second word ('' for one-word questions) → the questions starting with them */
  private readonly byStart = new Map<string, Map<string, Group[]>>();
  private readonly tasksByDataset = new Map<string, KeyTask[]>();
  private readonly datasets = new Map<string, KeyItem[]>();
  readonly itemCount: number;

  constructor(datasets: ReadonlyMap<string, readonly EvalItem[]>, tasks: readonly EvalTaskSpec[]) {
    let count = 0;
    for (const [dataset, items] of datasets) {
      const list: KeyItem[] = [];
      const groups = new Map<string, Group>();
      items.forEach((item, index) => {
        const words = norm(item.input);
        if (words.length === 0) return;
        const ki: KeyItem = {
          dataset,
          key: answerKeyItemKey(dataset, item),
          item,
          index,
          choiceWords: item.choices ? item.choices.map((c) => norm(c).join(' ')) : null,
        };
        list.push(ki);
        const gk = words.join(' ');
        let g = groups.get(gk);
        if (!g) {
          g = { words, items: [] };
          groups.set(gk, g);
          let seconds = this.byStart.get(words[0]!);
          if (!seconds) this.byStart.set(words[0]!, (seconds = new Map()));
          const bucket = seconds.get(words[1] ?? '');
          if (bucket) bucket.push(g);
          else seconds.set(words[1] ?? '', [g]);
        }
        g.items.push(ki);
      });
      this.datasets.set(dataset, list);
      count += list.length;
    }
    this.itemCount = count;
    for (const spec of tasks) {
      const src = spec.dataset.source;
      if (!src.startsWith('builtin:')) continue;
      const dataset = src.slice('builtin:'.length);
      if (!this.datasets.has(dataset)) continue;
      const literals = [
        ...new Set(norm(spec.prompt.template.replace(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g, ' '))),
      ];
      const t: KeyTask = { id: spec.id, dataset, format: spec.prompt.format, literals, ...styleOf(spec) };
      const list = this.tasksByDataset.get(dataset);
      if (list) list.push(t);
      else this.tasksByDataset.set(dataset, [t]);
    }
  }

  /** Distinct references of a dataset other than `not` (normalised comparison), in dataset order. */
  otherReferences(dataset: string, not: string): string[] {
    const n = norm(not).join(' ');
    const seen = new Set<string>([n]);
    const out: string[] = [];
    for (const ki of this.datasets.get(dataset) ?? []) {
      const r = ki.item.answer ?? ki.item.references?.[0];
      if (r === undefined) continue;
      const rn = norm(r).join(' ');
      if (seen.has(rn)) continue;
      seen.add(rn);
      out.push(r);
    }
    return out;
  }

  /**
   * Finds the item whose question occurs last in `text` (only its last WINDOW_CHARS characters are read), or null.
   * `endpoint` picks among the tasks that use the item's dataset (chat or completion templates).
   */
  recognise(text: string, endpoint: 'chat' | 'completions'): Recognition | null {
    const base = text.length > WINDOW_CHARS ? text.length - WINDOW_CHARS : 0;
    const window = base > 0 ? text.slice(base) : text;
    const words = normWords(window);
    const n = words.length;
    let present: Set<string> | undefined;
    for (let i = n - 1; i >= 0; i--) {
      const seconds = this.byStart.get(words[i]!.w);
      if (seconds === undefined) continue;
      // every item whose question starts here (the longest questions only); several when datasets share a text
      let found: Array<{ g: Group; ki: KeyItem }> = [];
      const buckets = [seconds.get(i + 1 < n ? words[i + 1]!.w : ''), seconds.get('')];
      for (const groups of buckets) {
        if (!groups) continue;
        for (const g of groups) {
          const len = g.words.length;
          if (i + len > n || (found.length > 0 && found[0]!.g.words.length > len)) continue;
          let same = true;
          for (let j = 2; j < len && same; j++) same = words[i + j]!.w === g.words[j];
          if (!same) continue;
          const ki = this.pickItem(g, words, i + len);
          if (!ki) continue;
          if (found.length > 0 && found[0]!.g.words.length < len) found = [];
          found.push({ g, ki });
        }
      }
      if (found.length === 0) continue;
      const qEnd = words[i + found[0]!.g.words.length - 1]!.end;
      present ??= new Set(words.map((x) => x.w));
      const inWindow = present;
      const format = endpoint === 'chat' ? 'chat' : 'completion';
      // the task: every fixed word of its template must be in the window (so a stray "the red cat" in a load-test
      // prompt is not a translation request); then the endpoint's format, then the most specific template
      let best: { ki: KeyItem; task: KeyTask; score: number } | null = null;
      for (const { ki } of found) {
        for (const t of this.tasksByDataset.get(ki.dataset) ?? []) {
          if (!t.literals.every((w) => inWindow.has(w))) continue;
          const score = (t.format === format ? 10_000 : 0) + t.literals.length;
          if (!best || score > best.score) best = { ki, task: t, score };
        }
      }
      if (best) return this.describe(best.ki, best.task, window, base, words, qEnd, endpoint);
    }
    return null;
  }

  /** Of the items sharing a question, the one whose options all appear after it (items without options: the first). */
  private pickItem(g: Group, words: NormWord[], from: number): KeyItem | null {
    const first = g.items[0]!;
    if (!first.choiceWords) return first;
    let tail = ' ';
    for (let j = from; j < words.length; j++) tail += words[j]!.w + ' ';
    for (const ki of g.items) {
      if (ki.choiceWords && ki.choiceWords.every((c) => tail.includes(` ${c} `))) return ki;
    }
    return null;
  }

  private describe(
    ki: KeyItem,
    task: KeyTask,
    window: string,
    base: number,
    words: NormWord[],
    qEnd: number,
    endpoint: 'chat' | 'completions',
  ): Recognition {
    const choices = ki.item.choices ?? null;
    let letters: string[] | null = null;
    let continuation: Recognition['continuation'] = null;
    if (choices && ki.choiceWords) {
      const tailText = window.slice(qEnd);
      const shown = new Map<string, string>();
      for (const m of tailText.matchAll(OPTION_LINE)) {
        const t = norm(m[2]!).join(' ');
        if (!shown.has(t)) shown.set(t, m[1]!);
      }
      const mapped = ki.choiceWords.map((c) => shown.get(c));
      letters = mapped.every((l) => l !== undefined) ? (mapped as string[]) : optionLetters(choices.length);
      if (endpoint === 'completions')
        continuation = this.findContinuation(ki.choiceWords, window, words, qEnd);
      if (continuation) continuation.start += base;
    }
    return {
      item: ki.item,
      key: ki.key,
      dataset: ki.dataset,
      task,
      letters,
      continuation,
    };
  }

  /** A prompt that ends with one of the options (after the question): log-likelihood scoring of that option. */
  private findContinuation(
    choiceWords: string[],
    window: string,
    words: NormWord[],
    qEnd: number,
  ): { choice: number; start: number } | null {
    if (window.slice(words[words.length - 1]!.end).trim().length > 0) return null;
    let best: { choice: number; start: number; len: number } | null = null;
    choiceWords.forEach((c, choice) => {
      const cw = c.split(' ');
      const len = cw.length;
      const at = words.length - len;
      if (at < 0 || words[at]!.start < qEnd) return;
      for (let j = 0; j < len; j++) if (words[at + j]!.w !== cw[j]) return;
      if (best && best.len >= len) return;
      // the continuation starts after the last non-space character before the option (its separator belongs to it)
      let start = words[at]!.start;
      while (start > 0 && /\s/.test(window[start - 1]!)) start--;
      best = { choice, start, len };
    });
    const b = best as { choice: number; start: number; len: number } | null;
    return b ? { choice: b.choice, start: b.start } : null;
  }
}

let shared: Promise<AnswerKey> | null = null;

/** Loads the built-in suites' items and builds the index (once per process; later calls share it). */
export function loadAnswerKey(): Promise<AnswerKey> {
  shared ??= (async () => {
    const tasks: EvalTaskSpec[] = [];
    const datasets = new Map<string, EvalItem[]>();
    for (const name of BUILTIN_SUITES) {
      const suite = await loadBuiltinSuite(name);
      for (const t of suite.tasks) {
        tasks.push(t);
        const src = t.dataset.source;
        if (!src.startsWith('builtin:') || datasets.has(src.slice(8))) continue;
        datasets.set(src.slice(8), await loadItems(src, { ...t.dataset, limit: undefined }));
      }
    }
    return new AnswerKey(datasets, tasks);
  })();
  return shared;
}

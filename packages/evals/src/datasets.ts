import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetReadObjects } from 'hyparquet';
import {
  EvalItemSchema,
  type EvalColumnMapping,
  type EvalDatasetSpec,
  type EvalItem,
} from '@inferbench/contracts';
import { canonicalNumber, optionLetters } from './extract.js';

export type Row = Record<string, unknown>;

/** JSON Lines: one JSON object per non-blank line; a bad line throws with its line number. */
export function parseJsonl(text: string): Row[] {
  const rows: Row[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.length === 0) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new Error(`JSONL line ${i + 1}: ${(e as Error).message}`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new Error(`JSONL line ${i + 1}: not an object`);
    rows.push(v as Row);
  }
  return rows;
}

/** RFC 4180 CSV: quoted fields with "" escapes and embedded newlines, CRLF or LF, optional BOM. */
export function parseCsvRecords(text: string): string[][] {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: string[][] = [];
  let field = '';
  let rec: string[] = [];
  let inQuotes = false;
  let i = 0;
  let sawAny = false;
  while (i < s.length) {
    const c = s[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field.length === 0) {
      inQuotes = true;
      sawAny = true;
      i++;
    } else if (c === ',') {
      rec.push(field);
      field = '';
      sawAny = true;
      i++;
    } else if (c === '\n' || c === '\r') {
      rec.push(field);
      if (sawAny || rec.some((f) => f.length > 0)) records.push(rec);
      rec = [];
      field = '';
      sawAny = false;
      i += c === '\r' && s[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      sawAny = true;
      i++;
    }
  }
  if (inQuotes) throw new Error('CSV: unterminated quoted field');
  if (sawAny || field.length > 0 || rec.length > 0) {
    rec.push(field);
    records.push(rec);
  }
  return records;
}

/** CSV with a header row → objects; `header: false` names the columns `0`, `1`, ... */
export function parseCsv(text: string, opts: { header?: boolean } = {}): Row[] {
  const recs = parseCsvRecords(text);
  if (recs.length === 0) return [];
  const header = opts.header ?? true;
  const names = header ? recs[0]!.map((h) => h.trim()) : recs[0]!.map((_, i) => String(i));
  return recs.slice(header ? 1 : 0).map((r) => Object.fromEntries(names.map((n, i) => [n, r[i] ?? ''])));
}

/** Parquet rows as objects (hyparquet, pure JS; nested lists/structs come back as arrays/objects). */
export async function parseParquet(data: ArrayBuffer | Uint8Array): Promise<Row[]> {
  const ab =
    data instanceof ArrayBuffer
      ? data
      : (data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
  const rows = (await parquetReadObjects({ file: ab })) as Row[];
  return rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
  );
}

export type DatasetFormat = NonNullable<EvalDatasetSpec['format']>;

export function formatFromPath(p: string): DatasetFormat {
  const ext = path.extname(p).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  if (ext === '.parquet') return 'parquet';
  throw new Error(`cannot tell the format of ${p}; set dataset.format`);
}

/** Parse file bytes in a format. `mmlu_csv` CSV files may lack a header (then columns are question,A,B,C,D,answer). */
export async function parseRows(data: Uint8Array, format: DatasetFormat, layout?: string): Promise<Row[]> {
  if (format === 'parquet') return parseParquet(data);
  const text = new TextDecoder('utf-8').decode(data);
  if (format === 'jsonl') return parseJsonl(text);
  if (format === 'json') {
    const v: unknown = JSON.parse(text);
    if (!Array.isArray(v)) throw new Error('JSON dataset must be an array of objects');
    return v as Row[];
  }
  if (layout === 'mmlu_csv') {
    const recs = parseCsvRecords(text);
    const first = recs[0]?.map((x) => x.trim().toLowerCase()) ?? [];
    const hasHeader = first[0] === 'question' && first[first.length - 1] === 'answer';
    const body = hasHeader ? recs.slice(1) : recs;
    return body.map((r) => {
      const k = r.length - 2;
      const row: Row = { question: r[0] ?? '', answer: r[r.length - 1] ?? '' };
      optionLetters(k).forEach((l, i) => (row[l] = r[i + 1] ?? ''));
      return row;
    });
  }
  return parseCsv(text);
}

const str = (v: unknown): string | undefined =>
  v === undefined || v === null
    ? undefined
    : typeof v === 'string'
      ? v
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : JSON.stringify(v);

function get(row: Row, dotted: string): unknown {
  let v: unknown = row;
  for (const k of dotted.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    v = (v as Row)[k];
  }
  return v;
}

/** Resolve an answer given as index, letter, 1-based label or option text to a 0-based index. */
export function answerIndexOf(
  answer: unknown,
  choices: readonly string[],
  labels?: readonly string[],
): number | undefined {
  if (answer === undefined || answer === null) return undefined;
  if (typeof answer === 'number' && Number.isInteger(answer) && answer >= 0 && answer < choices.length)
    return answer;
  const a = String(answer).trim();
  if (labels) {
    const li = labels.findIndex((l) => l === a);
    if (li >= 0) return li;
  }
  if (/^[A-Z]$/.test(a)) {
    const i = a.charCodeAt(0) - 65;
    return i < choices.length ? i : undefined;
  }
  if (/^\d+$/.test(a)) {
    const i = Number(a);
    return i < choices.length ? i : undefined;
  }
  const ti = choices.findIndex((c) => c === a);
  return ti >= 0 ? ti : undefined;
}

function mcItem(
  id: string,
  input: string,
  choices: string[],
  idx: number | undefined,
  row: Row,
  context?: string,
): EvalItem {
  if (idx === undefined) throw new Error(`item ${id}: answer is not one of the ${choices.length} options`);
  const letter = optionLetters(choices.length)[idx]!;
  return {
    id,
    input,
    ...(context ? { context } : {}),
    choices,
    answerIndex: idx,
    answer: letter,
    references: [letter],
    meta: { row },
  };
}

/**
 * Map raw rows of a known layout (or through `columns`) to items. Ids: the row's `id` column when it has one,
 * else `row-<n>` (1-based). A row that cannot be mapped throws with its id.
 */
export function rowsToItems(
  rows: readonly Row[],
  spec: Pick<EvalDatasetSpec, 'layout' | 'columns' | 'sourceLang' | 'targetLang'>,
): EvalItem[] {
  const cols: EvalColumnMapping = spec.columns ?? {};
  return rows.map((row, i) => {
    const id = str(get(row, cols.id ?? 'id')) ?? `row-${i + 1}`;
    const pick = (name: keyof EvalColumnMapping, ...defaults: string[]): unknown => {
      const c = cols[name];
      if (typeof c === 'string') return get(row, c);
      for (const d of defaults) {
        const v = get(row, d);
        if (v !== undefined) return v;
      }
      return undefined;
    };
    const choiceCols = (fallback: string[]): string[] | undefined => {
      const c = cols.choices;
      if (Array.isArray(c)) return c.map((x) => str(get(row, x)) ?? '');
      if (typeof c === 'string') {
        const v = get(row, c);
        return Array.isArray(v) ? v.map((x) => str(x) ?? '') : undefined;
      }
      if (fallback.length > 0 && fallback.every((f) => get(row, f) !== undefined))
        return fallback.map((f) => str(get(row, f)) ?? '');
      return undefined;
    };
    switch (spec.layout) {
      case 'mmlu_csv': {
        const letters = Object.keys(row)
          .filter((k) => /^[A-Z]$/.test(k))
          .sort();
        const choices = choiceCols(letters) ?? [];
        return mcItem(
          id,
          str(pick('input', 'question')) ?? '',
          choices,
          answerIndexOf(str(pick('answer', 'answer')), choices),
          row,
        );
      }
      case 'gsm8k': {
        const full = str(pick('answer', 'answer')) ?? '';
        const hash = full.lastIndexOf('####');
        const final = canonicalNumber(hash >= 0 ? full.slice(hash + 4) : full);
        if (final === null) throw new Error(`item ${id}: no numeric answer`);
        return {
          id,
          input: str(pick('input', 'question')) ?? '',
          answer: final,
          references: [final],
          meta: { solution: hash >= 0 ? full.slice(0, hash).trim() : '' },
        };
      }
      case 'arc': {
        const q = get(row, 'question');
        let input: string;
        let choices: string[];
        let labels: string[];
        if (q && typeof q === 'object') {
          input = str(get(row, 'question.stem')) ?? '';
          const cs = (get(row, 'question.choices') as Array<{ label: string; text: string }>) ?? [];
          choices = cs.map((c) => c.text);
          labels = cs.map((c) => String(c.label));
        } else {
          input = str(q) ?? '';
          choices = ((get(row, 'choices.text') as unknown[]) ?? []).map((x) => str(x) ?? '');
          labels = ((get(row, 'choices.label') as unknown[]) ?? []).map((x) => str(x) ?? '');
        }
        return mcItem(
          id,
          input,
          choices,
          answerIndexOf(str(pick('answer', 'answerKey')), choices, labels),
          row,
        );
      }
      case 'hellaswag': {
        const ctx =
          str(pick('input', 'ctx')) ??
          `${str(get(row, 'ctx_a')) ?? ''} ${str(get(row, 'ctx_b')) ?? ''}`.trim();
        const endings = choiceCols([]) ?? ((get(row, 'endings') as unknown[]) ?? []).map((x) => str(x) ?? '');
        const label = pick('answer', 'label');
        return mcItem(
          id,
          ctx,
          endings,
          answerIndexOf(typeof label === 'string' ? Number(label) : label, endings),
          row,
        );
      }
      case 'qa': {
        const a = pick('references', 'answers') ?? pick('answer', 'answer');
        let refs: string[];
        if (Array.isArray(a)) refs = a.map((x) => str(x) ?? '');
        else if (a && typeof a === 'object' && Array.isArray((a as Row).text))
          refs = ((a as Row).text as unknown[]).map((x) => str(x) ?? '');
        else refs = a === undefined ? [] : [str(a)!];
        const context = str(pick('context', 'context'));
        return {
          id,
          input: str(pick('input', 'question')) ?? '',
          ...(context ? { context } : {}),
          answer: refs[0],
          references: refs,
        };
      }
      case 'classification': {
        const label = str(pick('answer', 'label'));
        return {
          id,
          input: str(pick('input', 'text', 'sentence')) ?? '',
          answer: label,
          references: label === undefined ? [] : [label],
        };
      }
      case 'translation': {
        let src = str(pick('input', 'source'));
        let tgt = pick('references', 'references') ?? pick('answer', 'target');
        const tr = get(row, 'translation');
        if (src === undefined && tr && typeof tr === 'object' && spec.sourceLang && spec.targetLang) {
          src = str((tr as Row)[spec.sourceLang]);
          tgt = (tr as Row)[spec.targetLang];
        }
        const refs = Array.isArray(tgt) ? tgt.map((x) => str(x) ?? '') : tgt === undefined ? [] : [str(tgt)!];
        return {
          id,
          input: src ?? '',
          answer: refs[0],
          references: refs,
          meta: { sourceLang: spec.sourceLang, targetLang: spec.targetLang },
        };
      }
      case 'generic': {
        if (!spec.columns) return EvalItemSchema.parse({ ...row, id });
        const input = str(pick('input', 'input')) ?? '';
        const choices = choiceCols([]);
        const context = str(pick('context', 'context'));
        if (choices)
          return mcItem(id, input, choices, answerIndexOf(pick('answer', 'answer'), choices), row, context);
        const refsRaw = pick('references', 'references');
        const answer = str(pick('answer', 'answer'));
        const refs = Array.isArray(refsRaw)
          ? refsRaw.map((x) => str(x) ?? '')
          : answer !== undefined
            ? [answer]
            : [];
        return { id, input, ...(context ? { context } : {}), answer: answer ?? refs[0], references: refs };
      }
    }
  });
}

/** Folder of the built-in datasets shipped with this package. */
export const BUILTIN_DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));

/** `builtin:<name>` → the shipped file; any other source → resolved against `baseDir`. */
export function resolveSource(source: string, baseDir = process.cwd()): string {
  if (source.startsWith('builtin:')) {
    const name = source.slice('builtin:'.length);
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(name)) throw new Error(`bad built-in dataset name ${name}`);
    return path.join(BUILTIN_DATA_DIR, `${name}.jsonl`);
  }
  return path.resolve(baseDir, source);
}

/** Read one source of a dataset spec into items. */
export async function loadItems(
  source: string,
  spec: EvalDatasetSpec,
  baseDir?: string,
): Promise<EvalItem[]> {
  const file = resolveSource(source, baseDir);
  const isBuiltin = source.startsWith('builtin:');
  const format = isBuiltin ? 'jsonl' : (spec.format ?? formatFromPath(file));
  const rows = await parseRows(new Uint8Array(await readFile(file)), format, spec.layout);
  const items = rowsToItems(rows, isBuiltin ? { layout: 'generic' } : spec);
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.id)) throw new Error(`${source}: duplicate item id ${it.id}`);
    seen.add(it.id);
  }
  return spec.limit ? items.slice(0, spec.limit) : items;
}

/** Items and train split (few-shot pool) of a task's dataset. */
export async function loadDataset(
  spec: EvalDatasetSpec,
  baseDir?: string,
): Promise<{ items: EvalItem[]; train: EvalItem[] }> {
  const items = await loadItems(spec.source, spec, baseDir);
  const train = spec.trainSource
    ? await loadItems(spec.trainSource, { ...spec, limit: undefined }, baseDir)
    : [];
  return { items, train };
}

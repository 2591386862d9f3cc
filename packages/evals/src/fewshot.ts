import type { EvalItem, FewShotSpec } from '@inferbench/contracts';
import { createRng, seedFromString } from './rng.js';

/** Lowercased runs of letters and digits. */
export function wordTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Okapi BM25 over a fixed list of documents: score(q, d) = Σ_{t∈q} idf(t) · f(t,d)(k1+1) / (f(t,d) + k1(1 − b + b·|d|/avgdl)),
 * idf(t) = ln(1 + (N − df + 0.5)/(df + 0.5)); k1 = 1.5, b = 0.75.
 */
export class Bm25Index {
  private readonly docs: Map<string, number>[];
  private readonly lengths: number[];
  private readonly df = new Map<string, number>();
  private readonly avgdl: number;

  constructor(
    texts: readonly string[],
    private readonly k1 = 1.5,
    private readonly b = 0.75,
  ) {
    this.docs = texts.map((t) => {
      const m = new Map<string, number>();
      for (const w of wordTokens(t)) m.set(w, (m.get(w) ?? 0) + 1);
      for (const w of m.keys()) this.df.set(w, (this.df.get(w) ?? 0) + 1);
      return m;
    });
    this.lengths = texts.map((t) => wordTokens(t).length);
    this.avgdl = this.lengths.length > 0 ? this.lengths.reduce((a, c) => a + c, 0) / this.lengths.length : 0;
  }

  idf(term: string): number {
    const n = this.docs.length;
    const df = this.df.get(term) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  score(query: string, doc: number): number {
    const d = this.docs[doc]!;
    const len = this.lengths[doc]!;
    let s = 0;
    for (const t of new Set(wordTokens(query))) {
      const f = d.get(t);
      if (!f) continue;
      s +=
        (this.idf(t) * f * (this.k1 + 1)) / (f + this.k1 * (1 - this.b + (this.b * len) / (this.avgdl || 1)));
    }
    return s;
  }

  /** Indices of the k best documents (score descending, then index ascending), skipping `exclude`. */
  top(query: string, k: number, exclude?: (index: number) => boolean): number[] {
    const scored: Array<[number, number]> = [];
    for (let i = 0; i < this.docs.length; i++) if (!exclude?.(i)) scored.push([this.score(query, i), i]);
    scored.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
    return scored.slice(0, k).map((x) => x[1]);
  }
}

/** Few-shot example choice for each item, from a train split. Never returns the item itself (same id). */
export class FewShotSelector {
  private readonly index: Bm25Index | undefined;

  constructor(
    private readonly spec: FewShotSpec,
    private readonly train: readonly EvalItem[],
  ) {
    if (spec.mode === 'similar')
      this.index = new Bm25Index(train.map((t) => `${t.context ?? ''} ${t.input}`));
    if (spec.mode === 'fixed' && spec.ids) {
      const missing = spec.ids.filter((id) => !train.some((t) => t.id === id));
      if (missing.length > 0) throw new Error(`few-shot ids not in the train split: ${missing.join(', ')}`);
    }
    if (spec.mode !== 'zero' && spec.k > 0 && train.length === 0)
      throw new Error('few-shot needs a train split');
  }

  select(item: EvalItem): EvalItem[] {
    const { mode, k } = this.spec;
    if (mode === 'zero' || k === 0) return [];
    const notSelf = (t: EvalItem): boolean => t.id !== item.id;
    if (mode === 'fixed') {
      if (this.spec.ids)
        return this.spec.ids
          .map((id) => this.train.find((t) => t.id === id)!)
          .filter(notSelf)
          .slice(0, k);
      return this.train.filter(notSelf).slice(0, k);
    }
    if (mode === 'random') {
      const rng = createRng((this.spec.seed ^ seedFromString(item.id)) >>> 0);
      const pool = this.train.filter(notSelf);
      const picked: EvalItem[] = [];
      const idx = pool.map((_, i) => i);
      for (let i = 0; i < Math.min(k, pool.length); i++) {
        const j = i + rng.int(idx.length - i);
        [idx[i], idx[j]] = [idx[j]!, idx[i]!];
        picked.push(pool[idx[i]!]!);
      }
      return picked;
    }
    const query = `${item.context ?? ''} ${item.input}`;
    return this.index!.top(query, k, (i) => this.train[i]!.id === item.id).map((i) => this.train[i]!);
  }
}

/**
 * Text metrics: exact match and token F1 (SQuAD-style), ROUGE-L (F-measure over the LCS), corpus BLEU
 * (sacreBLEU-compatible 13a tokenisation and `exp` smoothing). Definitions: shared METRICS.md, "Accuracy (evals)".
 */

const ASCII_PUNCT = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
const ARTICLES = /\b(a|an|the)\b/g;

/**
 * SQuAD-style answer normalisation, in this order: lowercase, replace every ASCII punctuation character (Python's
 * `string.punctuation`) by a space, remove the articles a / an / the as whole words, collapse whitespace. A space,
 * not nothing, so that punctuation between two words never glues them: `{"capital":"Budapest"}` → "capital
 * budapest", "Eiffel-Tower" → "eiffel tower" (the official SQuAD script deletes it: "capitalbudapest"). The cost is
 * that a contraction splits ("don't" → "don t"), the same on both sides of a comparison.
 */
export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(ASCII_PUNCT, ' ')
    .replace(ARTICLES, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');
}

/** 1 when the normalised prediction equals the normalised reference (max over references), else 0. */
export function exactMatch(prediction: string, references: readonly string[]): number {
  const p = normalizeAnswer(prediction);
  for (const r of references) if (normalizeAnswer(r) === p) return 1;
  return 0;
}

function f1One(predTokens: string[], refTokens: string[]): number {
  if (predTokens.length === 0 || refTokens.length === 0)
    return predTokens.length === refTokens.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of refTokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of predTokens) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      common++;
      counts.set(t, c - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / predTokens.length;
  const recall = common / refTokens.length;
  return (2 * precision * recall) / (precision + recall);
}

/**
 * SQuAD token F1: tokens of the normalised texts, overlap counted as a multiset; precision = common / |pred|,
 * recall = common / |ref|, F1 = 2PR/(P+R); when either side is empty, 1 if both are, else 0. Max over references.
 */
export function tokenF1(prediction: string, references: readonly string[]): number {
  const pred = normalizeAnswer(prediction).split(' ').filter(Boolean);
  let best = 0;
  for (const r of references)
    best = Math.max(best, f1One(pred, normalizeAnswer(r).split(' ').filter(Boolean)));
  return best;
}

/** ROUGE tokeniser: lowercase, every run of characters that are not letters or digits is a separator. */
export function rougeTokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Length of the longest common subsequence of two token lists (O(n·m) time, O(m) memory). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Int32Array(b.length + 1);
  let cur = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const ai = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = ai === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[b.length]!;
}

/**
 * ROUGE-L F-measure of one prediction: P = LCS/|pred|, R = LCS/|ref|, F = 2PR/(P+R) (β = 1), on `rougeTokens`
 * (no stemming); max over references. Returns { precision, recall, f }.
 */
export function rougeL(
  prediction: string,
  references: readonly string[],
): { precision: number; recall: number; f: number } {
  const p = rougeTokens(prediction);
  let best = { precision: 0, recall: 0, f: 0 };
  for (const r of references) {
    const rt = rougeTokens(r);
    const lcs = lcsLength(p, rt);
    if (lcs === 0) continue;
    const precision = lcs / p.length;
    const recall = lcs / rt.length;
    const f = (2 * precision * recall) / (precision + recall);
    if (f > best.f) best = { precision, recall, f };
  }
  return best;
}

/**
 * sacreBLEU's `13a` tokeniser (mteval-v13a): drop `<skipped>`, join `-\n` line breaks, newlines to spaces,
 * unescape &quot; &amp; &lt; &gt;, then pad with spaces: the ASCII symbols {|}~ [\]^_` space!"#$%& ()*+ :;<=>?@ /;
 * period and comma unless between digits; a dash after a digit. Apostrophes and other dashes stay inside tokens.
 */
export function tokenize13a(line: string): string[] {
  let s = line
    .replace(/<skipped>/g, '')
    .replace(/-\n/g, '')
    .replace(/\n/g, ' ');
  if (s.includes('&'))
    s = s
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>');
  s = ` ${s} `;
  s = s.replace(/([{-~[-` -&(-+:-@/])/g, ' $1 ');
  s = s.replace(/([^0-9])([.,])/g, '$1 $2 ');
  s = s.replace(/([.,])([^0-9])/g, ' $1 $2');
  s = s.replace(/([0-9])(-)/g, '$1 $2 ');
  return s.split(/\s+/).filter(Boolean);
}

export interface BleuOptions {
  /** `13a` (sacreBLEU default) or `none` (split on whitespace) */
  tokenize?: '13a' | 'none';
  /** `exp` (sacreBLEU default): the k-th n-gram order with no match gets precision 1/(2^k · total); `none`: 0 */
  smooth?: 'exp' | 'none';
  lowercase?: boolean;
  maxOrder?: number;
}

export interface BleuResult {
  /** 0–100, as sacreBLEU prints it */
  score: number;
  /** n-gram precisions in percent, orders 1..maxOrder (after smoothing) */
  precisions: number[];
  /** brevity penalty: 1 if hypLen ≥ refLen else exp(1 − refLen/hypLen) */
  bp: number;
  ratio: number;
  hypLen: number;
  /** sum over sentences of the reference length closest to the hypothesis length (ties: the shorter) */
  refLen: number;
  counts: number[];
  totals: number[];
  tokenize: '13a' | 'none';
  smooth: 'exp' | 'none';
}

function ngramCounts(tokens: readonly string[], maxOrder: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = `${n}\u0001${tokens.slice(i, i + n).join('\u0000')}`;
      m.set(key, (m.get(key) ?? 0) + 1);
    }
  }
  return m;
}

/**
 * Corpus BLEU (Papineni et al.), as sacreBLEU computes it by default: clipped n-gram matches (max count over a
 * sentence's references) summed over the corpus for n = 1..4, geometric mean of the precisions with `exp`
 * smoothing, times the brevity penalty on the corpus lengths. `references[i]` are the references of hypothesis i.
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  opts: BleuOptions = {},
): BleuResult {
  const tokenize = opts.tokenize ?? '13a';
  const smooth = opts.smooth ?? 'exp';
  const maxOrder = opts.maxOrder ?? 4;
  if (hypotheses.length !== references.length)
    throw new Error('corpusBleu: one reference list per hypothesis');
  const tok = (s: string): string[] => {
    const t = opts.lowercase ? s.toLowerCase() : s;
    return tokenize === '13a' ? tokenize13a(t) : t.split(/\s+/).filter(Boolean);
  };
  const counts = new Array<number>(maxOrder).fill(0);
  const totals = new Array<number>(maxOrder).fill(0);
  let hypLen = 0;
  let refLen = 0;
  for (let i = 0; i < hypotheses.length; i++) {
    const h = tok(hypotheses[i]!);
    const refs = references[i]!.map(tok);
    hypLen += h.length;
    let closest = Number.POSITIVE_INFINITY;
    let closestDiff = Number.POSITIVE_INFINITY;
    for (const r of refs) {
      const d = Math.abs(r.length - h.length);
      if (d < closestDiff || (d === closestDiff && r.length < closest)) {
        closestDiff = d;
        closest = r.length;
      }
    }
    refLen += Number.isFinite(closest) ? closest : 0;
    const maxRef = new Map<string, number>();
    for (const r of refs)
      for (const [k, c] of ngramCounts(r, maxOrder)) if (c > (maxRef.get(k) ?? 0)) maxRef.set(k, c);
    for (const [k, c] of ngramCounts(h, maxOrder)) {
      const n = Number(k.slice(0, k.indexOf('\u0001')));
      counts[n - 1]! += Math.min(c, maxRef.get(k) ?? 0);
    }
    for (let n = 1; n <= maxOrder; n++) totals[n - 1]! += Math.max(0, h.length - n + 1);
  }
  const precisions = new Array<number>(maxOrder).fill(0);
  const base = { counts, totals, hypLen, refLen, tokenize, smooth, ratio: refLen > 0 ? hypLen / refLen : 0 };
  if (hypLen === 0) return { ...base, score: 0, precisions, bp: 0 };
  let smoothFactor = 1;
  for (let n = 1; n <= maxOrder; n++) {
    if (totals[n - 1] === 0) break;
    if (counts[n - 1] === 0) {
      if (smooth === 'exp') {
        smoothFactor *= 2;
        precisions[n - 1] = 100 / (smoothFactor * totals[n - 1]!);
      }
    } else precisions[n - 1] = (100 * counts[n - 1]!) / totals[n - 1]!;
  }
  const bp = hypLen < refLen ? Math.exp(1 - refLen / hypLen) : 1;
  const logSum = precisions.reduce((s, p) => s + (p > 0 ? Math.log(p) : -9999999999), 0);
  const score = bp * Math.exp(logSum / maxOrder);
  return { ...base, score, precisions, bp };
}

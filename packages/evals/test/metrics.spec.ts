import { describe, expect, it } from 'vitest';
import {
  bootstrapStandardError,
  classificationReport,
  comparePaired,
  corpusBleu,
  exactMatch,
  itemsNeededForDrop,
  lcsLength,
  mcnemarTest,
  normalizeAnswer,
  normalQuantile,
  rougeL,
  suiteScore,
  tokenF1,
  tokenize13a,
  wilsonInterval,
} from '../src/index.js';

describe('exact match and token F1 (SQuAD)', () => {
  it('normalises case, punctuation, articles and whitespace', () => {
    // punctuation becomes a space, so the hyphen separates two words (the SQuAD script would give "eiffeltower")
    expect(normalizeAnswer('  The  Eiffel-Tower! ')).toBe('eiffel tower');
    expect(normalizeAnswer('An apple, a pear and THE plum.')).toBe('apple pear and plum');
    // a contraction splits; both sides of a comparison are normalised alike
    expect(normalizeAnswer("Don't")).toBe('don t');
    expect(exactMatch("don't", ["Don't"])).toBe(1);
    expect(exactMatch('the Paris.', ['Paris'])).toBe(1);
    expect(exactMatch('Paris, France', ['Paris'])).toBe(0);
    expect(exactMatch('Kiev', ['Kyiv', 'Kiev'])).toBe(1);
  });
  it('removing punctuation never glues two words', () => {
    expect(normalizeAnswer('{"capital":"Budapest"}')).toBe('capital budapest');
    expect(normalizeAnswer('Budapest,Hungary')).toBe('budapest hungary');
    expect(normalizeAnswer('New-York/City')).toBe('new york city');
    expect(normalizeAnswer('(the)cat;a.dog')).toBe('cat dog');
    expect(normalizeAnswer('...')).toBe('');
    // every ASCII punctuation character, between two words
    for (const c of '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~')
      expect(normalizeAnswer(`ab${c}cd`), c).toBe('ab cd');
    // non-ASCII letters and punctuation are kept (as in SQuAD)
    expect(normalizeAnswer('Bogotá')).toBe('bogotá');
    expect(exactMatch('Mexico-City', ['Mexico City'])).toBe(1);
    // F1 sees two tokens, not one glued token: [eiffel, tower] vs [eiffel, tower, paris]: P = 1, R = 2/3, F1 = 0.8
    expect(tokenF1('Eiffel-Tower', ['Eiffel Tower, Paris'])).toBeCloseTo(0.8, 12);
  });
  it('token F1 by hand', () => {
    // pred tokens [new, york, city], ref [new, york]: common 2, P = 2/3, R = 1, F1 = 0.8
    expect(tokenF1('New York City', ['new york'])).toBeCloseTo(0.8, 12);
    // repeated tokens are counted as a multiset: pred [a? no: "the" removed] [cat, cat], ref [cat]: P=1/2 R=1 F1=2/3
    expect(tokenF1('cat cat', ['the cat'])).toBeCloseTo(2 / 3, 12);
    expect(tokenF1('dog', ['cat'])).toBe(0);
    // both empty after normalisation → 1; one empty → 0
    expect(tokenF1('the', ['a'])).toBe(1);
    expect(tokenF1('', ['cat'])).toBe(0);
    // max over references
    expect(tokenF1('blue whale', ['whale', 'the blue whale'])).toBe(1);
  });
});

describe('ROUGE-L', () => {
  it('LCS by hand', () => {
    expect(lcsLength(['a', 'b', 'c', 'b', 'd', 'a', 'b'], ['b', 'd', 'c', 'a', 'b', 'a'])).toBe(4);
    expect(lcsLength([], ['a'])).toBe(0);
  });
  it('F-measure by hand', () => {
    // pred [the, cat, sat, on, the, mat] (6), ref [the, cat, is, on, the, mat] (6): LCS = 5 → P = R = F = 5/6
    const r = rougeL('The cat sat on the mat.', ['the cat is on the mat']);
    expect(r.precision).toBeCloseTo(5 / 6, 12);
    expect(r.recall).toBeCloseTo(5 / 6, 12);
    expect(r.f).toBeCloseTo(5 / 6, 12);
    // pred [police, killed, the, gunman] ref [police, kill, the, gunman]: LCS 3 → F = 0.75
    expect(rougeL('police killed the gunman', ['police kill the gunman']).f).toBeCloseTo(0.75, 12);
    // unequal lengths: pred 2 tokens, ref 4, LCS 2 → P 1, R .5, F 2/3
    expect(rougeL('le chat', ['le chat noir ici']).f).toBeCloseTo(2 / 3, 12);
    expect(rougeL('x', ['y']).f).toBe(0);
  });
});

describe('BLEU (sacreBLEU-compatible)', () => {
  it('13a tokenisation', () => {
    expect(tokenize13a("It wasn't surprising.")).toEqual(['It', "wasn't", 'surprising', '.']);
    expect(tokenize13a('Costs $1,000.50 (approx.), e.g. 3-4 days')).toEqual([
      'Costs',
      '$',
      '1,000.50',
      '(',
      'approx',
      '.',
      ')',
      ',',
      'e',
      '.',
      'g',
      '.',
      '3',
      '-',
      '4',
      'days',
    ]);
    expect(tokenize13a('a &amp; b &lt;c&gt;')).toEqual(['a', '&', 'b', '<', 'c', '>']);
    expect(tokenize13a('well-known')).toEqual(['well-known']);
  });

  it("matches sacreBLEU's README example: BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)", () => {
    const sys = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
    const refs = [
      ['The dog bit the man.', 'The dog had bit the man.'],
      ['It was not unexpected.', 'No one was surprised.'],
      ['The man bit him first.', 'The man had bitten the dog.'],
    ];
    const r = corpusBleu(sys, refs);
    expect(r.hypLen).toBe(17);
    expect(r.refLen).toBe(18);
    expect(r.ratio).toBeCloseTo(0.944, 3);
    expect(r.bp).toBeCloseTo(0.943, 3);
    expect(r.precisions.map((p) => Math.round(p * 10) / 10)).toEqual([82.4, 50.0, 45.5, 37.5]);
    expect(r.score).toBeCloseTo(48.53, 2);
  });

  it('hand-worked: identical → 100; clipping; exp smoothing; brevity penalty', () => {
    expect(corpusBleu(['the cat sat on the mat'], [['the cat sat on the mat']]).score).toBeCloseTo(100, 10);
    // "the the the the the the the" vs "the cat is on the mat": unigram clipped 2/7, bigrams 0/6, 0/5, 0/4
    const r = corpusBleu(['the the the the the the the'], [['the cat is on the mat']]);
    expect(r.counts).toEqual([2, 0, 0, 0]);
    expect(r.totals).toEqual([7, 6, 5, 4]);
    // exp smoothing: 100/(2·6), 100/(4·5), 100/(8·4); BP = 1 (7 ≥ 6)
    const expected = Math.exp(
      (Math.log((100 * 2) / 7) + Math.log(100 / 12) + Math.log(100 / 20) + Math.log(100 / 32)) / 4,
    );
    expect(r.score).toBeCloseTo(expected, 10);
    expect(
      corpusBleu(['the the the the the the the'], [['the cat is on the mat']], { smooth: 'none' }).score,
    ).toBe(0);
    // short hypothesis: 4 tokens, ref 6 → BP = exp(1 − 6/4); all n-grams match
    const s = corpusBleu(['the cat sat on'], [['the cat sat on the mat']]);
    expect(s.bp).toBeCloseTo(Math.exp(1 - 6 / 4), 12);
    expect(s.score).toBeCloseTo(100 * Math.exp(1 - 6 / 4), 10);
  });
});

describe('classification metrics', () => {
  it('macro / micro / weighted by hand, null predictions count against recall only', () => {
    const refs = ['pos', 'pos', 'pos', 'neg', 'neg', 'neu'];
    const preds = ['pos', 'pos', 'neg', 'neg', null, 'pos'];
    const r = classificationReport(refs, preds, ['pos', 'neg', 'neu']);
    // pos: TP 2, predicted 3, support 3 → P 2/3 R 2/3 F 2/3
    // neg: TP 1, predicted 2, support 2 → P 1/2 R 1/2 F 1/2
    // neu: TP 0, predicted 0, support 1 → P 0 R 0 F 0
    expect(r.accuracy).toBeCloseTo(3 / 6, 12);
    expect(r.macro.precision).toBeCloseTo((2 / 3 + 1 / 2) / 3, 12);
    expect(r.macro.f1).toBeCloseTo((2 / 3 + 1 / 2) / 3, 12);
    // micro: ΣTP 3 / Σpredicted 5, ΣTP 3 / Σsupport 6
    expect(r.micro.precision).toBeCloseTo(3 / 5, 12);
    expect(r.micro.recall).toBeCloseTo(3 / 6, 12);
    expect(r.micro.f1).toBeCloseTo((2 * 0.6 * 0.5) / 1.1, 12);
    // weighted by support 3, 2, 1
    expect(r.weighted.recall).toBeCloseTo((3 * (2 / 3) + 2 * 0.5) / 6, 12);
    expect(r.unlabeled).toBe(1);
    expect(r.confusion[1]).toEqual([0, 1, 0, 1]);
  });
});

describe('uncertainty and paired comparison', () => {
  it('normal quantile', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
  });
  it('Wilson 95 % interval by hand (8/10 → [0.4902, 0.9433])', () => {
    const w = wilsonInterval(8, 10);
    expect(w.lower).toBeCloseTo(0.4902, 4);
    expect(w.upper).toBeCloseTo(0.9433, 4);
    expect(wilsonInterval(0, 20).lower).toBe(0);
    expect(wilsonInterval(0, 20).upper).toBeCloseTo(3.8415 / (20 + 3.8415), 4);
  });
  it('bootstrap SE agrees with √(p(1−p)/n) and is seeded', () => {
    const scores = Array.from({ length: 1000 }, (_, i) => (i % 10 < 3 ? 1 : 0));
    const se = bootstrapStandardError(scores, { iterations: 2000, seed: 5 });
    expect(se).toBeGreaterThan(0.0145 * 0.9);
    expect(se).toBeLessThan(0.0145 * 1.1);
    expect(bootstrapStandardError(scores, { iterations: 2000, seed: 5 })).toBe(se);
    expect(bootstrapStandardError(scores, { iterations: 2000, seed: 6 })).not.toBe(se);
    expect(bootstrapStandardError(new Array(50).fill(1))).toBe(0);
  });
  it("McNemar's exact test below 26 discordant pairs, χ² with continuity correction above", () => {
    // b = 1, c = 9: p = 2 · (C(10,0) + C(10,1)) / 2^10 = 22/1024
    const e = mcnemarTest(1, 9);
    expect(e.method).toBe('exact');
    expect(e.pValue).toBeCloseTo(22 / 1024, 12);
    expect(mcnemarTest(5, 5).pValue).toBe(1);
    expect(mcnemarTest(0, 0).pValue).toBe(1);
    // b = 10, c = 30: χ² = (20 − 1)² / 40 = 9.025, p = P(χ²₁ > 9.025) = 0.002663
    const c = mcnemarTest(10, 30);
    expect(c.method).toBe('chi2_cc');
    expect(c.statistic).toBeCloseTo(9.025, 12);
    expect(c.pValue).toBeCloseTo(0.002663, 5);
    // 25 discordant pairs is still exact: b = 8, c = 17 → 2·P(X ≤ 8), X ~ Bin(25, .5) = 2 · 1081575 / 2^25
    const sum = [1, 25, 300, 2300, 12650, 53130, 177100, 480700, 1081575].reduce((a, b) => a + b, 0);
    expect(mcnemarTest(8, 17).pValue).toBeCloseTo((2 * sum) / 2 ** 25, 12);
  });
  it('paired difference, its interval and the flipped items', () => {
    const base = { a: 1, b: 1, c: 0, d: 0, e: 1, f: 0 };
    const cand = { a: 1, b: 0, c: 1, d: 1, e: 1, f: 0, g: 1 };
    const r = comparePaired(base, cand);
    expect(r.n).toBe(6);
    expect(r.flips.rightToWrong).toEqual(['b']);
    expect(r.flips.wrongToRight).toEqual(['c', 'd']);
    expect(r.unmatched).toEqual(['g']);
    // d = (2 − 1)/6; SE = √(3 − 1/6)/6
    expect(r.difference.estimate).toBeCloseTo(1 / 6, 12);
    const se = Math.sqrt(3 - 1 / 6) / 6;
    expect(r.difference.lower).toBeCloseTo(1 / 6 - 1.959964 * se, 5);
    expect(r.significant).toBe(false);
  });
  it('items needed to detect a drop (Connor 1987) by hand', () => {
    // δ = .05, ψ = .10: (1.959964·√.1 + 0.841621·√(.1 − .0025))² / .0025 = 311.58 → 312
    expect(itemsNeededForDrop({ drop: 0.05, discordantRate: 0.1 })).toBe(312);
    // a smaller drop needs more items; more discordance needs more items
    expect(itemsNeededForDrop({ drop: 0.02, discordantRate: 0.1 })).toBeGreaterThan(312);
    expect(itemsNeededForDrop({ drop: 0.05, discordantRate: 0.2 })).toBeGreaterThan(312);
  });
  it('suite score: unweighted and item-weighted means', () => {
    const s = suiteScore([
      { taskId: 'a', score: 0.9, n: 100 },
      { taskId: 'b', score: 0.5, n: 300 },
    ]);
    expect(s.meanOfTasks).toBeCloseTo(0.7, 12);
    expect(s.itemWeighted).toBeCloseTo((90 + 150) / 400, 12);
  });
});

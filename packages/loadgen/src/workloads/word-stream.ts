import type { Rng } from '../ports.js';

/**
 * Plain English words so every tokenizer sees ordinary text (token counts per word stay realistic: ~1.3 for BPE).
 * 277 distinct lowercase words.
 */
export const WORDS: readonly string[] = (
  'the of and to in is that for it as was with be by on not he this are or his from at which but have an ' +
  'they you were her she there been one all we their has would when if so no what up out who them some could ' +
  'time more these two may first then do any like my now over such our man me even most made after also did ' +
  'many before must through back years where much your way well down should because each just those people how ' +
  'too little state good very make world still own see men work long get here between both life being under ' +
  'never day same another know while last might us great old year off come since against go came right used ' +
  'take three small large next early young important few public bad able water river mountain city village road ' +
  'garden window kitchen table letter paper music story history science number system question answer problem ' +
  'market engine signal cloud server memory network request latency token model train batch cache prefix ' +
  'report figure measure value result method theory reason change color light sound voice morning evening ' +
  'winter summer spring autumn forest ocean island bridge tower station harbor engineer doctor teacher student ' +
  'farmer painter writer builder sailor pilot child friend family neighbor stranger quiet bright careful simple ' +
  'strange gentle sudden distant ancient modern narrow broad heavy empty crowded patient curious honest ' +
  'walked opened carried noticed explained wondered painted counted watched followed promised gathered ' +
  'repaired measured borrowed answered described traveled remembered decided arrived returned finished ' +
  'slowly quickly carefully often rarely almost perhaps together outside inside across toward beyond around'
).split(' ');

const PUNCT = ['.', '.', '.', ',', ',', ';', '?', '!'];

/**
 * An endless seeded stream of English-looking words with occasional punctuation and capitalised sentence starts.
 * Deterministic for a given Rng.
 */
export function generateWords(rng: Rng, count: number): string {
  const parts: string[] = [];
  let capitalize = true;
  for (let i = 0; i < count; i++) {
    let w = WORDS[Math.floor(rng.next() * WORDS.length)]!;
    if (capitalize) {
      w = w[0]!.toUpperCase() + w.slice(1);
      capitalize = false;
    }
    if (rng.next() < 0.08) {
      const p = PUNCT[Math.floor(rng.next() * PUNCT.length)]!;
      w += p;
      capitalize = p !== ',' && p !== ';';
    }
    parts.push(w);
  }
  return parts.join(' ');
}

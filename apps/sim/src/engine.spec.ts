import { describe, expect, it } from 'vitest';
import { ModelEngine, Seq, type FinishReason, type SeqListener } from './engine.js';
import { expectedSpecTokensPerStep, resolveProfiles, type SimProfileInput } from './profiles.js';
import { BlockHasher, countTextTokens } from './tokens.js';

interface RunResult {
  log: string[];
  seqs: Seq[];
  engine: ModelEngine;
  maxKvUsage: number;
  maxRunning: number;
}

/** Drives one engine on a synthetic clock (1 ms ticks), without sockets or timers. */
function runSynthetic(input: SimProfileInput, seed: number, n = 30): RunResult {
  const profile = resolveProfiles({ x: input }).get('x')!;
  const engine = new ModelEngine('x', profile, seed);
  const log: string[] = [];
  const finished = new Set<number>();
  const listener: SeqListener = {
    onTokens: (seq, first, count, tMs) => log.push(`${seq.id}:${first}+${count}@${tMs.toFixed(4)}`),
    onFinish: (seq: Seq, reason: FinishReason) => {
      finished.add(seq.id);
      log.push(`${seq.id}:done:${reason}`);
    },
  };
  const seqs: Seq[] = [];
  let maxKvUsage = 0;
  let maxRunning = 0;
  for (let now = 0; now < 200_000 && finished.size < n; now++) {
    if (now % 3 === 0 && seqs.length < n) {
      const i = seqs.length;
      const seq = new Seq({
        id: i,
        promptTokens: 100 + ((i * 37) % 300),
        targetTokens: 50 + ((i * 53) % 100),
        finishReason: 'length',
        blockHashes: [],
        arrivalMs: now,
        seed: 1000 + i,
        listener,
      });
      seqs.push(seq);
      engine.submit(seq);
    }
    for (const w of engine.workers) w.advance(now, 1_000_000);
    maxKvUsage = Math.max(maxKvUsage, ...engine.workers.map((w) => w.kvUsedTokens / w.kvCapacityTokens));
    maxRunning = Math.max(maxRunning, engine.runningCount);
  }
  return { log, seqs, engine, maxKvUsage, maxRunning };
}

const tight: SimProfileInput = {
  stepBaseMs: 5,
  decodePerSeqMs: 0.2,
  prefillPerTokenMs: 0.01,
  jitterFrac: 0.2,
  kvCapacityTokens: 2000,
  maxNumSeqs: 8,
};

describe('ModelEngine (synthetic clock)', () => {
  it('is deterministic for a seed and varies with it', () => {
    const a = runSynthetic(tight, 1).log;
    expect(runSynthetic(tight, 1).log).toEqual(a);
    expect(runSynthetic(tight, 2).log).not.toEqual(a);
  });

  it('finishes every sequence with exactly its target, within KV and slot limits, preempting when full', () => {
    const r = runSynthetic(tight, 3);
    for (const s of r.seqs) {
      expect(s.state).toBe('finished');
      expect(s.generated).toBe(s.targetTokens);
    }
    expect(r.maxKvUsage).toBeLessThanOrEqual(1);
    expect(r.maxRunning).toBeLessThanOrEqual(8);
    expect(r.engine.counters.preemptions).toBeGreaterThan(0);
    expect(r.engine.counters.generationTokens).toBe(r.seqs.reduce((a, s) => a + s.targetTokens, 0));
    // after the run everything is released
    expect(
      r.engine.workers.every((w) => w.kvUsedTokens === 0 && w.runningCount === 0 && w.waitingCount === 0),
    ).toBe(true);
  });

  it('emits token indices in order without gaps, for every option combination', () => {
    const variants: SimProfileInput[] = [
      { ...tight, chunkedPrefill: false, maxBatchedTokens: 512 },
      { ...tight, chunkedPrefill: true, maxBatchedTokens: 256, prefillChunkTokens: 64 },
      { ...tight, disaggregation: { kvTransferBaseMs: 2, kvTransferPerTokenMs: 0.01 } },
      { ...tight, speculative: { numTokens: 3, acceptanceRate: 0.6, draftCostFrac: 0.1, emit: 'separate' } },
      { kind: 'fixed', ttftMs: 20, tpotMs: 4, maxNumSeqs: 5 },
    ];
    for (const v of variants) {
      const r = runSynthetic(v, 4);
      const next = new Map<number, number>();
      for (const line of r.log) {
        const m = /^(\d+):(\d+)\+(\d+)@/.exec(line);
        if (!m) continue;
        const id = Number(m[1]);
        expect(Number(m[2])).toBe(next.get(id) ?? 0);
        next.set(id, Number(m[2]) + Number(m[3]));
      }
      for (const s of r.seqs) expect(next.get(s.id)).toBe(s.targetTokens);
    }
  });

  it('speculative decoding yields the expected tokens per step', () => {
    const k = 4;
    const a = 0.7;
    const r = runSynthetic(
      {
        stepBaseMs: 1,
        kvCapacityTokens: 1_000_000,
        maxNumSeqs: 1,
        speculative: { numTokens: k, acceptanceRate: a, draftCostFrac: 0, emit: 'separate' },
      },
      5,
      20,
    );
    let decodeTokens = 0;
    let decodeSteps = 0;
    for (const line of r.log) {
      const m = /^\d+:(\d+)\+(\d+)@/.exec(line);
      if (!m || m[1] === '0') continue; // the prefill step yields one token
      decodeSteps++;
      decodeTokens += Number(m[2]);
    }
    // the last step of a sequence may be clipped by its target, so allow a little below
    expect(decodeTokens / decodeSteps).toBeGreaterThan(expectedSpecTokensPerStep(k, a) * 0.85);
    expect(decodeTokens / decodeSteps).toBeLessThan(expectedSpecTokensPerStep(k, a) * 1.1);
  });
});

describe('profiles', () => {
  it('resolves extends chains and rejects bad input', () => {
    const p = resolveProfiles({ mine: { extends: 'sim-int4-awq', stepBaseMs: 3 } });
    const mine = p.get('mine')!;
    expect(mine.kind).toBe('batched');
    if (mine.kind === 'batched') {
      expect(mine.quantization).toBe('int4');
      expect(mine.stepBaseMs).toBe(3);
    }
    expect(() => resolveProfiles({ a: { extends: 'missing' } })).toThrow(/unknown profile/);
    expect(() => resolveProfiles({ a: { extends: 'b' }, b: { extends: 'a' } })).toThrow(/extends itself/);
    expect(() => resolveProfiles({ a: { stepBaseMs: -1 } })).toThrow(/>= 0/);
    expect(() => resolveProfiles({ a: { kind: 'fixed', extends: 'sim-fp16' } })).toThrow(/cannot extend/);
  });
});

describe('token counting and prefix hashing', () => {
  it('counts ceil(len/4) per whitespace-separated word', () => {
    expect(countTextTokens('')).toBe(0);
    expect(countTextTokens('the cat sat')).toBe(3);
    expect(countTextTokens('  hello\tworld\n')).toBe(4);
    expect(countTextTokens('internationalization')).toBe(5);
  });

  it('gives equal chained block hashes for a shared prefix and different ones after it', () => {
    const hash = (text: string): number[] => {
      const h = new BlockHasher(4);
      h.text(text);
      return h.blockHashes;
    };
    const prefix = 'a b c d e f g h';
    const x = hash(`${prefix} i j k l`);
    const y = hash(`${prefix} z j k l`);
    expect(x).toHaveLength(3);
    expect(y.slice(0, 2)).toEqual(x.slice(0, 2));
    expect(y[2]).not.toBe(x[2]);
    // chained: a change in block 0 changes every later block
    expect(hash(`q ${prefix.slice(2)} i j k l`)[1]).not.toBe(x[1]);
  });
});

import type { RequestSample } from '@inferbench/contracts';
import { createRng } from '../rng.js';

/** A successful sample with neutral defaults; override what a test cares about. */
export function makeSample(over: Partial<RequestSample> = {}): RequestSample {
  return {
    idx: 0,
    warmup: false,
    sentUs: 0,
    endUs: 0,
    chunkGapsUs: [],
    inputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    tokenSource: 'server',
    httpStatus: 200,
    ...over,
  };
}

/**
 * Deterministic pseudo-random samples spread over `seconds` seconds: about 5 % failures, 2 %
 * cancelled, 3 % warm-up, open-loop schedule, variable chunk counts (fast path for tests and bench).
 */
export function randomSamples(
  n: number,
  seed: number,
  opts: { seconds?: number; maxGaps?: number } = {},
): RequestSample[] {
  const rng = createRng(seed);
  const seconds = opts.seconds ?? 60;
  const maxGaps = opts.maxGaps ?? 20;
  const out: RequestSample[] = [];
  for (let i = 0; i < n; i++) {
    const scheduledUs = Math.floor(rng.next() * seconds * 1e6);
    const sentUs = scheduledUs + Math.floor(rng.next() * 3000);
    const ttftUs = 20_000 + Math.floor(-Math.log(1 - rng.next()) * 150_000);
    const nGaps = rng.nextInt(maxGaps + 1);
    const gaps: number[] = [];
    let t = sentUs + ttftUs;
    for (let g = 0; g < nGaps; g++) {
      const gap = 5_000 + Math.floor(-Math.log(1 - rng.next()) * 20_000);
      gaps.push(gap);
      t += gap;
    }
    const endUs = t + rng.nextInt(2000);
    const r = rng.next();
    const outputTokens = nGaps + 1 + (rng.next() < 0.2 ? rng.nextInt(5) : 0);
    const s: RequestSample = makeSample({
      idx: i,
      scheduledUs,
      sentUs,
      firstChunkUs: sentUs + ttftUs,
      firstContentUs: sentUs + ttftUs + (rng.next() < 0.3 ? 40_000 : 0),
      endUs,
      chunkGapsUs: gaps,
      inputTokens: 50 + rng.nextInt(500),
      outputTokens,
      reasoningTokens: rng.nextInt(3),
      tokenSource: rng.next() < 0.7 ? 'server' : 'client',
      clientQueueUs: rng.nextInt(1000),
    });
    if (s.tokenSource === 'server' && rng.next() < 0.5)
      s.clientOutputTokens = outputTokens + (rng.next() < 0.2 ? 1 : 0);
    if (r < 0.03) s.warmup = true;
    else if (r < 0.05) s.errorClass = 'cancelled';
    else if (r < 0.08) {
      s.errorClass = 'http';
      s.httpStatus = 503;
    } else if (r < 0.1) s.errorClass = 'timeout';
    out.push(s);
  }
  return out;
}

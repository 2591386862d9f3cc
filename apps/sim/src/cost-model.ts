/**
 * The cost model of one batched engine step: how long a forward pass takes for the batch it carries.
 * All costs in ms, parameters from the {@link BatchedProfile}, scaled by the quantization factors.
 */
import type { Prng } from './prng.js';
import { QUANT_FACTORS, type BatchedProfile } from './profiles.js';
import { MIN_STEP_MS } from './worker.js';

/** What a planned step carries, as far as its cost depends on it. */
export interface StepLoad {
  /** sequences that decode in the step */
  decodeSeqs: number;
  /** KV tokens those sequences read (attention) */
  kvReadTokens: number;
  /** prompt tokens computed in the step (all prefill chunks) */
  prefillTokens: number;
  /** the step also runs speculative drafting and verification */
  speculative: boolean;
}

/** Step durations of one worker; owns the worker's jitter RNG (one draw per step when jitter is on). */
export class StepCostModel {
  private readonly q: { weights: number; prefill: number };

  constructor(
    private readonly p: BatchedProfile,
    private readonly rng: Prng,
  ) {
    this.q = QUANT_FACTORS[p.quantization];
  }

  /**
   * Duration of a step, ms (at least MIN_STEP_MS): streaming the weights once, a cost per decoding sequence and per
   * KV token read (bandwidth-bound), a cost per prefilled token (compute-bound) and, with speculative decoding, k
   * draft-model passes plus verification of k extra tokens per sequence.
   */
  stepMs(load: StepLoad): number {
    const p = this.p;
    const weightMs = p.stepBaseMs * this.q.weights;
    let costMs =
      weightMs +
      load.decodeSeqs * p.decodePerSeqMs * this.q.weights +
      load.kvReadTokens * p.decodePerKvTokenMs +
      load.prefillTokens * p.prefillPerTokenMs * this.q.prefill;
    const spec = p.speculative;
    if (spec && load.speculative) {
      costMs +=
        spec.numTokens * spec.draftCostFrac * weightMs +
        load.decodeSeqs * p.decodePerSeqMs * this.q.weights * spec.numTokens;
    }
    if (p.jitterFrac > 0) costMs *= 1 + p.jitterFrac * (2 * this.rng.next() - 1);
    return Math.max(costMs, MIN_STEP_MS);
  }
}

/**
 * One request inside the simulated engine ({@link Seq}) and the listener that receives its output.
 * Times are engine-clock ms: the same origin as the Driver's clock, performance.now().
 */
import { Prng } from './prng.js';

/** Why a sequence stopped: the seeded EOS point ("stop") or max_tokens ("length"). */
export type FinishReason = 'stop' | 'length';

/** Receives the output of one sequence. Called synchronously from inside Driver.wake(). */
export interface SeqListener {
  /** Tokens [firstIndex, firstIndex + count) of the output became available at engine time tMs. */
  onTokens(seq: Seq, firstIndex: number, count: number, tMs: number): void;
  /** The sequence finished normally (not called for aborted sequences). */
  onFinish(seq: Seq, reason: FinishReason): void;
}

/** What the server knows about a request when it hands it to the engine. */
export interface SeqInit {
  id: number;
  promptTokens: number;
  /** tokens to generate before finishing (already resolved from max_tokens / EOS / min_tokens) */
  targetTokens: number;
  finishReason: FinishReason;
  /** chained prefix-block hashes of the prompt (empty when prefix caching is off) */
  blockHashes: readonly number[];
  /** engine-clock ms when the request arrived */
  arrivalMs: number;
  /** per-request seed (spec-decode acceptance draws) */
  seed: number;
  listener: SeqListener;
  /** stall once when this many tokens have been generated (-1: never) */
  stallAtToken?: number;
  stallMs?: number;
}

type SeqState = 'waiting' | 'running' | 'transfer' | 'finished' | 'aborted';

/**
 * The worker a sequence is queued on or running on, as far as the sequence needs to know it (the full
 * contract is `Worker` in worker.ts; declared here so that this module depends on no worker).
 */
export interface SeqOwner {
  abort(seq: Seq, nowMs: number): void;
}

/** One request inside the engine. Times are engine-clock ms (NaN until reached). */
export class Seq {
  readonly id: number;
  readonly promptTokens: number;
  readonly targetTokens: number;
  readonly finishReason: FinishReason;
  readonly blockHashes: readonly number[];
  readonly arrivalMs: number;
  readonly listener: SeqListener;
  readonly rng: Prng;
  state: SeqState = 'waiting';
  generated = 0;
  /** prompt (+ already generated, after a preemption) tokens still to compute */
  prefillRemaining: number;
  /** KV tokens held by this sequence on its current worker */
  kvTokens = 0;
  /** earliest engine time it may be admitted (arrival, or end of the KV transfer in P/D) */
  readyAtMs: number;
  stalledUntilMs = 0;
  stallAtToken: number;
  stallMs: number;
  /** prompt tokens served from the prefix cache at first admission */
  cachedTokens = 0;
  preemptions = 0;
  firstScheduledMs = Number.NaN;
  firstTokenMs = Number.NaN;
  /** engine time of the latest emission (for inter-token latency) */
  lastTokenMs = Number.NaN;
  finishedMs = Number.NaN;
  /** fixed profile: when the next token is due */
  nextDueMs = 0;
  worker: SeqOwner | null = null;

  constructor(init: SeqInit) {
    this.id = init.id;
    this.promptTokens = init.promptTokens;
    this.targetTokens = Math.max(1, init.targetTokens);
    this.finishReason = init.finishReason;
    this.blockHashes = init.blockHashes;
    this.arrivalMs = init.arrivalMs;
    this.readyAtMs = init.arrivalMs;
    this.listener = init.listener;
    this.rng = new Prng(init.seed);
    this.prefillRemaining = init.promptTokens;
    this.stallAtToken = init.stallAtToken ?? -1;
    this.stallMs = init.stallMs ?? 0;
  }

  get isDone(): boolean {
    return this.state === 'finished' || this.state === 'aborted';
  }
}

/**
 * Fault injection and the other per-request random choices (the seeded EOS point, the output words): injected
 * 500/429/503 answers, stalls, disconnects and malformed chunks, at the rates of the request's {@link FaultSpec}.
 */
import { HttpError } from './http-io.js';
import { Prng, deriveSeed } from './prng.js';
import type { FaultSpec } from './profiles.js';
import type { FinishReason } from './seq.js';

/** The uniform draws of one request, each in [0, 1) except `wordOffset`. */
export interface RequestDraws {
  error: number;
  rateLimit: number;
  unavailable: number;
  stall: number;
  disconnect: number;
  malformed: number;
  early: number;
  earlyAt: number;
  stallAt: number;
  disconnectAt: number;
  malformedAt: number;
  /** first output word, 0..63 */
  wordOffset: number;
}

/**
 * The draws of request #`index`. Every request draws the same sequence of numbers, whichever faults fire, so the
 * choices for request #n depend only on the seed and n.
 */
export function drawRequest(seed: number, index: number): RequestDraws {
  const rng = new Prng(deriveSeed(seed, index));
  // object literal properties are evaluated in source order: this order is the draw order
  return {
    error: rng.next(),
    rateLimit: rng.next(),
    unavailable: rng.next(),
    stall: rng.next(),
    disconnect: rng.next(),
    malformed: rng.next(),
    early: rng.next(),
    earlyAt: rng.next(),
    stallAt: rng.next(),
    disconnectAt: rng.next(),
    malformedAt: rng.next(),
    wordOffset: rng.int(0, 63),
  };
}

/** An injected error answer: the error and its extra headers (`retry-after` for 429/503). */
export interface InjectedError {
  error: HttpError;
  headers: Record<string, string>;
}

/** The injected 500, 429 or 503 this request gets (checked in that order), or null. */
export function findInjectedError(d: RequestDraws, faults: FaultSpec): InjectedError | null {
  const retryAfter = String(faults.retryAfterS ?? 1);
  if (d.error < (faults.errorRate ?? 0)) {
    return {
      error: new HttpError(500, 'injected internal server error', 'InternalServerError', 500),
      headers: {},
    };
  }
  if (d.rateLimit < (faults.rateLimitRate ?? 0)) {
    return {
      error: new HttpError(429, 'injected rate limit', 'RateLimitError', 429),
      headers: { 'retry-after': retryAfter },
    };
  }
  if (d.unavailable < (faults.unavailableRate ?? 0)) {
    return {
      error: new HttpError(503, 'injected unavailability', 'ServiceUnavailableError', 503),
      headers: { 'retry-after': retryAfter },
    };
  }
  return null;
}

/** How an accepted request's output goes: its length and the in-stream faults, as output token indices. */
export interface OutputPlan {
  targetTokens: number;
  finishReason: FinishReason;
  /** token whose chunk is preceded by a truncated JSON chunk (-1: none) */
  malformedAt: number;
  /** token after whose chunk the connection is cut (-1: none) */
  disconnectAt: number;
  /** stall once after this many tokens (-1: never) */
  stallAtToken: number;
  stallMs: number;
}

/**
 * The output plan of an accepted request: max_tokens, or an early "stop" (the EOS point) drawn in
 * [max(1, min_tokens), max_tokens) unless ignore_eos; then the in-stream faults placed along that length.
 */
export function planOutput(
  d: RequestDraws,
  faults: FaultSpec,
  req: { maxTokens: number; minTokens: number; ignoreEos: boolean; stream: boolean; earlyStopProb: number },
): OutputPlan {
  let target = req.maxTokens;
  let finishReason: FinishReason = 'length';
  const minTokens = Math.max(1, req.minTokens);
  if (!req.ignoreEos && target > minTokens && d.early < req.earlyStopProb) {
    target = minTokens + Math.floor(d.earlyAt * (req.maxTokens - minTokens));
    finishReason = 'stop';
  }
  const at = (u: number): number => Math.floor(u * target);
  return {
    targetTokens: target,
    finishReason,
    malformedAt: req.stream && d.malformed < (faults.malformedRate ?? 0) ? at(d.malformedAt) : -1,
    disconnectAt: d.disconnect < (faults.disconnectRate ?? 0) ? at(d.disconnectAt) : -1,
    stallAtToken: d.stall < (faults.stallRate ?? 0) ? Math.max(1, at(d.stallAt)) : -1,
    stallMs: faults.stallMs ?? 500,
  };
}

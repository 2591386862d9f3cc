import type { RequestSample } from '@inferbench/contracts';

/**
 * Per-request figures of METRICS.md, computed from one RequestSample (integer µs times relative to
 * the load point's start). Every function returns milliseconds (or tokens/s where the name says so)
 * as a float, and `undefined` where the figure is not defined for that request. Latency figures
 * are defined only for successful requests (the peers' convention: vLLM, SGLang and AIPerf drop
 * failed requests from latency statistics); schedule delay and client queue time are defined for
 * any request that carries the timestamps, because they describe the client, not the server.
 */

/** Where a sample goes in a load point: warm-up and cancelled samples are outside the measured window. */
export type SampleKind = 'warmup' | 'cancelled' | 'succeeded' | 'failed';

/**
 * Classify a sample. Warm-up wins over everything (a cancelled warm-up request is warm-up);
 * `cancelled` is the error class the agent gives to requests it aborted itself (cancel or end of
 * window). A request succeeded when it has no error class and a 2xx status.
 */
export function sampleKind(s: RequestSample): SampleKind {
  if (s.warmup) return 'warmup';
  if (s.errorClass === 'cancelled') return 'cancelled';
  return isSucceeded(s) ? 'succeeded' : 'failed';
}

/** True for a request with no error class and an HTTP 2xx status. */
export function isSucceeded(s: RequestSample): boolean {
  return s.errorClass === undefined && s.httpStatus >= 200 && s.httpStatus < 300;
}

/** Error class of a failed request; a non-2xx status without a class counts as `http`. */
export function errorClassOf(s: RequestSample): string | undefined {
  if (isSucceeded(s)) return undefined;
  return s.errorClass ?? 'http';
}

/** Number of output chunks (first chunk plus one per gap); 0 when no output chunk arrived. */
export function outputChunkCount(s: RequestSample): number {
  return s.firstChunkUs === undefined ? 0 : 1 + s.chunkGapsUs.length;
}

/** TTFT = first output chunk − sentAt, ms. Successful requests with at least one chunk. */
export function ttftMs(s: RequestSample): number | undefined {
  if (!isSucceeded(s) || s.firstChunkUs === undefined) return undefined;
  return (s.firstChunkUs - s.sentUs) / 1000;
}

/** TTFT-content = first non-reasoning content chunk − sentAt, ms. */
export function ttftContentMs(s: RequestSample): number | undefined {
  if (!isSucceeded(s) || s.firstContentUs === undefined) return undefined;
  return (s.firstContentUs - s.sentUs) / 1000;
}

/** Time to second token = second output chunk − sentAt, ms (needs ≥ 2 chunks). */
export function ttstMs(s: RequestSample): number | undefined {
  if (!isSucceeded(s) || s.firstChunkUs === undefined) return undefined;
  const g = s.chunkGapsUs[0];
  if (g === undefined) return undefined;
  return (s.firstChunkUs + g - s.sentUs) / 1000;
}

/** E2E latency = endAt − sentAt, ms. */
export function e2eMs(s: RequestSample): number | undefined {
  if (!isSucceeded(s)) return undefined;
  return (s.endUs - s.sentUs) / 1000;
}

/**
 * TPOT = (E2E − TTFT) / (outputTokens − 1), ms, for outputTokens ≥ 2 (vLLM/SGLang TPOT; AIPerf and
 * GuideLLM call it ITL).
 */
export function tpotMs(s: RequestSample): number | undefined {
  if (!isSucceeded(s) || s.firstChunkUs === undefined || s.outputTokens < 2) return undefined;
  return (s.endUs - s.firstChunkUs) / (s.outputTokens - 1) / 1000;
}

/** NTPOT = E2E / outputTokens, ms, for outputTokens ≥ 1 (inference-perf NTPOT; GuideLLM's TPOT). */
export function ntpotMs(s: RequestSample): number | undefined {
  if (!isSucceeded(s) || s.outputTokens < 1) return undefined;
  return (s.endUs - s.sentUs) / s.outputTokens / 1000;
}

/**
 * The "TPOT divided by all tokens" variant some articles use: (E2E − TTFT) / outputTokens, ms, for
 * outputTokens ≥ 1. Exported only because users ask for it by name; TPOT is {@link tpotMs}.
 */
export function tpotAllTokensMs(s: RequestSample): number | undefined {
  if (!isSucceeded(s) || s.firstChunkUs === undefined || s.outputTokens < 1) return undefined;
  return (s.endUs - s.firstChunkUs) / s.outputTokens / 1000;
}

/** TPS per request = outputTokens / E2E, tokens/s (llmperf request_output_throughput_token_per_s). */
export function requestTokensPerSec(s: RequestSample): number | undefined {
  if (!isSucceeded(s)) return undefined;
  const e2eUs = s.endUs - s.sentUs;
  if (e2eUs <= 0) return undefined;
  return (s.outputTokens * 1e6) / e2eUs;
}

/**
 * Decode speed = (outputTokens − 1) / (E2E − TTFT), tokens/s, for outputTokens ≥ 2 and a decode
 * time > 0 (AIPerf output_token_throughput_per_user = 1 / its ITL).
 */
export function decodeTokensPerSec(s: RequestSample): number | undefined {
  if (!isSucceeded(s) || s.firstChunkUs === undefined || s.outputTokens < 2) return undefined;
  const decodeUs = s.endUs - s.firstChunkUs;
  if (decodeUs <= 0) return undefined;
  return ((s.outputTokens - 1) * 1e6) / decodeUs;
}

/**
 * ITL gaps between consecutive output chunks, ms (vLLM ITL; AIPerf inter_chunk_latency). A chunk that
 * carries several tokens is one gap. Empty for failed requests and requests with < 2 chunks.
 */
export function itlGapsMs(s: RequestSample): number[] {
  if (!isSucceeded(s) || s.firstChunkUs === undefined) return [];
  return s.chunkGapsUs.map((g) => g / 1000);
}

/** Largest ITL gap of the request, ms (what an ITL SLO is checked against); undefined with < 2 chunks. */
export function maxItlMs(s: RequestSample): number | undefined {
  if (!isSucceeded(s) || s.firstChunkUs === undefined || s.chunkGapsUs.length === 0) return undefined;
  let m = 0;
  for (const g of s.chunkGapsUs) if (g > m) m = g;
  return m / 1000;
}

/** Schedule delay = sentAt − scheduledAt, ms (open loop only; any outcome). May be negative if sent early. */
export function scheduleDelayMs(s: RequestSample): number | undefined {
  if (s.scheduledUs === undefined) return undefined;
  return (s.sentUs - s.scheduledUs) / 1000;
}

/** Time the request waited for a concurrency slot, ms (any outcome). */
export function clientQueueMs(s: RequestSample): number | undefined {
  if (s.clientQueueUs === undefined) return undefined;
  return s.clientQueueUs / 1000;
}

/** Every per-request figure of one sample. */
export interface RequestMetrics {
  kind: SampleKind;
  ttftMs: number | undefined;
  ttftContentMs: number | undefined;
  ttstMs: number | undefined;
  e2eMs: number | undefined;
  tpotMs: number | undefined;
  ntpotMs: number | undefined;
  tpotAllTokensMs: number | undefined;
  requestTokensPerSec: number | undefined;
  decodeTokensPerSec: number | undefined;
  itlGapsMs: number[];
  maxItlMs: number | undefined;
  scheduleDelayMs: number | undefined;
  clientQueueMs: number | undefined;
}

/** All per-request figures at once (convenience for tables and exports). */
export function deriveRequestMetrics(s: RequestSample): RequestMetrics {
  return {
    kind: sampleKind(s),
    ttftMs: ttftMs(s),
    ttftContentMs: ttftContentMs(s),
    ttstMs: ttstMs(s),
    e2eMs: e2eMs(s),
    tpotMs: tpotMs(s),
    ntpotMs: ntpotMs(s),
    tpotAllTokensMs: tpotAllTokensMs(s),
    requestTokensPerSec: requestTokensPerSec(s),
    decodeTokensPerSec: decodeTokensPerSec(s),
    itlGapsMs: itlGapsMs(s),
    maxItlMs: maxItlMs(s),
    scheduleDelayMs: scheduleDelayMs(s),
    clientQueueMs: clientQueueMs(s),
  };
}

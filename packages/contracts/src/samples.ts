import { z } from 'zod';
import { ErrorClassSchema, TokenSourceSchema } from './common.js';

/**
 * The raw record of one request (METRICS.md "Raw record per request"). All times are integer
 * microseconds from one monotonic clock, relative to the load point's start on the agent that
 * sent the request. Chunk arrival times are stored compactly: `firstChunkUs` plus `chunkGapsUs`,
 * the gaps between consecutive output chunks (so chunk i arrives at firstChunkUs + sum(gaps[0..i-1])).
 */
export const RequestSampleSchema = z.object({
  /** index of the request within its shard, 0-based; unique per (loadPoint, shard) */
  idx: z.number().int().min(0),
  /** true for warm-up requests: stored, excluded from every figure */
  warmup: z.boolean().default(false),
  /** when the plan wanted it sent (open loop); absent in closed loop */
  scheduledUs: z.number().int().optional(),
  /** time the request waited for a concurrency slot (open loop with maxConcurrency) */
  clientQueueUs: z.number().int().min(0).optional(),
  sentUs: z.number().int(),
  /** first chunk carrying output (content, reasoning or tool-call delta) */
  firstChunkUs: z.number().int().optional(),
  /** first chunk carrying non-reasoning content */
  firstContentUs: z.number().int().optional(),
  endUs: z.number().int(),
  chunkGapsUs: z.array(z.number().int().min(0)),
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  reasoningTokens: z.number().int().min(0).default(0),
  tokenSource: TokenSourceSchema,
  /** client-side token count where the server also reported usage (for the disagreement count) */
  clientOutputTokens: z.number().int().min(0).optional(),
  /** HTTP status; 0 when no response arrived */
  httpStatus: z.number().int().min(0),
  errorClass: ErrorClassSchema.optional(),
  errorMessage: z.string().max(2000).optional(),
  /**
   * times the request was re-sent on a fresh connection because its reused connection was closed before any
   * response byte (`sentUs` is the re-send); absent = 0. Not stored per row: it reaches the point's summary
   * through the agent's accumulator.
   */
  connectionRetries: z.number().int().min(0).optional(),
});
export type RequestSample = z.infer<typeof RequestSampleSchema>;

/** Chunk arrival times (µs) reconstructed from a sample. */
export function chunkTimesUs(s: Pick<RequestSample, 'firstChunkUs' | 'chunkGapsUs'>): number[] {
  if (s.firstChunkUs === undefined) return [];
  const out = [s.firstChunkUs];
  let t = s.firstChunkUs;
  for (const g of s.chunkGapsUs) {
    t += g;
    out.push(t);
  }
  return out;
}

import { z } from 'zod';
import {
  CompactSampleBatchEventSchema,
  EvalFinishedEventSchema,
  EvalProgressEventSchema,
  EvalRecordsEventSchema,
  EvalStartedEventSchema,
  LoadPointFinishedEventSchema,
  LoadPointStartedEventSchema,
  ProgressEventSchema,
  RequestSampleSchema,
  SampleBatchEventSchema,
  type AgentWireEvent,
} from '@inferbench/contracts';

/** True when `v` is an array of non-negative safe integers (what `z.array(z.number().int().min(0))` accepts). */
export function isGapArray(v: unknown): v is number[] {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const g: unknown = v[i];
    if (typeof g !== 'number' || !Number.isSafeInteger(g) || g < 0) return false;
  }
  return true;
}

/**
 * `AgentWireEventSchema` with the same acceptance and output, built for the ingest hot path: a json-v1 sample's
 * `chunkGapsUs` is checked by one loop ({@link isGapArray}) instead of one zod schema per element. A 100-token sample
 * has ~100 gaps, so a 500-sample batch is ~50,000 element checks; per-element zod cost ~4 ms of the ~5 ms parse of
 * such a batch. Every other field keeps the contract's zod schema. A columnar-v2 batch is checked here as an envelope
 * only: its payload is validated by the decoder (`decodeSampleBatchColumns`) when it is stored.
 */
export const IngestEventSchema = z.discriminatedUnion('type', [
  LoadPointStartedEventSchema,
  z.discriminatedUnion('encoding', [
    SampleBatchEventSchema.extend({
      samples: z.array(
        RequestSampleSchema.extend({
          chunkGapsUs: z.custom<number[]>(isGapArray, {
            message: 'chunkGapsUs must be an array of non-negative integers',
          }),
        }),
      ),
    }),
    CompactSampleBatchEventSchema,
  ]),
  ProgressEventSchema,
  LoadPointFinishedEventSchema,
  EvalStartedEventSchema,
  EvalRecordsEventSchema,
  EvalProgressEventSchema,
  EvalFinishedEventSchema,
]);

// the hot-path schema must produce exactly the contract's wire event type
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameOutput: Same<z.infer<typeof IngestEventSchema>, AgentWireEvent> = true;
void sameOutput;

import { z } from 'zod';
import { IdSchema } from './common.js';
import { RequestSampleSchema } from './samples.js';
import { TimeSeriesPointSchema } from './summary.js';
import { GpuTelemetrySchema, ServerTelemetrySchema } from './telemetry.js';
import { TokenizerInfoSchema } from './tokenizer.js';
import {
  EvalFinishedEventSchema,
  EvalProgressEventSchema,
  EvalRecordsEventSchema,
  EvalStartedEventSchema,
} from './eval-jobs.js';

const base = {
  v: z.literal(1),
  runId: IdSchema,
  loadPointId: IdSchema,
  shardIndex: z.number().int().min(0),
  agentId: z.string(),
  /** epoch milliseconds when the agent emitted the event */
  ts: z.number(),
  /** execution attempt of the shard (0 first; +1 each time the shard is re-run after its agent died); absent = 0 */
  attempt: z.number().int().min(0).optional(),
};

/** The agent started executing a shard. */
export const LoadPointStartedEventSchema = z.object({ ...base, type: z.literal('loadpoint.started') });

/**
 * A batch of raw samples. `batchSeq` counts 0,1,2,... per (loadPoint, shard); the API stores each
 * (loadPointId, shardIndex, batchSeq) once, so redelivery never duplicates samples.
 *
 * This is the batch as the agent builds it, and its `json-v1` encoding on the ingest queue (`encoding` absent from
 * agents before issue 14). Agents now send batches as {@link CompactSampleBatchEventSchema} (`columnar-v2`); the API
 * keeps accepting json-v1 for one more version (older agents, `AGENT_INGEST_ENCODING=json-v1`).
 */
export const SampleBatchEventSchema = z.object({
  ...base,
  type: z.literal('sample.batch'),
  encoding: z.literal('json-v1').optional(),
  batchSeq: z.number().int().min(0),
  samples: z.array(RequestSampleSchema),
});

/**
 * A sample batch in the `columnar-v2` encoding (sample-batch-codec.ts): the samples as one binary payload of varint
 * columns, base64 in `data`. A 500-sample × 100-gap batch is 2.4–5× smaller than its JSON, and the API decodes it
 * straight into its binary COPY. The agent's signature (HMAC of the event's JSON, agent-auth.ts) covers `data`.
 */
export const CompactSampleBatchEventSchema = z.object({
  ...base,
  type: z.literal('sample.batch'),
  encoding: z.literal('columnar-v2'),
  batchSeq: z.number().int().min(0),
  /** samples in `data` (the decoder checks it) */
  sampleCount: z.number().int().min(0),
  /** base64 of the columnar-v2 payload */
  data: z.string(),
});

/** A sample batch as it travels on the ingest queue: either encoding. */
export const SampleBatchWireSchema = z.discriminatedUnion('encoding', [
  SampleBatchEventSchema,
  CompactSampleBatchEventSchema,
]);

/** Live progress: one per-second window, plus running totals. */
export const ProgressEventSchema = z.object({
  ...base,
  type: z.literal('loadpoint.progress'),
  window: TimeSeriesPointSchema,
  totals: z.object({
    done: z.number().int(),
    errors: z.number().int(),
    /** planned measured requests, when known */
    planned: z.number().int().optional(),
    elapsedSec: z.number(),
  }),
});

/**
 * What the agent measured next to the server while the shard ran: the target's Prometheus endpoint
 * (when the target has a `metricsUrl`) and the agent host's GPUs (unless disabled). Either part is
 * absent when it was not collected; `available: false` with a `reason` when collection was attempted
 * but yielded nothing (no `nvidia-smi`, endpoint down).
 */
export const LoadPointTelemetrySchema = z.object({
  server: ServerTelemetrySchema.optional(),
  gpu: GpuTelemetrySchema.optional(),
});
export type LoadPointTelemetry = z.infer<typeof LoadPointTelemetrySchema>;

/** The shard ended. `batchCount` lets the API wait until every batch is stored before completing. */
export const LoadPointFinishedEventSchema = z.object({
  ...base,
  type: z.literal('loadpoint.finished'),
  status: z.enum(['completed', 'cancelled', 'failed']),
  batchCount: z.number().int().min(0),
  /** human-readable reason when failed or aborted by a limit */
  reason: z.string().optional(),
  /** plain-language self-check warnings from the client (e.g. fell behind schedule) */
  warnings: z.array(z.string()).default([]),
  /** the client-side tokenizer the shard used (absent from older agents) */
  tokenizer: TokenizerInfoSchema.optional(),
  /** server and GPU telemetry of the shard; absent from older agents and from points that never started */
  telemetry: LoadPointTelemetrySchema.optional(),
  /**
   * the shard's metrics accumulator over all its samples (`LoadPointAccumulator.encode()` from
   * `@inferbench/metrics`, built with the job's SLO): the API merges the shards' accumulators exactly instead of
   * rescanning stored samples. Absent from older agents and for a point that never started.
   */
  accumulator: z.string().max(50_000_000).optional(),
  /** how this shard's load went, for the point's per-shard health list */
  shardHealth: z
    .object({
      /** p99 of sentAt − scheduledAt over the shard's measured requests, ms (open-loop plans) */
      scheduleDelayP99Ms: z.number().optional(),
      /** failed measured requests */
      errors: z.number().int().min(0),
      /** epoch ms when the shard actually started its load (after the common-start wait) */
      startedAtEpochMs: z.number(),
    })
    .optional(),
});

/**
 * Everything an agent sends to the API on the `ingest` queue (load-point events and eval events), as the agent builds
 * it; on the queue a sample batch may be compacted ({@link AgentWireEventSchema}).
 */
export const AgentEventSchema = z.discriminatedUnion('type', [
  LoadPointStartedEventSchema,
  SampleBatchEventSchema,
  ProgressEventSchema,
  LoadPointFinishedEventSchema,
  EvalStartedEventSchema,
  EvalRecordsEventSchema,
  EvalProgressEventSchema,
  EvalFinishedEventSchema,
]);
export type AgentEvent = z.infer<typeof AgentEventSchema>;
export type SampleBatchEvent = z.infer<typeof SampleBatchEventSchema>;
export type CompactSampleBatchEvent = z.infer<typeof CompactSampleBatchEventSchema>;
export type SampleBatchWire = z.infer<typeof SampleBatchWireSchema>;

/**
 * What travels on the `ingest` queue: an {@link AgentEvent}, where a sample batch may be in either encoding
 * (agents send `columnar-v2`; `json-v1` stays accepted). The API parses every ingest job as this.
 */
export const AgentWireEventSchema = z.discriminatedUnion('type', [
  LoadPointStartedEventSchema,
  SampleBatchWireSchema,
  ProgressEventSchema,
  LoadPointFinishedEventSchema,
  EvalStartedEventSchema,
  EvalRecordsEventSchema,
  EvalProgressEventSchema,
  EvalFinishedEventSchema,
]);
export type AgentWireEvent = z.infer<typeof AgentWireEventSchema>;
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;
export type LoadPointFinishedEvent = z.infer<typeof LoadPointFinishedEventSchema>;

/** Live info an agent keeps under `agentKey(prefix, id)` in Redis (heartbeat, TTL AGENT_TTL_SEC). */
export const AgentInfoSchema = z.object({
  id: z.string(),
  pool: z.string(),
  host: z.string(),
  version: z.string(),
  capabilities: z.object({
    cpus: z.number().int(),
    memoryMb: z.number().int(),
    gpus: z.array(z.string()).default([]),
    labels: z.record(z.string(), z.string()).default({}),
  }),
  state: z.enum(['idle', 'busy']),
  currentJob: z
    .object({
      runId: z.string(),
      loadPointId: z.string(),
      shardIndex: z.number(),
      /** the shard's attempt (absent from older agents: 0) */
      attempt: z.number().int().min(0).optional(),
    })
    .nullable(),
  startedAt: z.number(),
  heartbeatAt: z.number(),
});
export type AgentInfo = z.infer<typeof AgentInfoSchema>;

/** Events the API pushes to browsers and CLIs on `GET /runs/:id/events` (SSE). */
export const RunStreamEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run.status'),
    runId: z.string(),
    status: z.string(),
    error: z.string().nullable(),
  }),
  z.object({
    type: z.literal('loadpoint.status'),
    runId: z.string(),
    loadPointId: z.string(),
    status: z.string(),
  }),
  z.object({
    type: z.literal('loadpoint.progress'),
    runId: z.string(),
    loadPointId: z.string(),
    shardIndex: z.number(),
    window: TimeSeriesPointSchema,
    totals: ProgressEventSchema.shape.totals,
  }),
]);
export type RunStreamEvent = z.infer<typeof RunStreamEventSchema>;

import type { LoadLevel, RequestSample } from '@inferbench/contracts';
import type { AccumulatorOptions } from '@inferbench/metrics';
import type { ClientTimeouts } from '../../ports.js';
import type { WorkItem } from '../../workloads/workload.js';
import type { StopDecision } from '../constraints/index.js';
import type { RunLoadPointInput, RunLoadPointResult } from '../point-types.js';

/** One request dealt to a worker: its index in the point, its open-loop send time (µs from the start), its prompt. */
export interface DealtRequest {
  i: number;
  t?: number;
  item: WorkItem;
}

/** What a worker thread is started with (workerData). */
export interface WorkerInit {
  index: number;
  count: number;
  /** the point (target, params, durationSec, warmup, limits); the worker reads no counts from it */
  input: Omit<RunLoadPointInput, 'shard'>;
  level: LoadLevel;
  release: 'closed' | 'open';
  /** this worker's count warm-up (its share of the point's first warm-up requests) */
  warmupRequests: number | undefined;
  /** this worker's planned requests when known (warm-up included) */
  planned: number | undefined;
  /** the point's measured request count, for the duration limit's reason */
  requestsTotal: number | undefined;
  client: { maxConnections: number; timeouts?: Partial<ClientTimeouts> };
  /** a tokenizer spec the worker can build (createTokenizer); absent: the main thread counts output tokens */
  tokenizerSpec: string | undefined;
  accumulator: AccumulatorOptions | undefined;
  /** how often buffered samples are posted, ms */
  flushMs: number;
}

/** Output texts of a sample whose tokens the main thread counts (a tokenizer the worker cannot build). */
export interface SampleTexts {
  idx: number;
  text: string;
  reasoningText: string;
  toolCallText: string;
  /** the server reported reasoning tokens itself */
  serverReasoning: boolean;
}

export type ToWorker =
  | { type: 'requests'; requests: DealtRequest[] }
  | { type: 'end' }
  | { type: 'start'; startAtHrUs: number }
  | { type: 'stop'; decision: StopDecision };

export type FromWorker =
  | { type: 'ready'; hrMinusPerfUs: number; mapErrorUs: number }
  | { type: 'samples'; samples: RequestSample[]; texts?: SampleTexts[] }
  | { type: 'took'; n: number }
  | { type: 'tick'; inFlight: number }
  | {
      type: 'done';
      result: RunLoadPointResult;
      startLateUs: number;
      accumulator?: string;
    }
  | { type: 'failed'; message: string };

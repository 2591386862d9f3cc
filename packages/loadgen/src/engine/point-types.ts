import type {
  LoadLevel,
  Limits,
  RequestParams,
  RequestSample,
  TargetConn,
  Warmup,
  WorkloadSpec,
} from '@inferbench/contracts';
import type { Clock, LlmClient, Tokenizer } from '../ports.js';
import type { SelfCheckReport } from './self-check.js';

/** What to run: one shard of one load point (the fields of a `LoadPointJob`). */
export interface RunLoadPointInput {
  target: TargetConn;
  params: RequestParams;
  workload: WorkloadSpec;
  load: LoadLevel;
  /** measured requests (warm-up not included); with `durationSec`, whichever ends first */
  requests?: number;
  /** measured duration, seconds (after a warm-up, which adds to it) */
  durationSec?: number;
  warmup?: Warmup;
  limits: Limits;
  seed: number;
  /** this agent's part of the point: rate divided by count, concurrency and request counts split */
  shard?: { index: number; count: number };
}

/** Progress, about once per second of the load point. */
export interface LoadTick {
  /** whole seconds since the start */
  tSec: number;
  /** finished requests (not cancelled), warm-up included */
  done: number;
  errors: number;
  inFlight: number;
  outputTokens: number;
  /** total requests planned (warm-up included) when known */
  planned?: number;
}

/** The adapters `runLoadPoint` works through. */
export interface RunLoadPointDeps {
  client: LlmClient;
  clock: Clock;
  tokenizer: Tokenizer;
  /** aborting it cancels the point: sending stops, in-flight requests become `cancelled` samples */
  signal: AbortSignal;
  /** called synchronously once per request, in completion order; must not block (buffer in the caller) */
  onSample(sample: RequestSample): void;
  onTick?(tick: LoadTick): void;
  /** reads datasets and traces (`builtin:` names and paths); default: package data + local files */
  loadDataset?(source: string): Promise<string>;
}

/** How a load point ended: `completed` normally, `cancelled` by the caller's signal, `aborted` by a limit. */
export type LoadPointEndStatus = 'completed' | 'cancelled' | 'aborted';

/** What `runLoadPoint` reports besides the samples. Invariant: sent = completed + cancelledTail = samples emitted. */
export interface RunLoadPointResult {
  status: LoadPointEndStatus;
  /** why the point was aborted or cancelled, in plain language */
  reason?: string;
  /** requests admitted by the schedule (one sample each), warm-up included */
  sent: number;
  /** requests that finished by themselves (successes and failures), warm-up included */
  completed: number;
  /** requests cut off by the end of the window, a limit or a cancel (errorClass `cancelled`), including
   * open-loop requests still waiting for a concurrency slot */
  cancelledTail: number;
  /** warm-up samples */
  warmup: number;
  /** plain-language warnings (client fell behind, shard without load, …) */
  warnings: string[];
  /** wall-clock time of the start (Date.now()), to place µs-relative samples in real time */
  startedAtEpochMs: number;
  selfCheck: SelfCheckReport;
}

import type {
  LoadLevel,
  Limits,
  RequestParams,
  RequestSample,
  TargetConn,
  Warmup,
  WorkloadSpec,
} from '@inferbench/contracts';
import type { AccumulatorOptions } from '@inferbench/metrics';
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
  /**
   * When set, the engine also builds the point's `LoadPointAccumulator` (with these options) over every sample it
   * emits and returns it encoded in `result.accumulator` (the worker-thread runner merges its workers' ones).
   */
  accumulator?: AccumulatorOptions;
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
  /** `LoadPointAccumulator.encode()` over every sample, when `deps.accumulator` asked for it */
  accumulator?: string;
  /** how the point was split over worker threads (`runLoadPointParallel` with more than one worker) */
  workers?: WorkersReport;
}

/** One worker thread's part of a point run by `runLoadPointParallel`. */
export interface WorkerPartReport {
  index: number;
  /** closed-loop slots it ran, or its share of an open loop's maxConcurrency */
  slots?: number;
  sent: number;
  status: LoadPointEndStatus;
  /** how late its runner started after the common start, µs (its own clock mapped onto the main thread's) */
  startLateUs: number;
  /** its own self-check (loop lag, schedule delay; cpuPct is its thread's event-loop utilization) */
  selfCheck: SelfCheckReport;
}

/** The worker threads of a point. */
export interface WorkersReport {
  count: number;
  /** how requests were dealt: `i mod N` (open loop, trace), `slot` (closed loop: ticket i goes to the owner of slot i mod slots) */
  deal: 'arrival-mod-n' | 'slot';
  /** largest minus smallest start lateness over the workers, µs */
  startSkewUs: number;
  /** widest bracket of the hrtime ↔ performance.now mapping of a worker's clock, µs (the mapping's error bound) */
  clockMapErrorUs: number;
  parts: WorkerPartReport[];
}

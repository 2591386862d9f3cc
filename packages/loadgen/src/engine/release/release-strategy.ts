import type { Clock } from '../../ports.js';
import type { WorkItem } from '../../workloads/workload.js';

/** An admitted request: its index in the point and whether it is warm-up. */
export interface Ticket {
  idx: number;
  warmup: boolean;
}

/** What the point runner offers a release strategy. */
export interface ReleaseContext {
  readonly clock: Clock;
  /** the point's start, absolute µs */
  readonly startUs: number;
  /** aborted once no more requests will be admitted (ends the strategy's sleeps) */
  readonly stopSignal: AbortSignal;
  /** µs since the start */
  nowRelUs(): number;
  /** end of the planned window (µs from the start) when it ends the point; arrivals at or after it are not sent */
  plannedEndUs(): number | undefined;
  /** Asks the constraints whether one more request may go out (`tRelUs`: its scheduled or current time); null: stop. */
  admit(tRelUs: number): Ticket | null;
  /**
   * Sends an admitted request (or queues it behind the strategy's `slotCap`); resolves when it finished.
   * `scheduledUs`: its open-loop arrival time, µs from the start.
   */
  send(ticket: Ticket, item: WorkItem, scheduledUs?: number): Promise<void>;
}

/**
 * How requests are released (GuideLLM's scheduling strategy): a closed loop keeps N requests in flight, an
 * open loop sends on an arrival schedule. Limits are not its business: `admit` refuses once a constraint says
 * stop, and the strategy returns.
 */
export interface ReleaseStrategy {
  readonly kind: 'closed-loop' | 'open-loop';
  /** open loop with maxConcurrency: requests admitted beyond this many in flight wait for a slot (FIFO) */
  readonly slotCap: number | undefined;
  run(ctx: ReleaseContext): Promise<void>;
}

/** Consecutive sends without a real wait after which a strategy yields to the event loop (I/O must run). */
export const YIELD_EVERY = 64;

export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

import type { ConcurrencyProfile } from '../../strategies/concurrency.js';
import type { ReleaseContext, ReleaseStrategy } from '../release/index.js';
import { YIELD_EVERY, yieldToLoop } from '../release/index.js';
import type { DealtRequest } from './protocol.js';

/** How many taken requests a worker reports at once (the main thread then deals more). */
const TOOK_EVERY = 32;

/** The requests dealt to one worker, in deal order; `take` waits when the main thread has not dealt the next yet. */
export class RequestFeed {
  private readonly queue: DealtRequest[] = [];
  private head = 0;
  private waiters: ((r: DealtRequest | null) => void)[] = [];
  private ended = false;
  private taken = 0;

  constructor(private readonly onTook: (n: number) => void) {}

  push(requests: readonly DealtRequest[]): void {
    for (const r of requests) {
      const w = this.waiters.shift();
      if (w) {
        this.count();
        w(r);
      } else this.queue.push(r);
    }
  }

  end(): void {
    this.ended = true;
    for (const w of this.waiters.splice(0)) w(null);
  }

  /** the next dealt request, or null once none will come (FIFO among concurrent callers) */
  take(): Promise<DealtRequest | null> {
    if (this.head < this.queue.length) {
      const r = this.queue[this.head++]!;
      if (this.head > 1024) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.count();
      return Promise.resolve(r);
    }
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private count(): void {
    if (++this.taken % TOOK_EVERY === 0) this.onTook(TOOK_EVERY);
  }
}

/**
 * Closed loop over dealt requests: one task per slot of this worker's profile; an open slot takes the next dealt
 * request, sends it, waits for it and takes the next. The sample keeps the request's index in the point.
 */
export function createFedClosedLoop(
  profile: ConcurrencyProfile,
  feed: RequestFeed,
  onStarted: (lateUs: number) => void,
): ReleaseStrategy {
  return {
    kind: 'closed-loop',
    slotCap: undefined,
    async run(ctx) {
      onStarted(ctx.nowRelUs());
      const slots: Promise<void>[] = [];
      for (let i = 0; i < profile.maxSlots; i++) slots.push(runSlot(ctx, i, profile, feed));
      await Promise.all(slots);
    },
  };
}

async function runSlot(
  ctx: ReleaseContext,
  slot: number,
  profile: ConcurrencyProfile,
  feed: RequestFeed,
): Promise<void> {
  let sameInstant = 0;
  let lastUs = -1;
  for (;;) {
    if (ctx.stopSignal.aborted) return;
    const nowRel = ctx.nowRelUs();
    if (profile.slotsAt(nowRel) <= slot) {
      const t = profile.firstTimeAtLeast(slot + 1, nowRel);
      if (t === null) return;
      await ctx.clock.sleepUntilUs(ctx.startUs + Math.max(t, nowRel + 1), ctx.stopSignal);
      continue;
    }
    const r = await feed.take();
    if (r === null) return;
    const ticket = ctx.admit(ctx.nowRelUs());
    if (!ticket) return;
    await ctx.send({ idx: r.i, warmup: ticket.warmup }, r.item);
    if (ctx.clock.nowUs() === lastUs) {
      if (++sameInstant % YIELD_EVERY === 0) await yieldToLoop();
    } else {
      sameInstant = 0;
      lastUs = ctx.clock.nowUs();
    }
  }
}

/** Open loop over dealt arrivals: each is sent at its own send time from the common start. */
export function createFedOpenLoop(
  feed: RequestFeed,
  maxConcurrency: number | undefined,
  onStarted: (lateUs: number) => void,
): ReleaseStrategy {
  return {
    kind: 'open-loop',
    slotCap: maxConcurrency,
    async run(ctx) {
      onStarted(ctx.nowRelUs());
      let sinceWait = 0;
      for (;;) {
        const r = await feed.take();
        if (r === null || ctx.stopSignal.aborted) return;
        const t = r.t ?? 0;
        const endUs = ctx.plannedEndUs();
        if (endUs !== undefined && t >= endUs) return;
        const atUs = ctx.startUs + t;
        if (ctx.clock.nowUs() < atUs) {
          await ctx.clock.sleepUntilUs(atUs, ctx.stopSignal);
          sinceWait = 0;
        } else if (++sinceWait % YIELD_EVERY === 0) {
          await yieldToLoop();
        }
        const ticket = ctx.admit(t);
        if (!ticket) return;
        void ctx.send({ idx: r.i, warmup: ticket.warmup }, r.item, t);
      }
    },
  };
}

import type { ConcurrencyProfile } from '../../strategies/concurrency.js';
import type { WorkItem } from '../../workloads/workload.js';
import { type ReleaseContext, type ReleaseStrategy, YIELD_EVERY, yieldToLoop } from './release-strategy.js';

/**
 * Closed loop: one worker per slot of the concurrency profile; a worker whose slot is open sends a request,
 * waits for it to finish and sends the next (fixed concurrency, ramp-up, staged concurrency).
 */
export function createClosedLoop(profile: ConcurrencyProfile, nextItem: () => WorkItem): ReleaseStrategy {
  return {
    kind: 'closed-loop',
    slotCap: undefined,
    async run(ctx) {
      const workers: Promise<void>[] = [];
      for (let i = 0; i < profile.maxSlots; i++) workers.push(runSlot(ctx, i, profile, nextItem));
      await Promise.all(workers);
    },
  };
}

async function runSlot(
  ctx: ReleaseContext,
  slot: number,
  profile: ConcurrencyProfile,
  nextItem: () => WorkItem,
): Promise<void> {
  let sameInstant = 0;
  let lastUs = -1;
  for (;;) {
    if (ctx.stopSignal.aborted) return;
    const nowRel = ctx.nowRelUs();
    if (profile.slotsAt(nowRel) <= slot) {
      const t = profile.firstTimeAtLeast(slot + 1, nowRel);
      if (t === null) return;
      // +1 µs guards against a float crossing time that rounds to "still closed"
      await ctx.clock.sleepUntilUs(ctx.startUs + Math.max(t, nowRel + 1), ctx.stopSignal);
      continue;
    }
    const ticket = ctx.admit(nowRel);
    if (!ticket) return;
    await ctx.send(ticket, nextItem());
    // a client that answers without real waiting would otherwise starve timers and I/O
    if (ctx.clock.nowUs() === lastUs) {
      if (++sameInstant % YIELD_EVERY === 0) await yieldToLoop();
    } else {
      sameInstant = 0;
      lastUs = ctx.clock.nowUs();
    }
  }
}

import type { ArrivalSchedule } from '../../strategies/arrivals.js';
import type { WorkItem } from '../../workloads/workload.js';
import { type ReleaseStrategy, YIELD_EVERY, yieldToLoop } from './release-strategy.js';

/**
 * Open loop: sends each request at its scheduled arrival time whatever is in flight (rate, staged rate, trace).
 * With `maxConcurrency`, arrivals beyond it wait for a slot in the runner and record their client queue time.
 */
export function createOpenLoop(
  schedule: ArrivalSchedule,
  maxConcurrency: number | undefined,
  nextItem: () => WorkItem,
): ReleaseStrategy {
  return {
    kind: 'open-loop',
    slotCap: maxConcurrency,
    async run(ctx) {
      let sinceWait = 0;
      for (;;) {
        const t = schedule.next();
        if (t === null) return;
        const endUs = ctx.plannedEndUs();
        // the rest of the schedule lies beyond the window: the window's end ends the point
        if (endUs !== undefined && t >= endUs) return;
        // build the prompt before sleeping so tokenization stays off the send instant
        const item = nextItem();
        const atUs = ctx.startUs + t;
        if (ctx.clock.nowUs() < atUs) {
          await ctx.clock.sleepUntilUs(atUs, ctx.stopSignal);
          sinceWait = 0;
        } else if (++sinceWait % YIELD_EVERY === 0) {
          await yieldToLoop();
        }
        const ticket = ctx.admit(t);
        if (!ticket) return;
        void ctx.send(ticket, item, t);
      }
    },
  };
}

import { z } from 'zod';

/**
 * Service-level objectives, all in milliseconds at a percentile. A request is "good" (goodput)
 * when its own TTFT, TPOT, max ITL and E2E are each below the given bounds.
 */
export const SloSpecSchema = z.object({
  ttftMs: z.number().positive().optional(),
  tpotMs: z.number().positive().optional(),
  itlMs: z.number().positive().optional(),
  e2eMs: z.number().positive().optional(),
  /** percentile at which the load point is judged against the bounds, default 99 */
  percentile: z.number().min(1).max(100).default(99),
});
export type SloSpec = z.infer<typeof SloSpecSchema>;

/**
 * Which admitted requests are warm-up: the first `warmupRequests` ones, or those scheduled before
 * `warmupDurationSec` (open loop: their scheduled time; closed loop: their admission time). Warm-up samples are
 * recorded but flagged, and not judged by the schedule self-check.
 */
export type WarmupPolicy = (admitted: number, tRelUs: number) => boolean;

export function createWarmupPolicy(opts: {
  warmupRequests: number | undefined;
  warmupDurationSec: number;
}): WarmupPolicy {
  const { warmupRequests } = opts;
  const warmupDurUs = opts.warmupDurationSec * 1e6;
  if (warmupRequests !== undefined) return (admitted) => admitted < warmupRequests;
  return (_admitted, tRelUs) => warmupDurUs > 0 && tRelUs < warmupDurUs;
}

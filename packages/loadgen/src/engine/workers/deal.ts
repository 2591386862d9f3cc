import type { LoadLevel } from '@inferbench/contracts';
import { shardLoadLevel, splitCount } from '../../strategies/plan.js';

/**
 * How the requests of one point are dealt to N worker threads. Request i (0-based, in the order the one-thread
 * engine would send it, with the prompt it would send) goes to worker `(i mod period) mod workers`:
 * - open loop (rate, staged rate, trace): period = workers, i.e. arrival i to worker i mod N, with its send time;
 * - closed loop: period = the level's slots; slot s belongs to worker s mod N (worker k runs splitCount(slots, k)
 *   slots), so each worker gets requests in proportion to its slots and all finish together.
 */
export interface Deal {
  kind: 'arrival-mod-n' | 'slot';
  workers: number;
  period: number;
}

/** The worker that request `i` goes to. */
export function dealWorker(deal: Deal, i: number): number {
  return (i % deal.period) % deal.workers;
}

/** How many of the first `total` requests go to worker `k` (exact: the deal is periodic). */
export function dealtCount(deal: Deal, k: number, total: number): number {
  const perPeriod = splitCount(deal.period, { index: k, count: deal.workers });
  const rest = total % deal.period;
  return Math.floor(total / deal.period) * perPeriod + splitCount(rest, { index: k, count: deal.workers });
}

/** The split of a level over worker threads: the deal and each worker's own level (its slots or its cap). */
export interface WorkerSplit {
  deal: Deal;
  release: 'closed' | 'open';
  /** worker k's level: closed loop, its slots (shardLoadLevel); open loop, the level with its maxConcurrency share */
  levels: LoadLevel[];
}

/**
 * Splits `load` over at most `requested` workers: never more workers than closed-loop slots or than an open loop's
 * maxConcurrency (a worker needs at least one). Returns null when that leaves one worker (run in-process).
 */
export function splitForWorkers(load: LoadLevel, requested: number): WorkerSplit | null {
  const closed = load.kind === 'concurrency' || (load.kind === 'stages' && load.mode === 'concurrency');
  if (closed) {
    const slots =
      load.kind === 'concurrency'
        ? load.concurrency
        : Math.floor(Math.max(load.startTarget ?? 1, ...load.stages.map((s) => s.target)) + 1e-9);
    const n = Math.min(requested, slots);
    if (n <= 1) return null;
    const levels: LoadLevel[] = [];
    for (let k = 0; k < n; k++) {
      const l = shardLoadLevel(load, { index: k, count: n });
      if (l === null) return null;
      levels.push(l);
    }
    return { deal: { kind: 'slot', workers: n, period: slots }, release: 'closed', levels };
  }
  const cap = 'maxConcurrency' in load ? load.maxConcurrency : undefined;
  const n = Math.min(requested, cap ?? requested);
  if (n <= 1) return null;
  const levels: LoadLevel[] = [];
  for (let k = 0; k < n; k++) {
    levels.push(
      cap === undefined ? load : { ...load, maxConcurrency: splitCount(cap, { index: k, count: n }) },
    );
  }
  return { deal: { kind: 'arrival-mod-n', workers: n, period: n }, release: 'open', levels };
}

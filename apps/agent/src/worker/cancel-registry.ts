import { z } from 'zod';

/** Why a load point's AbortController was aborted. */
export type AbortCause = { kind: 'cancelled'; runId: string } | { kind: 'shutdown' };

const CancelMessageSchema = z.object({ runId: z.string().min(1) });

/**
 * The AbortControllers of the load points running on this agent, by run. A cancel message for a run
 * aborts every point of that run at once; shutdown aborts them all. The abort `reason` is an
 * {@link AbortCause} so the processor can tell a user's cancel from the agent going away.
 */
export class CancelRegistry {
  private readonly byRun = new Map<string, Set<AbortController>>();

  /** Register a point's controller; returns the function that unregisters it. */
  register(runId: string, ctl: AbortController): () => void {
    let set = this.byRun.get(runId);
    if (!set) {
      set = new Set();
      this.byRun.set(runId, set);
    }
    set.add(ctl);
    return () => {
      const s = this.byRun.get(runId);
      s?.delete(ctl);
      if (s && s.size === 0) this.byRun.delete(runId);
    };
  }

  /** Abort every running point of `runId`; returns how many were aborted. */
  cancelRun(runId: string): number {
    const set = this.byRun.get(runId);
    if (!set) return 0;
    let n = 0;
    for (const ctl of set) {
      if (ctl.signal.aborted) continue;
      ctl.abort({ kind: 'cancelled', runId } satisfies AbortCause);
      n++;
    }
    return n;
  }

  /**
   * Handle a message from the cancel channel (`{"runId":"..."}`); malformed messages are ignored
   * and reported as `null`.
   */
  handleMessage(message: string): { runId: string; aborted: number } | null {
    let json: unknown;
    try {
      json = JSON.parse(message);
    } catch {
      return null;
    }
    const parsed = CancelMessageSchema.safeParse(json);
    if (!parsed.success) return null;
    return { runId: parsed.data.runId, aborted: this.cancelRun(parsed.data.runId) };
  }

  /** Abort everything (agent shutdown). */
  abortAll(): void {
    for (const set of this.byRun.values())
      for (const ctl of set) if (!ctl.signal.aborted) ctl.abort({ kind: 'shutdown' } satisfies AbortCause);
  }

  /** Run ids with at least one running point. */
  activeRuns(): string[] {
    return [...this.byRun.keys()];
  }
}

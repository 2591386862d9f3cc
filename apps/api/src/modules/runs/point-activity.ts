import { Injectable } from '@nestjs/common';

/** When each running work item was last heard from (epoch ms), for the stall check. In memory, per process. */
@Injectable()
export class PointActivity {
  private readonly lastSeenMs = new Map<string, number>();
  /** a point running when this process started is not stalled before the stall timeout has passed since then */
  readonly bootMs = Date.now();

  /** Record that an agent spoke about this point (any event). */
  touch(loadPointId: string): void {
    this.lastSeenMs.set(loadPointId, Date.now());
  }

  forget(loadPointId: string): void {
    this.lastSeenMs.delete(loadPointId);
  }

  /** The latest of: the last event, the point's start, this process's start. */
  lastSeen(loadPointId: string, startedAt: Date | null): number {
    return Math.max(this.lastSeenMs.get(loadPointId) ?? 0, startedAt?.getTime() ?? 0, this.bootMs);
  }
}

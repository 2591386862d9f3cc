import { describe, expect, it } from 'vitest';
import { applyRunStreamEvent } from './live-state';
import { aggregatePointProgress, EMPTY_LIVE_STATE } from './queries';

const progress = (shardIndex: number, done: number, outputTokens: number, planned?: number) =>
  ({
    type: 'loadpoint.progress',
    runId: 'r1',
    loadPointId: 'lp1',
    shardIndex,
    window: { tSec: done, completed: 2, errors: 0, outputTokens },
    totals: { done, errors: 1, elapsedSec: done / 2, ...(planned === undefined ? {} : { planned }) },
  }) as const;

describe('applyRunStreamEvent', () => {
  it('keeps the newest totals per shard and ignores stale ones', () => {
    let s = applyRunStreamEvent(EMPTY_LIVE_STATE, progress(0, 10, 100, 50), 1);
    s = applyRunStreamEvent(s, progress(1, 4, 40, 50), 2);
    s = applyRunStreamEvent(s, progress(0, 8, 999, 50), 3);
    const agg = aggregatePointProgress(s.loadPoints.lp1?.shards);
    expect(agg).toEqual({
      done: 14,
      errors: 2,
      planned: 100,
      outputTokensPerSec: 140,
      requestsPerSec: 4,
      elapsedSec: 5,
    });
    expect(s.lastEventAtMs).toBe(2);
  });

  it('drops planned when any shard does not know it', () => {
    let s = applyRunStreamEvent(EMPTY_LIVE_STATE, progress(0, 1, 10, 5), 1);
    s = applyRunStreamEvent(s, progress(1, 1, 10), 1);
    expect(aggregatePointProgress(s.loadPoints.lp1?.shards)?.planned).toBeUndefined();
  });

  it('records run and load point status', () => {
    let s = applyRunStreamEvent(
      EMPTY_LIVE_STATE,
      { type: 'run.status', runId: 'r1', status: 'running', error: null },
      5,
    );
    s = applyRunStreamEvent(
      s,
      { type: 'loadpoint.status', runId: 'r1', loadPointId: 'lp2', status: 'completed' },
      6,
    );
    expect(s.runStatus).toBe('running');
    expect(s.loadPoints.lp2).toEqual({ status: 'completed', shards: {} });
    expect(EMPTY_LIVE_STATE.loadPoints).toEqual({});
  });
});

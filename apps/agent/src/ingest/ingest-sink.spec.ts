import type { AgentEvent } from '@inferbench/contracts';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../common/logger.js';
import { IngestSink, type IngestJobOptions, type IngestQueue } from './ingest-sink.js';

const logger = createLogger('silent');

function ev(batchSeq: number): AgentEvent {
  return {
    v: 1,
    runId: 'r',
    loadPointId: 'lp',
    shardIndex: 0,
    agentId: 'a',
    ts: 0,
    type: 'sample.batch',
    batchSeq,
    samples: [],
  };
}

/** A queue that fails while `down` is true, recording every accepted add in order. */
class FlakyQueue implements IngestQueue {
  down = false;
  attempts = 0;
  readonly accepted: { name: string; data: AgentEvent; opts: IngestJobOptions }[] = [];
  async add(name: string, data: AgentEvent, opts: IngestJobOptions): Promise<unknown> {
    this.attempts++;
    await new Promise((r) => setImmediate(r));
    if (this.down) throw new Error('Connection is closed.');
    this.accepted.push({ name, data, opts });
    return { id: opts.jobId };
  }
}

describe('IngestSink', () => {
  it('adds events in order with the job options the ingest consumer relies on', async () => {
    const q = new FlakyQueue();
    const sink = new IngestSink(q, { logger });
    await Promise.all([sink.send(ev(0), 'lp-s0-b0'), sink.send(ev(1), 'lp-s0-b1'), sink.send(ev(2))]);
    expect(q.accepted.map((a) => (a.data.type === 'sample.batch' ? a.data.batchSeq : -1))).toEqual([0, 1, 2]);
    expect(q.accepted[0]!.name).toBe('sample.batch');
    expect(q.accepted[0]!.opts).toMatchObject({ jobId: 'lp-s0-b0', removeOnComplete: true, attempts: 10 });
    expect(q.accepted[0]!.opts.backoff.type).toBe('exponential');
    expect('jobId' in q.accepted[2]!.opts).toBe(false);
  });

  it('buffers while the queue fails and delivers everything, in order, once it recovers', async () => {
    const q = new FlakyQueue();
    q.down = true;
    const sink = new IngestSink(q, { logger, initialBackoffMs: 5, maxBackoffMs: 20 });
    let acked = 0;
    const sends = [0, 1, 2, 3].map((i) => sink.send(ev(i), `b${i}`).then(() => acked++));
    // several failed attempts (with backoff) while the queue is down
    await vi.waitFor(() => expect(q.attempts).toBeGreaterThan(2), { timeout: 2_000, interval: 5 });
    expect(acked).toBe(0);
    expect(sink.pendingCount).toBe(4);
    q.down = false;
    await Promise.all(sends);
    expect(acked).toBe(4);
    expect(q.accepted.map((a) => a.opts.jobId)).toEqual(['b0', 'b1', 'b2', 'b3']);
    expect(await sink.drain()).toBe(true);
  });

  it('drain(timeout) reports false while Redis stays down, and close() releases waiters', async () => {
    const q = new FlakyQueue();
    q.down = true;
    const sink = new IngestSink(q, { logger, initialBackoffMs: 5, maxBackoffMs: 10 });
    const sent = sink.send(ev(0), 'b0');
    expect(await sink.drain(50)).toBe(false);
    sink.close();
    await sent;
    expect(q.accepted).toHaveLength(0);
  });
});

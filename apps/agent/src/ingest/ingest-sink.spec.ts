import {
  agentEventOfWire,
  AgentWireEventSchema,
  type AgentEvent,
  type AgentWireEvent,
  type RequestSample,
} from '@inferbench/contracts';
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
  readonly accepted: { name: string; data: AgentWireEvent; opts: IngestJobOptions }[] = [];
  async add(name: string, data: AgentWireEvent, opts: IngestJobOptions): Promise<unknown> {
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

  describe('sample batch encoding', () => {
    type Batch = Extract<AgentEvent, { type: 'sample.batch' }>;
    const samples: RequestSample[] = Array.from({ length: 50 }, (_, k) => ({
      idx: 100 + k,
      warmup: k < 2,
      scheduledUs: k * 20_000,
      sentUs: k * 20_000 + 31,
      firstChunkUs: k * 20_000 + 90_000,
      firstContentUs: k * 20_000 + 95_000,
      endUs: k * 20_000 + 1_200_000,
      chunkGapsUs: Array.from({ length: 100 }, (_, g) => 9_000 + ((k * 7_919 + g * 104_729) % 30_000)),
      inputTokens: 512,
      outputTokens: 101,
      reasoningTokens: 0,
      tokenSource: 'server',
      httpStatus: k === 7 ? 500 : 200,
      ...(k === 7 ? { errorClass: 'http' as const, errorMessage: 'upstream: ünïcode ✓ 🚀' } : {}),
    }));
    const batch: AgentEvent = { ...(ev(4) as Batch), samples };

    it('sends sample batches as columnar-v2 by default: the same batch, smaller', async () => {
      const q = new FlakyQueue();
      const sink = new IngestSink(q, { logger });
      const { batchSeq: _b, samples: _s, ...envelope } = ev(0) as Batch;
      const started: AgentEvent = { ...envelope, type: 'loadpoint.started' };
      await sink.send(batch, 'lp-s0-b4');
      await sink.send(started);
      const sent = q.accepted[0]!.data;
      expect(sent).toMatchObject({
        type: 'sample.batch',
        encoding: 'columnar-v2',
        sampleCount: 50,
        batchSeq: 4,
      });
      expect(AgentWireEventSchema.safeParse(sent).success).toBe(true);
      expect(agentEventOfWire(sent)).toEqual(batch);
      // gaps spread uniformly over 9–39 ms take 3 bytes each (4 in base64) against 6 in JSON
      expect(JSON.stringify(sent).length * 1.4).toBeLessThan(JSON.stringify(batch).length);
      // other events are sent as they are
      expect(q.accepted[1]!.data).toBe(started);
    });

    it('sends JSON when told to (an API older than columnar-v2) and for a batch the encoder refuses', async () => {
      const q = new FlakyQueue();
      await new IngestSink(q, { logger, encoding: 'json-v1' }).send(batch);
      expect(q.accepted[0]!.data).toBe(batch);
      const odd: AgentEvent = { ...(ev(5) as Batch), samples: [{ ...samples[0]!, sentUs: 1.5 }] };
      await new IngestSink(q, { logger }).send(odd);
      expect(q.accepted[1]!.data).toBe(odd);
    });
  });
});

import type { AgentEvent, RequestSample } from '@inferbench/contracts';
import { describe, expect, it } from 'vitest';
import { AgentMetrics, chunksOf } from './agent-metrics.js';

const sample = (over: Partial<RequestSample> = {}): RequestSample => ({
  idx: 0,
  warmup: false,
  sentUs: 5_000,
  firstChunkUs: 20_000,
  endUs: 40_000,
  chunkGapsUs: [1_000, 1_000, 1_000],
  inputTokens: 8,
  outputTokens: 4,
  reasoningTokens: 0,
  tokenSource: 'server',
  httpStatus: 200,
  ...over,
});

async function read(m: AgentMetrics, name: string, labels = ''): Promise<number | undefined> {
  const text = await m.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('AgentMetrics', () => {
  it('counts chunks and requests, observes schedule delay, and sums in-flight streams of running points', async () => {
    const m = new AgentMetrics({ enabled: true, agentId: 'a1', pool: 'p' });
    expect(chunksOf(sample())).toBe(4);
    expect(chunksOf(sample({ firstChunkUs: undefined, chunkGapsUs: [] }))).toBe(0);
    const a = m.observePoint();
    const b = m.observePoint();
    a.onSample(sample({ scheduledUs: 3_000 })); // 2 ms late
    a.onSample(sample({ errorClass: 'http', httpStatus: 500, firstChunkUs: undefined, chunkGapsUs: [] }));
    a.onTick({ tSec: 1, done: 2, errors: 1, inFlight: 3, outputTokens: 4 });
    b.onTick({ tSec: 1, done: 0, errors: 0, inFlight: 2, outputTokens: 0 });
    expect(await read(m, 'inferbench_agent_chunks_total')).toBe(4);
    expect(await read(m, 'inferbench_agent_requests_total', 'outcome="ok"')).toBe(1);
    expect(await read(m, 'inferbench_agent_requests_total', 'outcome="error"')).toBe(1);
    expect(await read(m, 'inferbench_agent_schedule_delay_seconds_count')).toBe(1);
    expect(await read(m, 'inferbench_agent_schedule_delay_seconds_sum')).toBeCloseTo(0.002, 6);
    expect(await read(m, 'inferbench_agent_active_streams')).toBe(5);
    expect(await read(m, 'inferbench_agent_load_points_running')).toBe(2);
    a.end();
    a.onTick({ tSec: 2, done: 2, errors: 1, inFlight: 7, outputTokens: 4 }); // a late tick of an ended point
    expect(await read(m, 'inferbench_agent_active_streams')).toBe(2);
    expect(await read(m, 'inferbench_agent_load_points_running')).toBe(1);
  });

  it('counts sample batches as pending until acknowledged; other events are not batches', async () => {
    const m = new AgentMetrics({ enabled: true, agentId: 'a1', pool: 'p', pendingEvents: () => 7 });
    let ack!: () => void;
    const acked = new Promise<void>((r) => (ack = r));
    const batch = { type: 'sample.batch' } as AgentEvent;
    expect(m.trackSend(batch, acked)).toBe(acked);
    void m.trackSend({ type: 'loadpoint.progress' } as AgentEvent, new Promise<void>(() => {}));
    expect(await read(m, 'inferbench_agent_ingest_pending_batches')).toBe(1);
    expect(await read(m, 'inferbench_agent_ingest_pending_events')).toBe(7);
    ack();
    await acked;
    await Promise.resolve();
    expect(await read(m, 'inferbench_agent_ingest_pending_batches')).toBe(0);
  });

  it('records nothing when disabled (INFERBENCH_METRICS=0)', async () => {
    const m = new AgentMetrics({ enabled: false, agentId: 'a1', pool: 'p' });
    const o = m.observePoint();
    o.onSample(sample());
    o.onTick({ tSec: 1, done: 1, errors: 0, inFlight: 3, outputTokens: 4 });
    expect(await read(m, 'inferbench_agent_chunks_total')).toBe(0);
    expect(await read(m, 'inferbench_agent_active_streams')).toBe(0);
    expect(await m.registry.metrics()).not.toContain('nodejs_eventloop_lag_seconds');
  });
});

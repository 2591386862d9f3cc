import {
  AgentEventSchema,
  type AgentEvent,
  type LoadPointJob,
  type LoadPointTelemetry,
  type RequestSample,
} from '@inferbench/contracts';
import { FakeClock, type LlmClient, type Tokenizer } from '@inferbench/loadgen';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { CancelRegistry } from './cancel-registry.js';
import {
  LoadPointProcessor,
  MalformedJobError,
  type LoadPointProcessorDeps,
  type RunLoadPointFn,
} from './load-point-processor.js';

const JOB: LoadPointJob = {
  v: 1,
  runId: 'run1',
  loadPointId: 'lp1',
  shard: { index: 0, count: 1 },
  target: { baseUrl: 'http://127.0.0.1:1', apiKind: 'chat', model: 'm', headers: {} },
  params: {},
  workload: {
    kind: 'synthetic',
    inputTokens: { kind: 'fixed', value: 8 },
    outputTokens: { kind: 'fixed', value: 4 },
  },
  load: { kind: 'concurrency', concurrency: 2 },
  requests: 7,
  limits: { maxDurationSec: 60 },
  seed: 1,
  batchSize: 3,
};

const sample = (idx: number, endUs: number): RequestSample => ({
  idx,
  warmup: false,
  sentUs: endUs - 5_000,
  firstChunkUs: endUs - 4_000,
  endUs,
  chunkGapsUs: [1_000, 1_000, 1_000],
  inputTokens: 8,
  outputTokens: 4,
  reasoningTokens: 0,
  tokenSource: 'server',
  httpStatus: 200,
});

const client: LlmClient = {
  send: () => Promise.reject(new Error('not used')),
  close: async () => undefined,
};
const tokenizer = { name: 'fake' } as Tokenizer;

function harness(
  engine: RunLoadPointFn,
  opts: {
    cancelled?: boolean;
    ackDelayMs?: number;
    startTelemetry?: LoadPointProcessorDeps['startTelemetry'];
  } = {},
) {
  const events: { event: AgentEvent; jobId?: string; ackedAt?: number }[] = [];
  let order = 0;
  const deps: LoadPointProcessorDeps = {
    agentId: 'agent-1',
    send: async (event, jobId) => {
      const rec: { event: AgentEvent; jobId?: string; ackedAt?: number } = {
        event,
        ...(jobId ? { jobId } : {}),
      };
      events.push(rec);
      // batches are acknowledged late, to prove `finished` waits for them
      if (event.type === 'sample.batch') await new Promise((r) => setTimeout(r, opts.ackDelayMs ?? 0));
      rec.ackedAt = order++;
    },
    cancels: new CancelRegistry(),
    isRunCancelled: async () => opts.cancelled ?? false,
    runLoadPoint: engine,
    createClient: () => client,
    getTokenizer: async () => tokenizer,
    clock: new FakeClock(),
    onJobState: () => undefined,
    logger: createLogger('silent'),
    flushIntervalMs: 20,
    ...(opts.startTelemetry ? { startTelemetry: opts.startTelemetry } : {}),
  };
  return { processor: new LoadPointProcessor(deps), events, deps };
}

const okResult = {
  status: 'completed' as const,
  sent: 7,
  completed: 7,
  cancelledTail: 0,
  warmup: 0,
  warnings: ['w1'],
  startedAtEpochMs: 0,
  selfCheck: { wallSec: 0 },
};

describe('LoadPointProcessor', () => {
  it('sends started, batches of batchSize, progress and a finished event after every batch ack', async () => {
    const engine: RunLoadPointFn = async (input, d) => {
      expect(input.requests).toBe(7);
      expect(input.shard).toEqual({ index: 0, count: 1 });
      for (let i = 0; i < 7; i++) d.onSample(sample(i, 100_000 + i * 300_000));
      d.onTick?.({ tSec: 1, done: 4, errors: 0, inFlight: 2, outputTokens: 16, planned: 7 });
      d.onTick?.({ tSec: 2, done: 7, errors: 0, inFlight: 0, outputTokens: 28, planned: 7 });
      return okResult;
    };
    const { processor, events } = harness(engine, { ackDelayMs: 15 });
    const r = await processor.process(JOB);
    expect(r).toEqual({ status: 'completed', batchCount: 3, samples: 7 });

    for (const e of events) expect(AgentEventSchema.safeParse(e.event).success).toBe(true);
    const types = events.map((e) => e.event.type);
    expect(types[0]).toBe('loadpoint.started');
    expect(types[types.length - 1]).toBe('loadpoint.finished');
    const batches = events.filter((e) => e.event.type === 'sample.batch');
    expect(batches.map((b) => b.jobId)).toEqual(['lp1-s0-b0', 'lp1-s0-b1', 'lp1-s0-b2']);
    expect(batches.map((b) => (b.event.type === 'sample.batch' ? b.event.samples.length : 0))).toEqual([
      3, 3, 1,
    ]);
    const finished = events[events.length - 1]!;
    expect(finished.event).toMatchObject({
      status: 'completed',
      batchCount: 3,
      warnings: ['w1'],
      agentId: 'agent-1',
    });
    // every batch was acknowledged before finished was even sent
    const finishedIdx = events.indexOf(finished);
    for (const b of batches) expect(b.ackedAt).toBeLessThan(finished.ackedAt!);
    expect(finishedIdx).toBe(events.length - 1);
    const progress = events.filter((e) => e.event.type === 'loadpoint.progress').map((e) => e.event);
    expect(progress[0]).toMatchObject({
      window: { tSec: 0, completed: 3 },
      totals: { done: 4, planned: 7, elapsedSec: 1 },
    });
    expect(progress[1]).toMatchObject({ window: { tSec: 1, completed: 4 } });
  });

  it('flushes a partial batch at least once per flush interval while the engine runs', async () => {
    let release!: () => void;
    const engine: RunLoadPointFn = async (_input, d) => {
      d.onSample(sample(0, 1_000));
      await new Promise<void>((r) => (release = r));
      return { ...okResult, warnings: [] };
    };
    const { processor, events } = harness(engine);
    const done = processor.process(JOB);
    await expect.poll(() => events.filter((e) => e.event.type === 'sample.batch').length).toBe(1);
    release();
    expect((await done).batchCount).toBe(1);
  });

  it('turns an engine throw into finished/failed with the reason, without rethrowing', async () => {
    const engine: RunLoadPointFn = async (_i, d) => {
      d.onSample(sample(0, 1_000));
      throw new Error('dataset not found: /x.jsonl');
    };
    const { processor, events } = harness(engine);
    const r = await processor.process(JOB);
    expect(r.status).toBe('failed');
    expect(events[events.length - 1]!.event).toMatchObject({
      type: 'loadpoint.finished',
      status: 'failed',
      batchCount: 1,
      reason: 'load engine error: dataset not found: /x.jsonl',
    });
  });

  it('maps an engine limit abort to failed with the engine reason', async () => {
    const engine: RunLoadPointFn = async () => ({
      ...okResult,
      status: 'aborted',
      reason: 'error rate 60% > 50%',
    });
    const { processor, events } = harness(engine);
    expect(await processor.process(JOB)).toMatchObject({ status: 'failed', reason: 'error rate 60% > 50%' });
    expect(events.at(-1)!.event).toMatchObject({ status: 'failed', batchCount: 0 });
  });

  it('skips a point of an already cancelled run and reports it cancelled', async () => {
    let called = false;
    const engine: RunLoadPointFn = async () => {
      called = true;
      return okResult;
    };
    const { processor, events } = harness(engine, { cancelled: true });
    expect((await processor.process(JOB)).status).toBe('cancelled');
    expect(called).toBe(false);
    expect(events.map((e) => e.event.type)).toEqual(['loadpoint.finished']);
  });

  it('aborts the engine signal on a cancel message for its run', async () => {
    const engine: RunLoadPointFn = async (_i, d) =>
      new Promise((resolve) =>
        d.signal.addEventListener('abort', () => resolve({ ...okResult, status: 'cancelled', warnings: [] })),
      );
    const h = harness(engine);
    const done = h.processor.process(JOB);
    await expect.poll(() => h.events.length).toBe(1);
    expect(h.deps.cancels.handleMessage('{"runId":"run1"}')).toEqual({ runId: 'run1', aborted: 1 });
    expect(await done).toMatchObject({ status: 'cancelled' });
  });

  it('rejects a malformed payload as MalformedJobError and reports it when ids are readable', async () => {
    const { processor, events } = harness(async () => okResult);
    const bad = { ...JOB, load: { kind: 'concurrency', concurrency: 0 } };
    await expect(processor.process(bad)).rejects.toBeInstanceOf(MalformedJobError);
    expect(events).toHaveLength(1);
    expect(events[0]!.event).toMatchObject({
      type: 'loadpoint.finished',
      status: 'failed',
      loadPointId: 'lp1',
      batchCount: 0,
    });
    expect((events[0]!.event as { reason: string }).reason).toContain('load.concurrency');

    await expect(processor.process({ nonsense: true })).rejects.toBeInstanceOf(MalformedJobError);
    expect(events).toHaveLength(1);
  });

  describe('telemetry', () => {
    const TELEMETRY: LoadPointTelemetry = {
      gpu: {
        available: false,
        reason: 'nvidia-smi not found',
        samples: 0,
        sampleErrors: 0,
        gpus: [],
        energyJ: 0,
        energyMethod: 'none',
      },
    };

    it('runs telemetry around the engine, passes measured successful output tokens and reports it in finished', async () => {
      const log: string[] = [];
      const stops: { outputTokens: number }[] = [];
      const engine: RunLoadPointFn = async (_i, d) => {
        log.push('engine');
        d.onSample(sample(0, 10_000)); // 4 tokens
        d.onSample(sample(1, 20_000)); // 4 tokens
        d.onSample({ ...sample(2, 30_000), outputTokens: 9 });
        // not measured or not successful: excluded from the energy denominator
        d.onSample({ ...sample(3, 40_000), warmup: true });
        d.onSample({ ...sample(4, 50_000), outputTokens: 2, errorClass: 'truncated' });
        d.onSample({ ...sample(5, 60_000), outputTokens: 3, errorClass: 'cancelled' });
        d.onSample({ ...sample(6, 70_000), outputTokens: 5, httpStatus: 500 });
        return okResult;
      };
      const { processor, events } = harness(engine, {
        startTelemetry: (j) => {
          log.push(`start ${j.loadPointId}`);
          return {
            stop: async (o) => {
              log.push('stop');
              stops.push(o);
              return TELEMETRY;
            },
          };
        },
      });
      expect((await processor.process(JOB)).status).toBe('completed');
      expect(log).toEqual(['start lp1', 'engine', 'stop']);
      expect(stops).toEqual([{ outputTokens: 17 }]);
      const finished = events.at(-1)!.event;
      expect(finished).toMatchObject({
        type: 'loadpoint.finished',
        status: 'completed',
        telemetry: TELEMETRY,
      });
      expect(AgentEventSchema.parse(finished)).toEqual(finished);
    });

    it('still stops telemetry and reports it when the engine throws', async () => {
      let stopped = 0;
      const engine: RunLoadPointFn = async () => {
        throw new Error('boom');
      };
      const { processor, events } = harness(engine, {
        startTelemetry: () => ({ stop: async () => (stopped++, TELEMETRY) }),
      });
      expect((await processor.process(JOB)).status).toBe('failed');
      expect(stopped).toBe(1);
      expect(events.at(-1)!.event).toMatchObject({ status: 'failed', telemetry: TELEMETRY });
    });

    it('never fails the point: a throwing starter or a rejecting stop only loses the telemetry', async () => {
      const engine: RunLoadPointFn = async (_i, d) => {
        d.onSample(sample(0, 10_000));
        return okResult;
      };
      const throwing = harness(engine, {
        startTelemetry: () => {
          throw new Error('cannot start');
        },
      });
      expect(await throwing.processor.process(JOB)).toMatchObject({ status: 'completed', samples: 1 });
      expect(throwing.events.at(-1)!.event).toMatchObject({
        type: 'loadpoint.finished',
        status: 'completed',
      });
      expect('telemetry' in throwing.events.at(-1)!.event).toBe(false);

      const rejecting = harness(engine, {
        startTelemetry: () => ({ stop: () => Promise.reject(new Error('lost')) }),
      });
      expect(await rejecting.processor.process(JOB)).toMatchObject({ status: 'completed', samples: 1 });
      expect('telemetry' in rejecting.events.at(-1)!.event).toBe(false);
    });
  });
});

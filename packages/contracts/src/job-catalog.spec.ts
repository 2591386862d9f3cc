import { describe, expect, it } from 'vitest';
import { AgentEventSchema } from './events.js';
import {
  INGEST_QUEUE,
  ingestJobName,
  isJobOn,
  JOBS,
  jobQueue,
  loadQueueName,
  parseJob,
  QUEUES,
} from './job-catalog.js';

describe('job catalog', () => {
  it('keeps the names on the wire', () => {
    expect(QUEUES.load.name('gpu-a')).toBe('load.gpu-a');
    expect(loadQueueName('gpu-a')).toBe('load.gpu-a');
    expect(QUEUES.ingest.name()).toBe('ingest');
    expect(INGEST_QUEUE).toBe('ingest');
    expect(QUEUES.eval.name('gpu-a')).toBe('eval.gpu-a');
    expect(Object.keys(JOBS).sort()).toEqual([
      'eval.execute',
      'eval.finished',
      'eval.progress',
      'eval.records',
      'eval.started',
      'loadpoint.execute',
      'loadpoint.finished',
      'loadpoint.progress',
      'loadpoint.started',
      'sample.batch',
      'webhook.deliver',
    ]);
    expect(JOBS['loadpoint.execute'].attempts).toBe(1);
  });

  it('retries webhook deliveries with backoff on their own queue', () => {
    expect(QUEUES.webhooks.name()).toBe('webhooks');
    expect(jobQueue('webhook.deliver')).toBe('webhooks');
    expect(JOBS['webhook.deliver']).toMatchObject({
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
    });
    expect(parseJob('webhook.deliver', { deliveryId: 'd1' })).toEqual({ deliveryId: 'd1' });
    expect(() => parseJob('webhook.deliver', {})).toThrow();
  });

  it('names one ingest job per agent event type, each parsed by that event schema', () => {
    const eventTypes = AgentEventSchema.options.map((o) => o.shape.type.value).sort();
    const ingestJobs = Object.keys(JOBS)
      .filter((k) => jobQueue(k) === 'ingest')
      .sort();
    expect(ingestJobs).toEqual(eventTypes);
    const started = {
      v: 1,
      type: 'loadpoint.started',
      runId: 'r1',
      loadPointId: 'lp1',
      shardIndex: 0,
      agentId: 'a1',
      ts: 1,
    } as const;
    expect(ingestJobName(started)).toBe('loadpoint.started');
    expect(parseJob('loadpoint.started', started)).toEqual(started);
    expect(() => parseJob('sample.batch', started)).toThrow();
  });

  it('tells which queue a job name belongs to', () => {
    expect(isJobOn('load', 'loadpoint.execute')).toBe(true);
    expect(isJobOn('ingest', 'loadpoint.execute')).toBe(false);
    expect(isJobOn('load', 'bogus')).toBe(false);
    expect(isJobOn('load', 'toString')).toBe(false);
    expect(jobQueue('sample.batch')).toBe('ingest');
  });

  it('parses the eval job and rejects an empty payload', () => {
    expect(jobQueue('eval.execute')).toBe('eval');
    expect(() => parseJob('eval.execute', {})).toThrow();
    const job = parseJob('eval.execute', {
      v: 1,
      runId: 'r1',
      workItemId: 'w1',
      variantId: 'v1',
      variantLabel: 'fp16',
      target: { baseUrl: 'http://127.0.0.1:1/v1', apiKind: 'chat', model: 'm' },
      targetKey: 't1',
      suite: {
        name: 's',
        tasks: [
          {
            id: 't',
            dataset: { source: 'builtin:arith' },
            prompt: { template: '{{ input }}' },
            scoring: { mode: 'generate', extract: { kind: 'number' } },
          },
        ],
      },
      seed: 7,
    });
    expect(job.concurrency).toBe(8);
    expect(job.attempt).toBe(0);
    expect(job.storePrompts).toBe(true);
  });
});

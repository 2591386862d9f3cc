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
      'loadpoint.execute',
      'loadpoint.finished',
      'loadpoint.progress',
      'loadpoint.started',
      'sample.batch',
    ]);
    expect(JOBS['loadpoint.execute'].attempts).toBe(1);
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

  it('accepts no payload for the reserved eval job yet', () => {
    expect(JOBS['eval.execute'].reserved).toBe(true);
    expect(() => parseJob('eval.execute', {})).toThrow();
  });
});

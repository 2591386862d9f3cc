import type { AgentEvent, LoadPointJob } from '@inferbench/contracts';
import { FakeClock, type LlmClient, type Tokenizer } from '@inferbench/loadgen';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { CancelRegistry } from './cancel-registry.js';
import { LoadPointProcessor, type LoadPointProcessorDeps } from './load-point-processor.js';

/** A job whose target has an API key: the key is not in the job, the agent fetches it (issue 12). */
const JOB: LoadPointJob = {
  v: 1,
  runId: 'run1',
  loadPointId: 'lp1',
  shard: { index: 0, count: 1 },
  target: { baseUrl: 'http://127.0.0.1:1', apiKind: 'chat', model: 'm', headers: {}, apiKeyFromApi: true },
  params: {},
  workload: {
    kind: 'synthetic',
    inputTokens: { kind: 'fixed', value: 8 },
    outputTokens: { kind: 'fixed', value: 4 },
  },
  load: { kind: 'concurrency', concurrency: 1 },
  requests: 1,
  limits: { maxDurationSec: 60 },
  seed: 1,
  batchSize: 3,
};

function harness(fetchApiKey?: LoadPointProcessorDeps['fetchApiKey']) {
  const events: AgentEvent[] = [];
  const seenKeys: (string | undefined)[] = [];
  const client: LlmClient = {
    send: () => Promise.reject(new Error('not used')),
    close: async () => undefined,
  };
  const deps: LoadPointProcessorDeps = {
    agentId: 'agent-1',
    send: async (event) => void events.push(event),
    cancels: new CancelRegistry(),
    isRunCancelled: async () => false,
    runLoadPoint: async (job) => {
      seenKeys.push(job.target.apiKey);
      return { status: 'completed', samples: 0 } as never;
    },
    createClient: (job) => {
      seenKeys.push(job.target.apiKey);
      return client;
    },
    getTokenizer: async () => ({ name: 'fake' }) as Tokenizer,
    clock: new FakeClock(),
    onJobState: () => undefined,
    logger: createLogger('silent'),
    ...(fetchApiKey ? { fetchApiKey } : {}),
  };
  return { processor: new LoadPointProcessor(deps), events, seenKeys };
}

describe('target API key from the API', () => {
  it('runs the point with the fetched key, held in memory only', async () => {
    const h = harness(async (job) => (job.loadPointId === 'lp1' ? 'sk-fetched' : null));
    await h.processor.process(JOB).catch(() => undefined);
    expect(h.seenKeys[0]).toBe('sk-fetched');
    expect(JSON.stringify(h.events)).not.toContain('sk-fetched');
  });

  it('fails the point with a reason when the key cannot be fetched (no API connection, or refused)', async () => {
    const none = harness();
    const r = await none.processor.process(JOB);
    expect(r).toMatchObject({ status: 'failed', batchCount: 0 });
    expect(none.events).toHaveLength(1);
    expect(none.events[0]).toMatchObject({ type: 'loadpoint.finished', status: 'failed' });
    expect((none.events[0] as { reason: string }).reason).toMatch(/INFERBENCH_API_URL and AGENT_TOKEN/);
    expect(none.seenKeys).toEqual([]);

    const refused = harness(async () => {
      throw new Error('the API answered 403: wrong pool');
    });
    await refused.processor.process(JOB);
    expect((refused.events[0] as { reason: string }).reason).toContain('403: wrong pool');
  });
});

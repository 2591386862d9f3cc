import { afterEach, describe, expect, it } from 'vitest';
import { LimitsSchema, RequestSampleSchema, type RequestSample } from '@inferbench/contracts';
import { OpenAiCompatibleClient } from '../client/openai-client.js';
import { SystemClock } from '../clock/system-clock.js';
import { WhitespaceTokenizer } from './testing/whitespace-tokenizer.js';
import { type SseServer, startSseServer } from './testing/sse-server.js';
import { runLoadPoint } from './run-load-point.js';

/** The engine with the real HTTP client and clock against a real local SSE server. */
describe('runLoadPoint over real HTTP', () => {
  let server: SseServer | undefined;
  let client: OpenAiCompatibleClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
  });

  it('open-loop Poisson at 200 req/s: every request streamed, server usage used, small schedule delay', async () => {
    server = await startSseServer({ ttftMs: 2, gapMs: 1 });
    const clock = new SystemClock();
    client = new OpenAiCompatibleClient({ clock, maxConnections: 64 });
    const samples: RequestSample[] = [];
    const result = await runLoadPoint(
      {
        target: { baseUrl: server.url, apiKind: 'completions', model: 'test', headers: {} },
        params: { ignoreEos: true },
        workload: {
          kind: 'synthetic',
          inputTokens: { kind: 'fixed', value: 16 },
          outputTokens: { kind: 'fixed', value: 5 },
        },
        load: { kind: 'rate', rate: 200, arrival: 'poisson' },
        requests: 300,
        warmup: { requests: 20 },
        limits: LimitsSchema.parse({ maxDurationSec: 20 }),
        seed: 3,
      },
      {
        client,
        clock,
        tokenizer: new WhitespaceTokenizer(),
        signal: new AbortController().signal,
        onSample: (s) => samples.push(s),
      },
    );
    expect(result.status).toBe('completed');
    expect(result.sent).toBe(320);
    expect(result.warmup).toBe(20);
    expect(samples.filter((s) => s.errorClass !== undefined)).toEqual([]);
    for (const s of samples) {
      RequestSampleSchema.parse(s);
      expect(s.tokenSource).toBe('server');
      expect(s.outputTokens).toBe(5);
      expect(s.clientOutputTokens).toBe(5);
      expect(s.chunkGapsUs.length).toBe(4);
      expect(s.inputTokens).toBe(16);
      expect(s.sentUs).toBeGreaterThanOrEqual(s.scheduledUs!);
    }
    expect(server.bodies.every((b) => b.max_tokens === 5 && b.ignore_eos === true)).toBe(true);
    expect(
      server.bodies.every(
        (b) => typeof b.prompt === 'string' && (b.prompt as string).split(' ').length === 16,
      ),
    ).toBe(true);
    // measured over the 300 measured requests; no bound here (the machine is shared): bench/b2 measures it
    expect(result.selfCheck.scheduleDelayP50Ms).toBeGreaterThanOrEqual(0);
    expect(result.selfCheck.scheduleDelayMaxMs).toBeGreaterThanOrEqual(result.selfCheck.scheduleDelayP99Ms!);
  });

  it('cuts off slow streams at the end of the duration: cancelled samples, closed connections', async () => {
    server = await startSseServer({ ttftMs: 5, gapMs: 100, chunks: 50 });
    const clock = new SystemClock();
    client = new OpenAiCompatibleClient({ clock, maxConnections: 8 });
    const samples: RequestSample[] = [];
    const result = await runLoadPoint(
      {
        target: { baseUrl: server.url, apiKind: 'chat', model: 'test', headers: {} },
        params: {},
        workload: {
          kind: 'synthetic',
          inputTokens: { kind: 'fixed', value: 4 },
          outputTokens: { kind: 'fixed', value: 50 },
        },
        load: { kind: 'concurrency', concurrency: 4 },
        durationSec: 0.5,
        limits: LimitsSchema.parse({}),
        seed: 1,
      },
      {
        client,
        clock,
        tokenizer: new WhitespaceTokenizer(),
        signal: new AbortController().signal,
        onSample: (s) => samples.push(s),
      },
    );
    expect(result.status).toBe('completed');
    expect(result.cancelledTail).toBe(4);
    expect(samples).toHaveLength(4);
    for (const s of samples) {
      expect(s.errorClass).toBe('cancelled');
      expect(s.endUs).toBeGreaterThanOrEqual(500_000);
      expect(s.endUs).toBeLessThan(1_500_000);
      expect(s.chunkGapsUs.length).toBeGreaterThanOrEqual(2); // partial output is kept
    }
    await expect.poll(() => server!.clientAborts).toBe(4);
  });
});

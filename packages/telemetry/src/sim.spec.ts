/**
 * The parser and the scraper against the bundled simulator's real /metrics (vLLM names), with
 * the simulator's own counters (`stats()`) as ground truth.
 */
import { ServerTelemetrySchema } from '@inferbench/contracts';
import { startSim, type SimServer } from '@inferbench/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsScraper } from './scraper.js';
import { parsePrometheusText } from './prom-parser.js';

const MODEL = 'tiny';
let sim: SimServer;

beforeAll(async () => {
  sim = await startSim({
    port: 0,
    seed: 3,
    // two sequences at a time, so a burst of six must queue; small, deterministic step costs
    profiles: {
      [MODEL]: {
        stepBaseMs: 2,
        decodePerSeqMs: 0,
        decodePerKvTokenMs: 0,
        prefillPerTokenMs: 0.01,
        maxNumSeqs: 2,
        jitterFrac: 0,
        earlyStopProb: 0,
      },
    },
    models: [MODEL, 'sim-fast'],
  });
});
afterAll(async () => {
  await sim.close();
});

async function complete(model: string, maxTokens: number): Promise<{ prompt: number; completion: number }> {
  const res = await fetch(`${sim.url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      prompt: 'alpha beta gamma delta '.repeat(20),
      max_tokens: maxTokens,
      ignore_eos: true,
    }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
  return { prompt: body.usage.prompt_tokens, completion: body.usage.completion_tokens };
}

describe('against the simulator', () => {
  it('parses the real /metrics body without errors, with vLLM families and types', async () => {
    const text = await (await fetch(`${sim.url}/metrics`)).text();
    const { families, errors } = parsePrometheusText(text);
    expect(errors).toEqual([]);
    expect(families.get('vllm:num_requests_running')?.type).toBe('gauge');
    expect(families.get('vllm:prompt_tokens_total')?.type).toBe('counter');
    const queue = families.get('vllm:request_queue_time_seconds')!;
    expect(queue.type).toBe('histogram');
    // one +Inf bucket per served model
    const infBuckets = queue.samples.filter((s) => s.name.endsWith('_bucket') && s.labels.le === '+Inf');
    expect(infBuckets.map((s) => s.labels.model_name).sort()).toEqual(['sim-fast', MODEL]);
  });

  it('scrapes a burst that must queue: deltas match the server, TTFT splits into queue and prefill', async () => {
    const before = sim.stats().models[MODEL]!;
    const scraper = createMetricsScraper({ url: `${sim.url}/metrics`, intervalMs: 20, model: MODEL });
    scraper.start();
    // traffic to the other model must not leak into this model's figures
    const other = complete('sim-fast', 7);
    const usages = await Promise.all(Array.from({ length: 6 }, () => complete(MODEL, 48)));
    await other;
    const r = await scraper.stop();
    const after = sim.stats().models[MODEL]!;

    expect(ServerTelemetrySchema.parse(r)).toEqual(r);
    expect(r).toMatchObject({ available: true, engine: 'vllm', scrapeErrors: 0, counterResets: 0 });
    expect(r.deltas.generationTokens).toBe(usages.reduce((a, u) => a + u.completion, 0));
    expect(r.deltas.generationTokens).toBe(after.generationTokens - before.generationTokens);
    expect(r.deltas.promptTokens).toBe(after.promptTokens - before.promptTokens);
    expect(r.deltas.preemptions).toBe(0);
    for (const role of ['ttft', 'queue', 'prefill', 'decode', 'e2e'] as const)
      expect(r.histograms[role]?.count).toBe(6);
    // 2 slots, 6 requests: four wait for a slot, so the mean queue time is well above zero
    expect(r.ttftSplit!.queueMsMean).toBeGreaterThan(0);
    expect(r.ttftSplit!.prefillMsMean).toBeGreaterThan(0);
    expect(r.ttftSplit!.queueSharePct! + r.ttftSplit!.prefillSharePct!).toBeLessThanOrEqual(100.01);
    expect(r.ttftSplit!.queueSharePct).toBeGreaterThan(30);
    expect(r.gaugeStats.runningMax).toBeLessThanOrEqual(2);
    expect(r.gaugeStats.waitingMax).toBeGreaterThanOrEqual(1);
  });
});

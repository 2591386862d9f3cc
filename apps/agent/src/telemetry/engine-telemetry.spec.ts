/**
 * End to end through the agent's point telemetry against a real HTTP server shaped like llama.cpp's
 * llama-server: `/metrics` in its format and `/v1/models` with `owned_by: "llamacpp"`.
 *
 * No llama-server runs here; the `/metrics` text is written from ggml-org/llama.cpp
 * `tools/server/server.cpp` (handle_metrics: `# HELP` / `# TYPE` / value per metric, `llamacpp:`
 * prefix, no labels, counters then gauges) and `tools/server/README.md` ("GET /metrics"), and the
 * 501 answer without `--metrics` from the same file. The numbers are what this test says the server did.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoadPointTelemetrySchema, type LoadPointJob } from '@inferbench/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { createPointTelemetryStarter } from './point-telemetry.js';

const logger = createLogger('silent');

/** What the fake llama-server has done so far (cumulative, as the real one keeps it). */
const state = {
  promptTokens: 500,
  promptSeconds: 1,
  predicted: 2000,
  predictedSeconds: 40,
  decodes: 1000,
  busySlotsTotal: 1000,
  processing: 0,
  deferred: 0,
  kvRatio: 0.02,
};
let metricsEnabled = true;
let metricsScrapes = 0;
const paths: string[] = [];

function llamaMetrics(): string {
  const counters: [string, number][] = [
    ['prompt_tokens_total', state.promptTokens],
    ['prompt_seconds_total', state.promptSeconds],
    ['tokens_predicted_total', state.predicted],
    ['tokens_predicted_seconds_total', state.predictedSeconds],
    ['n_decode_total', state.decodes],
    ['n_busy_slots_per_decode', state.busySlotsTotal / Math.max(state.decodes, 1)],
  ];
  const gauges: [string, number][] = [
    ['prompt_tokens_seconds', 0],
    ['predicted_tokens_seconds', 0],
    ['kv_cache_usage_ratio', state.kvRatio],
    ['kv_cache_tokens', Math.round(state.kvRatio * 8192)],
    ['requests_processing', state.processing],
    ['requests_deferred', state.deferred],
  ];
  const lines: string[] = [];
  for (const [type, list] of [
    ['counter', counters],
    ['gauge', gauges],
  ] as const) {
    for (const [name, value] of list) {
      lines.push(`# HELP llamacpp:${name} ${name}`, `# TYPE llamacpp:${name} ${type}`);
      // C++ ostream default: 6 significant digits
      lines.push(`llamacpp:${name} ${Number(value.toPrecision(6))}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    if (req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'list',
          data: [{ id: 'qwen2.5-7b-q4_k_m.gguf', object: 'model', created: 1, owned_by: 'llamacpp' }],
        }),
      );
    } else if (req.url === '/metrics' && metricsEnabled) {
      metricsScrapes++;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(llamaMetrics());
    } else if (req.url === '/metrics') {
      res.writeHead(501, { 'content-type': 'application/json; charset=utf-8' });
      res.end(
        JSON.stringify({
          error: {
            code: 501,
            message: 'This server does not support metrics endpoint. Start it with `--metrics`',
            type: 'not_supported_error',
          },
        }),
      );
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const job = (): LoadPointJob => ({
  v: 1,
  runId: 'r',
  loadPointId: 'lp',
  shard: { index: 0, count: 1 },
  target: {
    baseUrl: `${base}/v1`,
    apiKind: 'chat',
    model: 'qwen2.5-7b-q4_k_m.gguf',
    headers: {},
    metricsUrl: `${base}/metrics`,
  },
  params: {},
  workload: {
    kind: 'synthetic',
    inputTokens: { kind: 'fixed', value: 8 },
    outputTokens: { kind: 'fixed', value: 4 },
  },
  load: { kind: 'concurrency', concurrency: 1 },
  limits: { maxDurationSec: 60 },
  seed: 1,
  batchSize: 10,
});

describe('point telemetry from a llama.cpp-shaped server', () => {
  it('detects llama.cpp and reports its figures: throughput split, busy slots, deferred, KV use', async () => {
    metricsEnabled = true;
    const start = createPointTelemetryStarter({ gpu: false, intervalMs: 50 });
    const before = metricsScrapes;
    const session = start(job(), logger);
    // the baseline scrape saw the state above; now the server does work
    await expect.poll(() => metricsScrapes).toBeGreaterThan(before);
    Object.assign(state, {
      promptTokens: 2500,
      promptSeconds: 3,
      predicted: 3000,
      predictedSeconds: 60,
      decodes: 1500,
      busySlotsTotal: 3000,
      processing: 4,
      deferred: 6,
      kvRatio: 0.85,
    });
    const mid = metricsScrapes;
    await expect.poll(() => metricsScrapes).toBeGreaterThan(mid);
    Object.assign(state, {
      predicted: 4000,
      predictedSeconds: 80,
      decodes: 2000,
      busySlotsTotal: 4000,
      deferred: 0,
    });
    const t = await session.stop({ outputTokens: 2000 });

    expect(LoadPointTelemetrySchema.parse(t)).toEqual(t);
    expect(paths).toContain('/v1/models');
    const s = t.server!;
    expect(s).toMatchObject({
      available: true,
      engine: 'llamacpp',
      engineDetectedBy: 'metric-names',
      scrapeErrors: 0,
      counterResets: 0,
    });
    expect(s.deltas).toEqual({
      promptTokens: 2000,
      generationTokens: 2000,
      promptSeconds: 2,
      generationSeconds: 40,
      decodeCalls: 1000,
      busySlotSteps: 3000,
    });
    expect(s.derived).toEqual({
      prefillTokensPerSec: 1000,
      decodeTokensPerSec: 50,
      prefillTimeSharePct: 4.762,
      busySlotsPerDecode: 3,
    });
    expect(s.gaugeStats).toMatchObject({ runningMax: 4, waitingMax: 6, kvUsagePctMax: 85 });
    expect(s.missing).toContainEqual({
      figure: 'TTFT queue/prefill split',
      reason:
        'llama.cpp exposes no per-request queue time (only cumulative prompt-processing seconds; see prefill speed)',
    });
  });

  it('names llama.cpp from /v1/models when /metrics is off, next to why nothing was scraped', async () => {
    metricsEnabled = false;
    const start = createPointTelemetryStarter({ gpu: false, intervalMs: 50 });
    const t = await start(job(), logger).stop({ outputTokens: 0 });
    expect(LoadPointTelemetrySchema.parse(t)).toEqual(t);
    expect(t.server).toMatchObject({
      available: false,
      engine: 'llamacpp',
      engineDetectedBy: 'v1-models',
      lastError: 'HTTP 501',
    });
    expect(t.server!.reason).toBe('no successful scrape: HTTP 501');
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoadPointTelemetrySchema, type LoadPointJob } from '@inferbench/contracts';
import { createGpuSampler, type ExecFn, type GpuSamplerOptions } from '@inferbench/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import {
  createPointTelemetryStarter,
  metricsHeadersFor,
  type PointTelemetrySettings,
} from './point-telemetry.js';

const logger = createLogger('silent');

/** A real Prometheus endpoint whose generation counter the test moves. */
let server: http.Server;
let metricsUrl: string;
let generationTokens = 100;
const seenHeaders: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seenHeaders.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      [
        '# TYPE vllm:generation_tokens_total counter',
        `vllm:generation_tokens_total{model_name="m"} ${generationTokens}`,
        `vllm:generation_tokens_total{model_name="other"} ${generationTokens * 7}`,
        '# TYPE vllm:num_requests_running gauge',
        'vllm:num_requests_running{model_name="m"} 3',
        '',
      ].join('\n'),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  metricsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const job = (
  over: Partial<LoadPointJob> = {},
  target: Partial<LoadPointJob['target']> = {},
): LoadPointJob => ({
  v: 1,
  runId: 'r',
  loadPointId: 'lp',
  shard: { index: 0, count: 1 },
  target: { baseUrl: 'http://127.0.0.1:1', apiKind: 'chat', model: 'm', headers: {}, ...target },
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
  ...over,
});

const SETTINGS: PointTelemetrySettings = { gpu: true, intervalMs: 50 };

/** nvidia-smi output for one GPU drawing a constant 200 W. */
function fakeNvidiaSmi(): { exec: ExecFn; calls: () => number } {
  let calls = 0;
  return {
    exec: async () => {
      calls++;
      return { stdout: '0, GPU-1234, NVIDIA H100 80GB HBM3, 55, 40000, 81559, 200.00, 1980, 61\n' };
    },
    calls: () => calls,
  };
}

describe('metricsHeadersFor', () => {
  it('sends the target auth: Bearer apiKey, overridden by the target headers (lower-cased)', () => {
    expect(metricsHeadersFor({ apiKey: 'k1', headers: {} })).toEqual({ authorization: 'Bearer k1' });
    expect(
      metricsHeadersFor({ apiKey: 'k1', headers: { Authorization: 'Basic x', 'X-Tenant': 't' } }),
    ).toEqual({
      authorization: 'Basic x',
      'x-tenant': 't',
    });
    expect(metricsHeadersFor({ headers: {} })).toEqual({});
  });
});

describe('createPointTelemetryStarter', () => {
  it('scrapes the target and samples GPUs, with energy per output token from the given tokens', async () => {
    const smi = fakeNvidiaSmi();
    const start = createPointTelemetryStarter(SETTINGS, {
      createGpuSampler: (o) => createGpuSampler({ ...o, exec: smi.exec }),
    });
    const before = seenHeaders.length;
    const session = start(job({}, { metricsUrl, apiKey: 'secret' }), logger);
    // the baseline scrape has been answered with the old counter value before it moves
    await expect.poll(() => seenHeaders.length).toBeGreaterThan(before);
    await expect.poll(() => smi.calls()).toBeGreaterThanOrEqual(3);
    generationTokens += 60;
    const t = await session.stop({ outputTokens: 60 });

    expect(LoadPointTelemetrySchema.parse(t)).toEqual(t);
    expect(seenHeaders.at(-1)!.authorization).toBe('Bearer secret');
    // only model "m": the other model's counter moves 7x as much and must not leak in
    expect(t.server).toMatchObject({ available: true, engine: 'vllm', url: metricsUrl, scrapeErrors: 0 });
    expect(t.server!.deltas.generationTokens).toBe(60);
    expect(t.server!.series.length).toBeGreaterThanOrEqual(2);
    expect(t.server!.series[0]!.running).toBe(3);

    expect(t.gpu).toMatchObject({ available: true, source: 'nvidia-smi', energyMethod: 'trapezoid' });
    expect(t.gpu!.gpus[0]).toMatchObject({ index: 0, name: 'NVIDIA H100 80GB HBM3', powerWMean: 200 });
    expect(t.gpu!.energyJ).toBeGreaterThan(0);
    expect(t.gpu!.energyPerOutputTokenJ).toBeCloseTo(t.gpu!.energyJ / 60, 9);
  });

  it('collects nothing for a target without metricsUrl when GPU telemetry is off (agent or job)', async () => {
    let samplers = 0;
    const count = (o: GpuSamplerOptions) => {
      samplers++;
      return createGpuSampler({ ...o, exec: fakeNvidiaSmi().exec });
    };
    const off = createPointTelemetryStarter({ ...SETTINGS, gpu: false }, { createGpuSampler: count });
    expect(await off(job({ telemetry: { gpu: true } }), logger).stop({ outputTokens: 1 })).toEqual({});
    const on = createPointTelemetryStarter(SETTINGS, { createGpuSampler: count });
    expect(await on(job({ telemetry: { gpu: false } }), logger).stop({ outputTokens: 1 })).toEqual({});
    expect(samplers).toBe(0);
  });

  it('lets the job override GPU indices and the DCGM URL, and passes the interval', async () => {
    const seen: GpuSamplerOptions[] = [];
    const start = createPointTelemetryStarter(
      { gpu: true, intervalMs: 250, gpuIndices: [0, 1], dcgmUrl: 'http://127.0.0.1:9400/metrics' },
      {
        createGpuSampler: (o) => {
          seen.push(o);
          return createGpuSampler({ ...o, dcgmUrl: undefined, exec: fakeNvidiaSmi().exec });
        },
      },
    );
    await start(job(), logger).stop({ outputTokens: 0 });
    await start(
      job({ telemetry: { gpuIndices: [3], dcgmUrl: 'http://127.0.0.1:9401/metrics' } }),
      logger,
    ).stop({ outputTokens: 0 });
    expect(seen).toEqual([
      { intervalMs: 250, gpuIndices: [0, 1], dcgmUrl: 'http://127.0.0.1:9400/metrics' },
      { intervalMs: 250, gpuIndices: [3], dcgmUrl: 'http://127.0.0.1:9401/metrics' },
    ]);
  });

  it('reports a GPU host without nvidia-smi as unavailable, not as an error', async () => {
    const start = createPointTelemetryStarter(SETTINGS, {
      createGpuSampler: (o) =>
        createGpuSampler({
          ...o,
          exec: () => Promise.reject(Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' })),
        }),
    });
    const t = await start(job(), logger).stop({ outputTokens: 10 });
    expect(t.gpu).toMatchObject({
      available: false,
      reason: 'nvidia-smi not found',
      energyMethod: 'none',
      energyJ: 0,
    });
    expect(t.gpu!.energyPerOutputTokenJ).toBeUndefined();
  });

  it('turns constructors that throw into unavailable parts', async () => {
    const start = createPointTelemetryStarter(SETTINGS, {
      createMetricsScraper: () => {
        throw new Error('bad url');
      },
      createGpuSampler: () => {
        throw new Error('no exec');
      },
    });
    const t = await start(job({}, { metricsUrl }), logger).stop({ outputTokens: 1 });
    expect(t.server).toMatchObject({
      available: false,
      reason: 'scraper did not start: bad url',
      url: metricsUrl,
    });
    expect(t.gpu).toMatchObject({ available: false, reason: 'GPU sampler did not start: no exec' });
    expect(LoadPointTelemetrySchema.safeParse(t).success).toBe(true);
  });

  it('bounds stop(): a hanging part becomes unavailable after stopTimeoutMs, a rejecting one at once', async () => {
    const start = createPointTelemetryStarter(SETTINGS, {
      stopTimeoutMs: 150,
      createMetricsScraper: () => ({ start: () => undefined, stop: () => new Promise(() => undefined) }),
      createGpuSampler: () => ({ start: () => undefined, stop: () => Promise.reject(new Error('boom')) }),
    });
    const t0 = performance.now();
    const t = await start(job({}, { metricsUrl }), logger).stop({ outputTokens: 1 });
    const tookMs = performance.now() - t0;
    expect(tookMs).toBeGreaterThanOrEqual(140);
    expect(tookMs).toBeLessThan(2_000);
    expect(t.server).toMatchObject({ available: false, reason: 'telemetry stop timed out after 150 ms' });
    expect(t.gpu).toMatchObject({ available: false, reason: 'boom' });
  });

  it('replaces a result that breaks its contract schema, so the finished event still parses', async () => {
    const start = createPointTelemetryStarter(SETTINGS, {
      createGpuSampler: (o) => {
        const real = createGpuSampler({ ...o, exec: fakeNvidiaSmi().exec });
        return {
          start: () => real.start(),
          stop: async (s) => ({ ...(await real.stop(s)), energyJ: Number.NaN }),
        };
      },
    });
    const t = await start(job(), logger).stop({ outputTokens: 1 });
    expect(t.gpu!.available).toBe(false);
    expect(t.gpu!.reason).toMatch(/^telemetry result failed validation at energyJ/);
    expect(LoadPointTelemetrySchema.safeParse(t).success).toBe(true);
  });
});

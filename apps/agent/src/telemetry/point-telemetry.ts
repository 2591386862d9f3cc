/**
 * Server and GPU telemetry for one load point: scrapes the target's Prometheus endpoint (when the
 * target has a `metricsUrl`) and samples the host's GPUs (unless disabled) from the point's start
 * to its end, with `@inferbench/telemetry`.
 *
 * Invariant: nothing here can fail or stall a load point. Starting never throws, `stop()` never
 * rejects and is bounded in time, and every result is checked against its contract schema before
 * it goes into `loadpoint.finished` (an invalid part would make the API reject the whole event and
 * leave the point unfinished), so any problem becomes `{ available: false, reason }`.
 */
import {
  GpuTelemetrySchema,
  ServerTelemetrySchema,
  type GpuTelemetry,
  type LoadPointJob,
  type LoadPointTelemetry,
  type ServerTelemetry,
  type TargetConn,
} from '@inferbench/contracts';
import {
  createGpuSampler,
  createMetricsScraper,
  type GpuSampler,
  type GpuSamplerOptions,
  type MetricsScraper,
  type MetricsScraperOptions,
} from '@inferbench/telemetry';
import type { z } from 'zod';
import type { Logger } from '../common/logger.js';

/** Telemetry being collected for one running load point. */
export interface PointTelemetrySession {
  /**
   * Stops collecting (one final scrape/sample) and returns what was collected. Never rejects; waits
   * at most the starter's `stopTimeoutMs`. `outputTokens` (measured successful requests of the
   * point) gives the GPU energy per output token.
   */
  stop(opts: { outputTokens: number }): Promise<LoadPointTelemetry>;
}

/** Starts telemetry for a job at the moment its load begins. Never throws. */
export type StartPointTelemetry = (job: LoadPointJob, logger: Logger) => PointTelemetrySession;

/** Agent-wide telemetry settings (AgentConfig.telemetry); a job's `telemetry` overrides them. */
export interface PointTelemetrySettings {
  /** sample GPUs at all; a job can turn it off, never on */
  gpu: boolean;
  gpuIndices?: number[];
  dcgmUrl?: string;
  /** scrape / sample period, ms */
  intervalMs: number;
}

/** Seams for tests; defaults are the real `@inferbench/telemetry` constructors. */
export interface PointTelemetryDeps {
  createMetricsScraper?: (opts: MetricsScraperOptions) => MetricsScraper;
  createGpuSampler?: (opts: GpuSamplerOptions) => GpuSampler;
  /** upper bound on `stop()`, ms (default 15000: a final scrape after an in-flight one, each ≤ 5 s) */
  stopTimeoutMs?: number;
}

const DEFAULT_STOP_TIMEOUT_MS = 15_000;

/**
 * Headers for the metrics endpoint: the same auth the load requests carry (Bearer apiKey, then the
 * target's headers, lower-cased, overriding), since servers that protect `/v1` usually protect
 * `/metrics` the same way.
 */
export function metricsHeadersFor(target: Pick<TargetConn, 'apiKey' | 'headers'>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  for (const [k, v] of Object.entries(target.headers ?? {})) headers[k.toLowerCase()] = v;
  return headers;
}

/** A server result that says why nothing was collected. */
export function unavailableServerTelemetry(reason: string, url?: string): ServerTelemetry {
  return {
    available: false,
    reason,
    engine: 'unknown',
    ...(url === undefined ? {} : { url }),
    scrapes: 0,
    scrapeErrors: 0,
    counterResets: 0,
    windowSec: 0,
    series: [],
    gaugeStats: {},
    deltas: {},
    histograms: {},
  };
}

/** A GPU result that says why nothing was collected. */
export function unavailableGpuTelemetry(reason: string): GpuTelemetry {
  return {
    available: false,
    reason,
    samples: 0,
    sampleErrors: 0,
    gpus: [],
    energyJ: 0,
    energyMethod: 'none',
  };
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Resolves with `work`'s value, or with `onFail(why)` when it rejects or takes longer than `ms`. */
async function bounded<T>(work: () => Promise<T>, ms: number, onFail: (why: string) => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onFail(`telemetry stop timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work().catch((err: unknown) => onFail(messageOf(err))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Replaces a result that does not match its contract schema with an unavailable one. */
function checked<T>(schema: z.ZodType<T>, value: T, fallback: (reason: string) => T): T {
  const r = schema.safeParse(value);
  if (r.success) return value;
  const issue = r.error.issues[0];
  return fallback(
    `telemetry result failed validation${issue ? ` at ${issue.path.join('.')}: ${issue.message}` : ''}`,
  );
}

/**
 * Builds the starter the load-point processor calls for each job: a metrics scraper when the target
 * has `metricsUrl`, a GPU sampler unless GPU telemetry is off (agent config or the job's
 * `telemetry.gpu: false`). On a host without nvidia-smi the GPU part is `{ available: false, reason }`.
 */
export function createPointTelemetryStarter(
  settings: PointTelemetrySettings,
  deps: PointTelemetryDeps = {},
): StartPointTelemetry {
  const makeScraper = deps.createMetricsScraper ?? createMetricsScraper;
  const makeSampler = deps.createGpuSampler ?? createGpuSampler;
  const stopTimeoutMs = deps.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;

  return (job, logger) => {
    const metricsUrl = job.target.metricsUrl;
    let server: { stop(): Promise<ServerTelemetry> } | undefined;
    if (metricsUrl !== undefined) {
      try {
        const scraper = makeScraper({
          url: metricsUrl,
          model: job.target.model,
          headers: metricsHeadersFor(job.target),
          intervalMs: settings.intervalMs,
          // names the engine from /v1/models (or TGI's /info) when the metric names do not
          engineProbe: { baseUrl: job.target.baseUrl },
        });
        scraper.start();
        server = scraper;
      } catch (err) {
        logger.warn('metrics scraper did not start', { err: messageOf(err) });
        const failed = unavailableServerTelemetry(`scraper did not start: ${messageOf(err)}`, metricsUrl);
        server = { stop: async () => failed };
      }
    }

    let gpu: { stop(opts: { outputTokens: number }): Promise<GpuTelemetry> } | undefined;
    if (settings.gpu && job.telemetry?.gpu !== false) {
      const gpuIndices = job.telemetry?.gpuIndices ?? settings.gpuIndices;
      const dcgmUrl = job.telemetry?.dcgmUrl ?? settings.dcgmUrl;
      try {
        const sampler = makeSampler({
          intervalMs: settings.intervalMs,
          ...(gpuIndices === undefined ? {} : { gpuIndices }),
          ...(dcgmUrl === undefined ? {} : { dcgmUrl }),
        });
        sampler.start();
        gpu = sampler;
      } catch (err) {
        logger.warn('GPU sampler did not start', { err: messageOf(err) });
        const failed = unavailableGpuTelemetry(`GPU sampler did not start: ${messageOf(err)}`);
        gpu = { stop: async () => failed };
      }
    }

    return {
      async stop({ outputTokens }) {
        const serverFail = (why: string): ServerTelemetry => unavailableServerTelemetry(why, metricsUrl);
        const [serverResult, gpuResult] = await Promise.all([
          server ? bounded(() => server.stop(), stopTimeoutMs, serverFail) : undefined,
          gpu ? bounded(() => gpu.stop({ outputTokens }), stopTimeoutMs, unavailableGpuTelemetry) : undefined,
        ]);
        const out: LoadPointTelemetry = {};
        if (serverResult) out.server = checked(ServerTelemetrySchema, serverResult, serverFail);
        if (gpuResult) out.gpu = checked(GpuTelemetrySchema, gpuResult, unavailableGpuTelemetry);
        logger.info('load point telemetry', {
          server: out.server && {
            available: out.server.available,
            scrapes: out.server.scrapes,
            reason: out.server.reason,
          },
          gpu: out.gpu && { available: out.gpu.available, samples: out.gpu.samples, reason: out.gpu.reason },
        });
        return out;
      },
    };
  };
}

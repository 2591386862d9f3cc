/**
 * Scrapes a target's Prometheus endpoint during one load point: once at start (the baseline),
 * every `intervalMs` while it runs, and once at stop, so counter and histogram increases cover the
 * whole point. Never throws: failures are counted and the result says `available: false` when no
 * scrape succeeded.
 */
import type { ServerTelemetry } from '@inferbench/contracts';
import { probeEngine } from './engine-probe.js';
import { ServerTelemetryAccumulator, type ServerTelemetryOptions } from './server-telemetry.js';

/** Monotonic milliseconds; `performance.now()` by default. */
export interface TelemetryClock {
  now(): number;
}

/** Options of {@link createMetricsScraper}. */
export interface MetricsScraperOptions extends Omit<ServerTelemetryOptions, 'url'> {
  /** the Prometheus endpoint, e.g. `http://127.0.0.1:8000/metrics` (`TargetConn.metricsUrl`) */
  url: string;
  /** time between scrape starts; a scrape still running when the next is due delays it (no overlap) */
  intervalMs?: number;
  /** per-scrape timeout; default min(intervalMs, 5000) ms, at least 200 ms */
  timeoutMs?: number;
  /** HTTP headers, e.g. an Authorization header when the endpoint needs one */
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  clock?: TelemetryClock;
  /**
   * The target's OpenAI base URL: at start the scraper also asks its `/v1/models` (and TGI's `/info`)
   * which engine it is, for servers whose metric names do not say or whose `/metrics` is off.
   */
  engineProbe?: { baseUrl: string };
}

/** What {@link MetricsScraper.stop} returns. */
export type ScrapeResult = ServerTelemetry;

/** A scraper for one load point. */
export interface MetricsScraper {
  /** Takes the baseline scrape and starts the periodic ones. Idempotent. */
  start(): void;
  /** Stops scraping, takes a final scrape and returns the point's telemetry. Idempotent. */
  stop(): Promise<ScrapeResult>;
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timeout';
    // undici puts the socket error (ECONNREFUSED, ENOTFOUND) in `cause`
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return `${err.message} (${cause.code})`;
    return err.message;
  }
  return String(err);
}

/** Creates a scraper; nothing happens until `start()`. */
export function createMetricsScraper(opts: MetricsScraperOptions): MetricsScraper {
  const intervalMs = opts.intervalMs ?? 1000;
  const timeoutMs = opts.timeoutMs ?? Math.max(200, Math.min(intervalMs, 5000));
  const fetchFn = opts.fetch ?? globalThis.fetch;
  const clock = opts.clock ?? { now: () => performance.now() };
  const acc = new ServerTelemetryAccumulator({ ...opts, url: opts.url });

  let startMs = 0;
  let started = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let result: Promise<ScrapeResult> | undefined;
  let probe: Promise<void> | undefined;

  const scrapeOnce = async (): Promise<void> => {
    const tSec = (clock.now() - startMs) / 1000;
    try {
      const res = await fetchFn(opts.url, {
        headers: { accept: 'text/plain;version=0.0.4', ...opts.headers },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) {
        // drain so the connection can be reused
        await res.body?.cancel().catch(() => undefined);
        acc.addError(`HTTP ${res.status}`);
        return;
      }
      acc.addScrape(Math.max(0, tSec), await res.text());
    } catch (err) {
      acc.addError(describeError(err));
    }
  };

  const loop = (): void => {
    const t0 = performance.now();
    inFlight = scrapeOnce().finally(() => {
      inFlight = undefined;
      if (stopped) return;
      timer = setTimeout(loop, Math.max(0, intervalMs - (performance.now() - t0)));
      // an agent that forgets stop() must still be able to exit
      timer.unref();
    });
  };

  return {
    start() {
      if (started) return;
      started = true;
      startMs = clock.now();
      if (opts.engineProbe) {
        probe = probeEngine({
          baseUrl: opts.engineProbe.baseUrl,
          headers: opts.headers,
          timeoutMs,
          fetch: fetchFn,
        })
          .then((hint) => acc.setEngineHint(hint))
          .catch(() => undefined);
      }
      loop();
    },
    stop() {
      result ??= (async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        if (!started) return acc.result();
        await inFlight;
        await scrapeOnce();
        await probe;
        return acc.result();
      })();
      return result;
    },
  };
}

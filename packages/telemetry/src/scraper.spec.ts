import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServerTelemetrySchema } from '@inferbench/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMetricsScraper } from './scraper.js';
import { histogramOf, renderVllm, type TestVllmState } from './testing/exposition.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          // a hanging test endpoint leaves responses open; close() alone would wait for them
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

/** A real HTTP server; `handler` gets the 0-based hit number. */
async function serve(
  handler: (hit: number, res: import('node:http').ServerResponse) => void,
): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    handler(hits++, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/metrics`, hits: () => hits };
}

/** A clock that advances one second per reading, so tSec values are exact. */
function steppingClock(): { now(): number } {
  let t = 10_000;
  return { now: () => (t += 1000) - 1000 };
}

const BOUNDS = [0.05, 0.1, 0.5, 1];

/** The fake server's state after `hit` scrapes: every scrape, 5 requests finished with 0.2 s queueing. */
function stateAt(hit: number): TestVllmState {
  return {
    running: 4 + hit,
    waiting: hit % 2,
    kvUsage: Math.min(1, 0.1 * hit),
    promptTokens: 1000 + 500 * hit,
    generationTokens: 100 * hit,
    preemptions: 0,
    histograms: {
      queue: histogramOf(
        BOUNDS,
        Array.from({ length: 5 * hit }, () => 0.2),
      ),
      prefill: histogramOf(
        BOUNDS,
        Array.from({ length: 5 * hit }, () => 0.05),
      ),
    },
  };
}

describe('createMetricsScraper against a real HTTP endpoint', () => {
  it('scrapes at start, periodically and at stop, and reports deltas over the whole window', async () => {
    const srv = await serve((hit, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(renderVllm([stateAt(hit)]));
    });
    const scraper = createMetricsScraper({ url: srv.url, intervalMs: 20, clock: steppingClock() });
    scraper.start();
    await vi.waitFor(() => expect(srv.hits()).toBeGreaterThanOrEqual(4), { timeout: 5000, interval: 10 });
    const r = await scraper.stop();
    const n = srv.hits();
    expect(ServerTelemetrySchema.parse(r)).toEqual(r);
    expect(r).toMatchObject({ available: true, engine: 'vllm', scrapes: n, scrapeErrors: 0, url: srv.url });
    // the final scrape (hit n-1) is part of the window; hit 0 is the baseline
    expect(r.deltas.promptTokens).toBe(500 * (n - 1));
    expect(r.deltas.generationTokens).toBe(100 * (n - 1));
    expect(r.histograms.queue!.count).toBe(5 * (n - 1));
    expect(r.histograms.queue!.meanMs).toBe(200);
    expect(r.ttftSplit).toMatchObject({
      queueMsMean: 200,
      prefillMsMean: 50,
      queueSharePct: 80,
      prefillSharePct: 20,
    });
    // start() reads the clock once before the first scrape, so scrape i is stamped i + 1 s
    expect(r.series.map((p) => p.tSec)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(r.series.map((p) => p.running)).toEqual(Array.from({ length: n }, (_, i) => 4 + i));
    expect(r.windowSec).toBe(n - 1);
    // stop is idempotent and no scrape happens after it
    expect(await scraper.stop()).toBe(r);
    const after = srv.hits();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(srv.hits()).toBe(after);
  });

  it('counts failing scrapes and still uses the good ones', async () => {
    const srv = await serve((hit, res) => {
      if (hit === 1 || hit === 2) res.writeHead(503).end('busy');
      else if (hit === 3) res.writeHead(200).end('<html>oops</html>');
      else res.writeHead(200).end(renderVllm([stateAt(hit)]));
    });
    const scraper = createMetricsScraper({ url: srv.url, intervalMs: 10 });
    scraper.start();
    await vi.waitFor(() => expect(srv.hits()).toBeGreaterThanOrEqual(5), { timeout: 5000, interval: 10 });
    const r = await scraper.stop();
    const n = srv.hits();
    expect(r.available).toBe(true);
    expect(r.scrapeErrors).toBe(3);
    expect(r.scrapes).toBe(n - 3);
    // hit 0 is the baseline; the errors in between do not lose any increase
    expect(r.deltas.promptTokens).toBe(500 * (n - 1));
  });

  it('reports unavailable, without throwing, when nothing listens on the port', async () => {
    const srv = await serve((_hit, res) => res.end());
    const url = srv.url;
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    let attempts = 0;
    const countingFetch: typeof fetch = (input, init) => {
      attempts++;
      return fetch(input, init);
    };
    const scraper = createMetricsScraper({ url, intervalMs: 10, fetch: countingFetch });
    scraper.start();
    // the baseline scrape and at least one periodic one have been tried (and refused)
    await vi.waitFor(() => expect(attempts).toBeGreaterThanOrEqual(2), { timeout: 2_000, interval: 5 });
    const r = await scraper.stop();
    expect(r.available).toBe(false);
    expect(r.scrapes).toBe(0);
    expect(r.scrapeErrors).toBeGreaterThanOrEqual(2);
    expect(r.reason).toContain('ECONNREFUSED');
    expect(ServerTelemetrySchema.safeParse(r).success).toBe(true);
  });

  it('reports unavailable for a 404 endpoint (server without metrics)', async () => {
    const srv = await serve((_hit, res) => res.end());
    const scraper = createMetricsScraper({ url: srv.url.replace('/metrics', '/nope'), intervalMs: 10 });
    scraper.start();
    const r = await scraper.stop();
    expect(r).toMatchObject({ available: false, lastError: 'HTTP 404' });
  });

  it('times out a hanging endpoint and stops within the timeout', async () => {
    // never answers; the response objects are ended when the server closes
    const srv = await serve(() => undefined);
    const scraper = createMetricsScraper({ url: srv.url, intervalMs: 1000, timeoutMs: 200 });
    scraper.start();
    const t0 = performance.now();
    const r = await scraper.stop();
    // the in-flight scrape and the final one each wait at most timeoutMs
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(r).toMatchObject({ available: false, scrapeErrors: 2, lastError: 'timeout' });
  });

  it('stop() without start() takes no scrape', async () => {
    const srv = await serve((_hit, res) => res.end(renderVllm([stateAt(0)])));
    const r = await createMetricsScraper({ url: srv.url }).stop();
    expect(r).toMatchObject({ available: false, scrapes: 0, reason: 'no scrape was taken' });
    expect(srv.hits()).toBe(0);
  });
});

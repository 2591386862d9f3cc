import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Outcome of one `sample.batch` store. */
export type BatchOutcome = 'stored' | 'duplicate' | 'unknown-point' | 'error';

/** Label of a request that matched no route (404s): never the raw URL, which would explode the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The API's own Prometheus metrics (one registry per app instance, so several APIs in one test process do not
 * collide). Event-driven instruments live here; scrape-time gauges (runs by status, queue depths) are registered on
 * {@link registry} by the metrics module's collector. With `enabled` false every record call is a no-op and no
 * default metrics are collected (`INFERBENCH_METRICS=0`).
 */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly samplesStored: Counter;
  private readonly batches: Counter<'outcome'>;
  private readonly batchSeconds: Histogram<'outcome'>;
  private readonly sseClients: Gauge;
  private readonly httpSeconds: Histogram<'route' | 'method' | 'status'>;

  constructor(readonly enabled: boolean) {
    const registers = [this.registry];
    if (enabled) collectDefaultMetrics({ register: this.registry });
    this.samplesStored = new Counter({
      name: 'inferbench_ingest_samples_stored_total',
      help: 'Request samples stored by ingest (new batches only; duplicates are not counted).',
      registers,
    });
    this.batches = new Counter({
      name: 'inferbench_ingest_batches_total',
      help: 'Sample batches handled by ingest, by outcome (stored, duplicate, unknown-point, error).',
      labelNames: ['outcome'],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'inferbench_ingest_batch_duration_seconds',
      help: 'Time to store one sample batch (ledger claim + COPY + count, one transaction), by outcome.',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.sseClients = new Gauge({
      name: 'inferbench_sse_clients',
      help: 'Open live-event (SSE) streams of GET /runs/:id/events.',
      registers,
    });
    this.httpSeconds = new Histogram({
      name: 'inferbench_http_request_duration_seconds',
      help: 'HTTP request latency of the API router, by route pattern, method and status code.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  /** One sample batch handled by ingest: `samples` counts only when it was stored. */
  recordBatch(outcome: BatchOutcome, samples: number, seconds: number): void {
    if (!this.enabled) return;
    this.batches.inc({ outcome });
    this.batchSeconds.observe({ outcome }, seconds);
    if (outcome === 'stored' && samples > 0) this.samplesStored.inc(samples);
  }

  sseOpened(): void {
    if (this.enabled) this.sseClients.inc();
  }

  sseClosed(): void {
    if (this.enabled) this.sseClients.dec();
  }

  /** One answered HTTP request; `route` is the router's pattern (`/runs/:id`), never the raw URL. */
  recordHttp(route: string, method: string, status: number, seconds: number): void {
    if (!this.enabled) return;
    this.httpSeconds.observe({ route, method, status: String(status) }, seconds);
  }

  /** The exposition text and its content type (what the metrics listener serves). */
  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}

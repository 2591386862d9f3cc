/**
 * The agent's own Prometheus metrics (not the target server's, which `@inferbench/telemetry` scrapes): what the
 * agent itself is doing and whether it keeps up. Fed from what the processor already sees (the engine's per-second
 * ticks and per-request samples) and from the ingest sink; served by the metrics listener (`AGENT_METRICS_PORT`).
 */
import type { AgentEvent, RequestSample } from '@inferbench/contracts';
import type { LoadTick } from '@inferbench/loadgen';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the processor reports about one running load point (see {@link AgentMetrics.observePoint}). */
export interface PointObserver {
  onSample(sample: RequestSample): void;
  onTick(tick: LoadTick): void;
  /** the point's load ended (its streams are gone) */
  end(): void;
}

const NOOP_OBSERVER: PointObserver = { onSample() {}, onTick() {}, end() {} };

export interface AgentMetricsOptions {
  enabled: boolean;
  agentId: string;
  pool: string;
  /** events waiting for Redis to acknowledge them (IngestSink.pendingCount) */
  pendingEvents?: () => number;
}

/** Chunks a request received: the first plus one per gap (none when no chunk arrived). */
export function chunksOf(s: Pick<RequestSample, 'firstChunkUs' | 'chunkGapsUs'>): number {
  return s.firstChunkUs === undefined ? 0 : s.chunkGapsUs.length + 1;
}

/** One registry per agent (tests run several agents in one process); every record call is a no-op when disabled. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly enabled: boolean;
  /** in-flight streams of each running point, as of its last tick */
  private readonly inFlight = new Map<object, number>();
  private pendingBatches = 0;
  private readonly chunks: Counter;
  private readonly requests: Counter<'outcome'>;
  private readonly scheduleDelay: Histogram;

  constructor(opts: AgentMetricsOptions) {
    this.enabled = opts.enabled;
    this.registry.setDefaultLabels({ agent_id: opts.agentId, pool: opts.pool });
    const registers = [this.registry];
    // includes the event-loop lag (nodejs_eventloop_lag_seconds, _p50/_p90/_p99 from monitorEventLoopDelay)
    if (opts.enabled) collectDefaultMetrics({ register: this.registry });
    const inFlight = this.inFlight;
    new Gauge({
      name: 'inferbench_agent_active_streams',
      help: 'Requests in flight (open streams) across the running load points, as of each point’s last second.',
      registers,
      collect() {
        let n = 0;
        for (const v of inFlight.values()) n += v;
        this.set(n);
      },
    });
    new Gauge({
      name: 'inferbench_agent_load_points_running',
      help: 'Load points (shards) this agent is running.',
      registers,
      collect() {
        this.set(inFlight.size);
      },
    });
    this.chunks = new Counter({
      name: 'inferbench_agent_chunks_total',
      help: 'Streamed response chunks received (counted when each request ends).',
      registers,
    });
    this.requests = new Counter({
      name: 'inferbench_agent_requests_total',
      help: 'Requests ended, by outcome (ok: no error class; error: any error class, cancellations included).',
      labelNames: ['outcome'],
      registers,
    });
    this.scheduleDelay = new Histogram({
      name: 'inferbench_agent_schedule_delay_seconds',
      help: 'How late each request was sent after its scheduled time (open-loop arrivals): the load generator falling behind.',
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    const pending = () => this.pendingBatches;
    new Gauge({
      name: 'inferbench_agent_ingest_pending_batches',
      help: 'Sample batches handed to the ingest sink and not yet acknowledged by Redis.',
      registers,
      collect() {
        this.set(pending());
      },
    });
    const pendingEvents = opts.pendingEvents;
    if (pendingEvents) {
      new Gauge({
        name: 'inferbench_agent_ingest_pending_events',
        help: 'Agent events of any kind waiting for Redis to acknowledge them (the ingest backlog).',
        registers,
        collect() {
          this.set(pendingEvents());
        },
      });
    }
  }

  /** An observer for one running load point; call `end()` when its load ends. */
  observePoint(): PointObserver {
    if (!this.enabled) return NOOP_OBSERVER;
    const key = {};
    this.inFlight.set(key, 0);
    return {
      onSample: (s) => {
        this.chunks.inc(chunksOf(s));
        this.requests.inc({ outcome: s.errorClass === undefined ? 'ok' : 'error' });
        if (s.scheduledUs !== undefined)
          this.scheduleDelay.observe(Math.max(0, s.sentUs - s.scheduledUs) / 1e6);
      },
      onTick: (t) => {
        if (this.inFlight.has(key)) this.inFlight.set(key, t.inFlight);
      },
      end: () => {
        this.inFlight.delete(key);
      },
    };
  }

  /** Count a send of `event` as pending until `acked` settles; returns `acked`. */
  trackSend(event: AgentEvent, acked: Promise<void>): Promise<void> {
    if (!this.enabled || event.type !== 'sample.batch') return acked;
    this.pendingBatches++;
    acked.finally(() => this.pendingBatches--).catch(() => undefined);
    return acked;
  }

  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}

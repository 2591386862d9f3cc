/**
 * Prometheus text exposition (format 0.0.4) with vLLM metric names, written by hand.
 * Histograms use vLLM's bucket bounds so dashboards built for vLLM read the simulator as is.
 */
import type { LagStats } from './driver.js';
import type { ModelEngine } from './engine.js';
import type { Seq } from './seq.js';

/** vLLM's TTFT buckets (seconds). */
const TTFT_BUCKETS_S = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
  80.0, 160.0, 640.0, 2560.0,
];
/** vLLM's request-latency buckets (seconds): e2e, queue, prefill, decode. */
const LATENCY_BUCKETS_S = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0,
  960.0, 1920.0, 7680.0,
];
/** vLLM's time-per-output-token buckets (seconds). */
const TPOT_BUCKETS_S = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
];

/** Cumulative-on-render histogram. */
export class Histogram {
  private readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bucketsS: readonly number[]) {
    this.counts = new Array<number>(bucketsS.length).fill(0);
  }

  observe(v: number): void {
    if (!Number.isFinite(v)) return;
    this.sum += v;
    this.count++;
    const b = this.bucketsS;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }

  /** cumulative counts per bucket (excluding +Inf, which is `count`) */
  cumulative(): number[] {
    let acc = 0;
    return this.counts.map((c) => (acc += c));
  }
}

/** Request-level histograms of one model, fed when a sequence finishes. */
export class ModelHistograms {
  readonly ttft = new Histogram(TTFT_BUCKETS_S);
  readonly queue = new Histogram(LATENCY_BUCKETS_S);
  readonly prefill = new Histogram(LATENCY_BUCKETS_S);
  readonly decode = new Histogram(LATENCY_BUCKETS_S);
  readonly e2e = new Histogram(LATENCY_BUCKETS_S);
  readonly tpot = new Histogram(TPOT_BUCKETS_S);
  /** gaps between consecutive emissions of a sequence, on the engine timeline */
  readonly itl = new Histogram(TPOT_BUCKETS_S);

  /** Records a finished sequence; all phases from engine-clock timestamps. */
  observe(seq: Seq): void {
    const s = 1 / 1000;
    this.ttft.observe((seq.firstTokenMs - seq.arrivalMs) * s);
    this.queue.observe((seq.firstScheduledMs - seq.arrivalMs) * s);
    this.prefill.observe((seq.firstTokenMs - seq.firstScheduledMs) * s);
    this.decode.observe((seq.finishedMs - seq.firstTokenMs) * s);
    this.e2e.observe((seq.finishedMs - seq.arrivalMs) * s);
    if (seq.generated > 1) this.tpot.observe(((seq.finishedMs - seq.firstTokenMs) / (seq.generated - 1)) * s);
  }
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return `${v}.0`;
  return String(v);
}

function esc(label: string): string {
  return label.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Renders the /metrics body for the given engines. */
export function renderMetrics(
  engines: readonly { engine: ModelEngine; hist: ModelHistograms }[],
  lag: LagStats,
): string {
  const out: string[] = [];
  const header = (name: string, type: string, help: string): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const simple = (
    name: string,
    type: 'gauge' | 'counter',
    help: string,
    value: (e: ModelEngine) => number,
  ): void => {
    header(name, type, help);
    for (const { engine } of engines)
      out.push(`${name}{model_name="${esc(engine.name)}"} ${fmt(value(engine))}`);
  };
  const histogram = (name: string, help: string, pick: (h: ModelHistograms) => Histogram): void => {
    header(name, 'histogram', help);
    for (const { engine, hist } of engines) {
      const h = pick(hist);
      const m = esc(engine.name);
      const cum = h.cumulative();
      h.bucketsS.forEach((le, i) =>
        out.push(`${name}_bucket{le="${fmt(le)}",model_name="${m}"} ${fmt(cum[i]!)}`),
      );
      out.push(`${name}_bucket{le="+Inf",model_name="${m}"} ${fmt(h.count)}`);
      out.push(`${name}_count{model_name="${m}"} ${fmt(h.count)}`);
      out.push(`${name}_sum{model_name="${m}"} ${fmt(h.sum)}`);
    }
  };

  simple(
    'vllm:num_requests_running',
    'gauge',
    'Number of requests in model execution batches.',
    (e) => e.runningCount,
  );
  simple(
    'vllm:num_requests_waiting',
    'gauge',
    'Number of requests waiting to be processed.',
    (e) => e.waitingCount,
  );
  simple('vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage. 1 means 100 percent usage.', (e) => e.kvUsage);
  simple(
    'vllm:prompt_tokens_total',
    'counter',
    'Number of prefill tokens processed.',
    (e) => e.counters.promptTokens,
  );
  simple(
    'vllm:generation_tokens_total',
    'counter',
    'Number of generation tokens processed.',
    (e) => e.counters.generationTokens,
  );
  simple(
    'vllm:num_preemptions_total',
    'counter',
    'Cumulative number of preemptions from the engine.',
    (e) => e.counters.preemptions,
  );
  simple(
    'vllm:prefix_cache_queries_total',
    'counter',
    'Prefix cache queries, in tokens.',
    (e) => e.counters.prefixQueryTokens,
  );
  simple(
    'vllm:prefix_cache_hits_total',
    'counter',
    'Prefix cache hits, in tokens.',
    (e) => e.counters.prefixHitTokens,
  );

  header('vllm:request_success_total', 'counter', 'Count of successfully processed requests.');
  for (const { engine } of engines) {
    const m = esc(engine.name);
    out.push(
      `vllm:request_success_total{finished_reason="length",model_name="${m}"} ${fmt(engine.counters.successLength)}`,
    );
    out.push(
      `vllm:request_success_total{finished_reason="stop",model_name="${m}"} ${fmt(engine.counters.successStop)}`,
    );
  }

  histogram(
    'vllm:time_to_first_token_seconds',
    'Histogram of time to first token in seconds.',
    (h) => h.ttft,
  );
  histogram(
    'vllm:time_per_output_token_seconds',
    'Histogram of time per output token in seconds.',
    (h) => h.tpot,
  );
  histogram(
    'vllm:inter_token_latency_seconds',
    'Histogram of inter-token latency in seconds (engine timeline).',
    (h) => h.itl,
  );
  histogram(
    'vllm:e2e_request_latency_seconds',
    'Histogram of end to end request latency in seconds.',
    (h) => h.e2e,
  );
  histogram(
    'vllm:request_queue_time_seconds',
    'Histogram of time spent in WAITING phase for request.',
    (h) => h.queue,
  );
  histogram(
    'vllm:request_prefill_time_seconds',
    'Histogram of time spent in PREFILL phase for request.',
    (h) => h.prefill,
  );
  histogram(
    'vllm:request_decode_time_seconds',
    'Histogram of time spent in DECODE phase for request.',
    (h) => h.decode,
  );

  simple(
    'sim:engine_steps_total',
    'counter',
    'Engine steps (iterations) completed.',
    (e) => e.counters.steps,
  );
  simple(
    'sim:engine_busy_seconds_total',
    'counter',
    'Time the batched workers spent in steps (sum over workers).',
    (e) => e.counters.busyMs / 1000,
  );
  header(
    'sim:scheduler_lag_seconds',
    'gauge',
    'How late the last batch of due tokens was written (0 = on time).',
  );
  out.push(`sim:scheduler_lag_seconds ${fmt(lag.lastMs / 1000)}`);
  header('sim:scheduler_lag_max_seconds', 'gauge', 'Largest scheduler lag since start.');
  out.push(`sim:scheduler_lag_max_seconds ${fmt(lag.maxMs / 1000)}`);
  header(
    'sim:scheduler_lagged_wakeups_total',
    'counter',
    'Scheduler wake-ups that wrote tokens more than 10 ms late.',
  );
  out.push(`sim:scheduler_lagged_wakeups_total ${fmt(lag.wakeupsOver10Ms)}`);
  return out.join('\n') + '\n';
}

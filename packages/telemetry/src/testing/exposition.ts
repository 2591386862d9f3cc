/**
 * Writes vLLM-style exposition bodies for tests (the same shape prometheus_client gives vLLM).
 * Test-only helper: the numbers are whatever the test says the server did.
 */

/** Cumulative bucket counts per upper bound (the +Inf bucket is `count`). */
export interface TestHistogram {
  bounds: number[];
  cumulative: number[];
  sum: number;
  count: number;
}

/** What a fake vLLM server state looks like at one instant, per model. */
export interface TestVllmState {
  model?: string;
  running: number;
  waiting: number;
  /** fraction 0..1, as vLLM exposes it */
  kvUsage: number;
  promptTokens: number;
  generationTokens: number;
  preemptions: number;
  histograms?: Partial<Record<'ttft' | 'queue' | 'prefill' | 'decode', TestHistogram>>;
}

const HIST_NAMES = {
  ttft: 'vllm:time_to_first_token_seconds',
  queue: 'vllm:request_queue_time_seconds',
  prefill: 'vllm:request_prefill_time_seconds',
  decode: 'vllm:request_decode_time_seconds',
} as const;

const f = (v: number): string => (Number.isInteger(v) ? `${v}.0` : String(v));

/** Renders one or more models' state as a vLLM /metrics body. */
export function renderVllm(states: TestVllmState[]): string {
  const lines: string[] = [];
  const family = (name: string, type: string, value: (s: TestVllmState) => number): void => {
    lines.push(`# HELP ${name} test`, `# TYPE ${name} ${type}`);
    for (const s of states) lines.push(`${name}{engine="0",model_name="${s.model ?? 'm'}"} ${f(value(s))}`);
  };
  family('vllm:num_requests_running', 'gauge', (s) => s.running);
  family('vllm:num_requests_waiting', 'gauge', (s) => s.waiting);
  family('vllm:kv_cache_usage_perc', 'gauge', (s) => s.kvUsage);
  family('vllm:prompt_tokens_total', 'counter', (s) => s.promptTokens);
  family('vllm:generation_tokens_total', 'counter', (s) => s.generationTokens);
  family('vllm:num_preemptions_total', 'counter', (s) => s.preemptions);
  for (const [role, name] of Object.entries(HIST_NAMES) as [keyof typeof HIST_NAMES, string][]) {
    if (!states.some((s) => s.histograms?.[role])) continue;
    lines.push(`# HELP ${name} test`, `# TYPE ${name} histogram`);
    for (const s of states) {
      const h = s.histograms?.[role];
      if (!h) continue;
      const m = s.model ?? 'm';
      lines.push(`${name}_sum{engine="0",model_name="${m}"} ${f(h.sum)}`);
      h.bounds.forEach((le, i) =>
        lines.push(`${name}_bucket{engine="0",le="${f(le)}",model_name="${m}"} ${f(h.cumulative[i]!)}`),
      );
      lines.push(`${name}_bucket{engine="0",le="+Inf",model_name="${m}"} ${f(h.count)}`);
      lines.push(`${name}_count{engine="0",model_name="${m}"} ${f(h.count)}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** A histogram from raw observations (seconds) over the given bounds. */
export function histogramOf(bounds: number[], observations: number[]): TestHistogram {
  return {
    bounds,
    cumulative: bounds.map((b) => observations.filter((o) => o <= b).length),
    sum: observations.reduce((a, b) => a + b, 0),
    count: observations.length,
  };
}

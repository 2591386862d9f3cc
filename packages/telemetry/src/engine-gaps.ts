/**
 * Which server figures a load point's telemetry lacks, and why: either the engine has no such metric
 * at all (a fixed reason per engine, from its docs), or it has one that was absent from the scrapes
 * (an older release, or a metric that must be enabled).
 */
import type { ServerEngine, ServerMissingFigure, ServerTelemetry } from '@inferbench/contracts';
import { COUNTER_SOURCES, ENGINE_LABELS, GAUGE_NAMES, HISTOGRAM_NAMES } from './metric-names.js';

type FigureKey =
  | 'ttftSplit'
  | 'serverTtft'
  | 'kvUsage'
  | 'waiting'
  | 'running'
  | 'tokens'
  | 'preemptions'
  | 'prefixCache'
  | 'e2e'
  | 'tpot';

interface Figure {
  key: FigureKey;
  figure: string;
  present: (t: ServerTelemetry) => boolean;
  /** the metric names that would give it, for an engine */
  names: (engine: ServerEngine) => string[];
}

const namesOf = (list: readonly { engine: ServerEngine; name: string }[], engine: ServerEngine): string[] => [
  ...new Set(list.filter((s) => s.engine === engine).map((s) => s.name)),
];

const counterNames = (role: keyof typeof COUNTER_SOURCES, engine: ServerEngine): string[] =>
  COUNTER_SOURCES[role]
    .filter((s) => s.engine === engine)
    .map((s) => ('counter' in s ? s.counter : 'histogramSum' in s ? s.histogramSum : s.product.join(' × ')));

/** The figures the server panel shows, in its order. */
const FIGURES: readonly Figure[] = [
  {
    key: 'ttftSplit',
    figure: 'TTFT queue/prefill split',
    present: (t) => t.ttftSplit?.queueMsMean !== undefined && t.ttftSplit.prefillMsMean !== undefined,
    names: (e) => [...namesOf(HISTOGRAM_NAMES.queue, e), ...namesOf(HISTOGRAM_NAMES.prefill, e)],
  },
  {
    key: 'serverTtft',
    figure: 'server TTFT',
    present: (t) => t.histograms.ttft !== undefined,
    names: (e) => namesOf(HISTOGRAM_NAMES.ttft, e),
  },
  {
    key: 'kvUsage',
    figure: 'KV-cache use',
    present: (t) => t.gaugeStats.kvUsagePctMax !== undefined,
    names: (e) => namesOf(GAUGE_NAMES.kvUsage, e),
  },
  {
    key: 'waiting',
    figure: 'waiting requests',
    present: (t) => t.gaugeStats.waitingMax !== undefined,
    names: (e) => namesOf(GAUGE_NAMES.waiting, e),
  },
  {
    key: 'running',
    figure: 'running requests',
    present: (t) => t.gaugeStats.runningMax !== undefined,
    names: (e) => namesOf(GAUGE_NAMES.running, e),
  },
  {
    key: 'tokens',
    figure: 'prompt/generation token counts',
    present: (t) => t.deltas.promptTokens !== undefined && t.deltas.generationTokens !== undefined,
    names: (e) => [...counterNames('promptTokens', e), ...counterNames('generationTokens', e)],
  },
  {
    key: 'preemptions',
    figure: 'preemptions',
    present: (t) => t.deltas.preemptions !== undefined,
    names: (e) => counterNames('preemptions', e),
  },
  {
    key: 'prefixCache',
    figure: 'prefix-cache hits',
    present: (t) => t.deltas.prefixCacheHitTokens !== undefined,
    names: (e) => counterNames('prefixCacheHitTokens', e),
  },
  {
    key: 'e2e',
    figure: 'server E2E latency',
    present: (t) => t.histograms.e2e !== undefined,
    names: (e) => namesOf(HISTOGRAM_NAMES.e2e, e),
  },
  {
    key: 'tpot',
    figure: 'server TPOT',
    present: (t) => t.histograms.tpot !== undefined,
    names: (e) => namesOf(HISTOGRAM_NAMES.tpot, e),
  },
];

const NO_LATENCY_HISTOGRAMS = 'llama.cpp exposes no latency histograms, only cumulative processing seconds';

/**
 * Why an engine lacks a figure, where the lack is the engine's (from its documented metric set).
 * A figure not listed here but absent from a scrape gets the generic "did not expose" reason.
 */
const ENGINE_GAPS: Partial<Record<ServerEngine, Partial<Record<FigureKey, string>>>> = {
  sglang: {
    ttftSplit:
      'SGLang exposes queue time (sglang:queue_time_seconds, recent releases) but no per-request prefill time; the rest of TTFT shows as "other"',
  },
  tgi: {
    ttftSplit:
      'TGI exposes per-request queue time but no time to first token or per-request prefill time (prefill is timed per batch: tgi_batch_inference_duration{method="prefill"})',
    serverTtft: 'TGI exposes no time-to-first-token histogram',
    kvUsage: 'TGI exposes no KV-cache usage gauge (only tgi_batch_current_max_tokens)',
    preemptions: 'TGI exposes no preemption counter',
    prefixCache: 'TGI exposes no prefix-cache counters',
  },
  llamacpp: {
    ttftSplit:
      'llama.cpp exposes no per-request queue time (only cumulative prompt-processing seconds; see prefill speed)',
    serverTtft: NO_LATENCY_HISTOGRAMS,
    e2e: NO_LATENCY_HISTOGRAMS,
    tpot: `${NO_LATENCY_HISTOGRAMS}; decode speed comes from llamacpp:tokens_predicted_seconds_total`,
    kvUsage:
      'this llama-server exposes no llamacpp:kv_cache_usage_ratio (newer builds dropped the KV-cache gauges)',
    preemptions: 'llama.cpp exposes no preemption counter',
    prefixCache: 'llama.cpp exposes no prefix-cache query/hit counters in its documented metric set',
  },
  trtllm: {
    ttftSplit:
      "TensorRT-LLM exposes no per-request prefill time, and under Triton no per-request queue time either (nv_inference_queue_duration_us counts Triton's scheduler queue, not the in-flight batcher's)",
    serverTtft:
      'Triton exposes time to first response only with --metrics-config histogram_latencies=true (nv_inference_first_response_histogram_ms)',
    tokens:
      'TensorRT-LLM reports per-iteration token gauges only, no cumulative prompt/generation token counters',
    preemptions: 'TensorRT-LLM exposes no preemption counter',
    prefixCache: 'TensorRT-LLM exposes no prefix-cache (KV reuse) counters on /metrics',
    e2e: 'Triton exposes cumulative request-duration counters, not per-request latency histograms',
    tpot: 'Triton exposes no time-per-output-token histogram',
  },
};

/**
 * The figures `t` lacks, each with a reason. Empty when the telemetry is unavailable (its `reason`
 * says why) and one entry for all figures when the engine is not recognised.
 */
export function missingFigures(t: ServerTelemetry): ServerMissingFigure[] {
  if (!t.available) return [];
  if (t.engine === 'unknown') {
    return [
      {
        figure: 'server figures',
        reason:
          'the metric names are not recognised (not vLLM, SGLang, TGI, llama.cpp or TensorRT-LLM), so nothing is mapped',
      },
    ];
  }
  const label = ENGINE_LABELS[t.engine];
  const gaps = ENGINE_GAPS[t.engine] ?? {};
  const out: ServerMissingFigure[] = [];
  for (const f of FIGURES) {
    if (f.present(t)) continue;
    const names = f.names(t.engine);
    const fixed = gaps[f.key];
    // the engine's own gap first; otherwise the engine does have the metric and it was absent
    if (fixed) out.push({ figure: f.figure, reason: fixed });
    else if (names.length > 0)
      out.push({
        figure: f.figure,
        reason: `${label} did not expose ${names.join(' or ')} during this point (older release, or metric not enabled)`,
      });
    else out.push({ figure: f.figure, reason: `${label} exposes no metric for it` });
  }
  return out;
}

import type { LoadPlanSpec, RequestParams, WorkloadSpec } from '@inferbench/contracts';

/** A named scenario: a workload, a suggested load plan and request parameters that make output lengths exact. */
export interface WorkloadPreset {
  title: string;
  description: string;
  workload: WorkloadSpec;
  loadPlan: LoadPlanSpec;
  /** suggested request parameters (ignoreEos so servers that support it return exactly max_tokens) */
  params: RequestParams;
}

const exactOutput: RequestParams = { ignoreEos: true, temperature: 0 };

/**
 * Common scenarios, ready to be copied into an experiment. Keys are stable identifiers (API/CLI use them).
 * Lengths are tokens of the target's tokenizer.
 */
export const WORKLOAD_PRESETS = {
  'single-stream-latency': {
    title: 'Single-stream latency',
    description:
      'One request at a time, short prompt and answer: the best-case TTFT and decode speed of the server.',
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 128 },
      outputTokens: { kind: 'fixed', value: 128 },
    },
    loadPlan: { kind: 'concurrency', levels: [1], requests: 50, warmup: { requests: 5 }, seed: 1 },
    params: exactOutput,
  },
  'batch-throughput': {
    title: 'Batch throughput',
    description:
      'Many concurrent requests with mid-size prompts and answers: how output tokens/s grows with concurrency and where it saturates.',
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'normal', mean: 512, std: 128, min: 64, max: 2048 },
      outputTokens: { kind: 'normal', mean: 256, std: 64, min: 16, max: 1024 },
    },
    loadPlan: {
      kind: 'concurrency',
      levels: [1, 8, 32, 64, 128],
      durationSec: 60,
      warmup: { durationSec: 10 },
      seed: 1,
    },
    params: exactOutput,
  },
  'long-context': {
    title: 'Long context',
    description:
      'Prompts of several thousand tokens and short answers: prefill cost, TTFT under long inputs and KV-cache pressure.',
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'uniform', min: 4000, max: 8000 },
      outputTokens: { kind: 'fixed', value: 128 },
    },
    loadPlan: { kind: 'concurrency', levels: [1, 4, 16], requests: 100, warmup: { requests: 4 }, seed: 1 },
    params: exactOutput,
  },
  'long-generation': {
    title: 'Long generation',
    description:
      'Short prompts and 2,048-token answers: sustained decode speed (TPOT/ITL) and its drift as the KV cache grows.',
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 128 },
      outputTokens: { kind: 'fixed', value: 2048 },
    },
    loadPlan: { kind: 'concurrency', levels: [1, 8, 32], requests: 64, warmup: { requests: 2 }, seed: 1 },
    params: exactOutput,
  },
  'chat-poisson-sweep': {
    title: 'Chat traffic, rate sweep',
    description:
      'The built-in mini-chat prompts at Poisson arrivals, swept automatically from one stream to saturation: latency vs. load.',
    workload: {
      kind: 'dataset',
      source: 'builtin:mini-chat',
      format: 'prompts',
      outputTokens: { kind: 'lognormal', median: 200, sigma: 0.6, min: 16, max: 1024 },
    },
    loadPlan: {
      kind: 'sweep',
      mode: 'rate',
      points: 8,
      maxConcurrency: 256,
      arrival: 'poisson',
      saturationTolerance: 0.1,
      minGain: 0.1,
      maxErrorRate: 0.1,
      durationSec: 60,
      warmup: { durationSec: 5 },
      seed: 1,
    },
    params: { temperature: 0.7 },
  },
  'prefix-caching': {
    title: 'Shared prefixes (prefix caching)',
    description:
      'Eight groups of requests sharing a 2,000-token prefix each, with short unique suffixes: the TTFT gain of prefix caching.',
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 128 },
      outputTokens: { kind: 'fixed', value: 64 },
      sharedPrefix: { groups: 8, prefixTokens: 2000 },
    },
    loadPlan: {
      kind: 'rate',
      levels: [2, 8],
      arrival: 'poisson',
      durationSec: 60,
      warmup: { requests: 8 },
      seed: 1,
    },
    params: exactOutput,
  },
  'multi-turn-chat': {
    title: 'Multi-turn chat',
    description:
      'Sessions of 3–6 turns, each request carrying the growing history: prefix reuse across turns.',
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'uniform', min: 50, max: 200 },
      outputTokens: { kind: 'uniform', min: 100, max: 300 },
      multiTurn: { turns: { kind: 'uniform', min: 3, max: 6 } },
    },
    loadPlan: { kind: 'concurrency', levels: [4, 16], durationSec: 60, seed: 1 },
    params: { temperature: 0.7 },
  },
} satisfies Record<string, WorkloadPreset>;

export type WorkloadPresetName = keyof typeof WORKLOAD_PRESETS;

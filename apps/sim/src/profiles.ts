/**
 * Simulator profiles: the constants of the cost model and the engine options, one profile
 * per served model name. See README.md for the formulas and the sources of the named
 * model/GPU profiles.
 */

/** Weight/activation quantization. Factors are in {@link QUANT_FACTORS}. */
export type Quantization = 'none' | 'int8' | 'int4' | 'fp8';

/**
 * Multipliers applied to step cost by quantization.
 * - `weights` scales the weight-bound part of a step (stepBaseMs, decodePerSeqMs): fewer bytes
 *   of weights to stream per step.
 * - `prefill` scales prefill cost per token (compute-bound): weight-only int8/int4 keep bf16
 *   matmuls plus a dequantization overhead, fp8 (W8A8) runs on fp8 tensor cores.
 * The KV term is not scaled (the KV cache stays 16-bit in every case).
 */
export const QUANT_FACTORS: Readonly<Record<Quantization, { weights: number; prefill: number }>> = {
  none: { weights: 1, prefill: 1 },
  int8: { weights: 0.7, prefill: 1.05 },
  int4: { weights: 0.55, prefill: 1.1 },
  fp8: { weights: 0.6, prefill: 0.6 },
};

/**
 * Seeded fault injection. Rates are probabilities per request in [0, 1]; each request draws
 * its faults from its own PRNG (seeded by server seed + request index), so a run is repeatable.
 */
export interface FaultSpec {
  /** answer HTTP 500 with an error JSON instead of serving */
  errorRate?: number;
  /** answer HTTP 429 with `Retry-After: retryAfterS` */
  rateLimitRate?: number;
  /** answer HTTP 503 with `Retry-After: retryAfterS` */
  unavailableRate?: number;
  /** value of the Retry-After header in seconds (default 1) */
  retryAfterS?: number;
  /** pause generation of the request once, at a random token, for stallMs (the sequence keeps its KV) */
  stallRate?: number;
  /** length of a stall in ms (default 500) */
  stallMs?: number;
  /** destroy the socket at a random token of the response */
  disconnectRate?: number;
  /** (streaming only) insert one `data:` line with invalid JSON at a random token */
  malformedRate?: number;
}

/** P/D disaggregation: separate prefill and decode workers plus a KV transfer between them. */
export interface DisaggregationOptions {
  /** fixed part of the KV transfer, ms */
  kvTransferBaseMs: number;
  /** per prompt token transferred, ms */
  kvTransferPerTokenMs: number;
}

/** Speculative decoding: k draft tokens per step, each accepted with probability acceptanceRate. */
export interface SpeculativeOptions {
  /** draft tokens proposed per step (k) */
  numTokens: number;
  /** per-token acceptance probability (alpha); expected tokens/step = (1 - a^(k+1)) / (1 - a) */
  acceptanceRate: number;
  /** cost of one draft token as a fraction of stepBaseMs (draft model forward pass) */
  draftCostFrac: number;
  /** 'separate': one SSE chunk per token; 'merged': one chunk carrying all tokens of a step */
  emit: 'separate' | 'merged';
}

/** Options shared by both profile kinds. */
interface CommonProfile {
  /** one line shown in /v1/models and docs */
  description: string;
  /** most sequences running at once (vLLM max_num_seqs); more wait in the queue */
  maxNumSeqs: number;
  /** prompt + max_tokens above this is rejected with 400 (vLLM max_model_len) */
  maxModelLen: number;
  /** relative uniform jitter on each step/token delay: cost *= 1 + jitterFrac * U(-1, 1) */
  jitterFrac: number;
  /** first K output tokens are `reasoning_content` (chat only); a request can override it */
  reasoningTokens: number;
  /** without ignore_eos: probability that a request stops early (finish_reason "stop") at a seeded point >= min_tokens */
  earlyStopProb: number;
  /** faults for this model; merged over the server-wide faults key by key */
  faults?: FaultSpec;
  /**
   * chat-template tokens the server adds to a chat request's prompt (counted in `usage.prompt_tokens`, like a real
   * template's role headers and BOS); absent: none
   */
  chatTemplate?: { perRequestTokens: number; perMessageTokens: number } | null;
  /**
   * answer key (README "Answer key"): probability that a recognised built-in eval item is answered right. An item
   * is right iff u < accuracy, u = its seeded uniform, the same for every profile with the same `accuracySeed`
   */
  accuracy: number;
  /** seed of the per-item uniforms; profiles that share it are right on nested item sets (default 0) */
  accuracySeed: number;
  /** share of the wrong answers that cannot be parsed (no letter / number / label, empty text) */
  unparseableShare: number;
  /** `logprobs` / `top_logprobs`: true serves them, false answers 400, 'ignore' answers `logprobs: null` */
  logprobs: boolean | 'ignore';
  /** completions `echo`: true echoes the prompt (with prompt logprobs), false answers 400, 'ignore' drops it */
  echo: boolean | 'ignore';
}

/** Iteration-level continuous-batching engine (vLLM-like). All times in ms. */
export interface BatchedProfile extends CommonProfile {
  kind: 'batched';
  /** token budget of one step (prefill tokens + one per decoding sequence), vLLM max_num_batched_tokens */
  maxBatchedTokens: number;
  /** KV-cache capacity in tokens (per worker) */
  kvCapacityTokens: number;
  /** prefix-cache block size in tokens */
  blockSize: number;
  /** fixed cost of any step: streaming the weights once */
  stepBaseMs: number;
  /** decode cost per running sequence per step */
  decodePerSeqMs: number;
  /** decode cost per KV token read in a step (attention, bandwidth-bound) */
  decodePerKvTokenMs: number;
  /** prefill cost per computed prompt token (compute-bound) */
  prefillPerTokenMs: number;
  /** split prefills into chunks mixed with decode steps; without it a prefill step stalls all decodes */
  chunkedPrefill: boolean;
  /** with chunkedPrefill: max prefill tokens one sequence takes per step (default: the whole budget) */
  prefillChunkTokens?: number;
  /** skip prefill of prompt blocks whose chained hash is cached */
  prefixCaching: boolean;
  /** separate prefill/decode workers (null/undefined: one unified worker) */
  disaggregation?: DisaggregationOptions | null;
  /** speculative decoding (null/undefined: off) */
  speculative?: SpeculativeOptions | null;
  quantization: Quantization;
}

/**
 * Constant-latency profile for end-to-end tests: first token ttftMs after arrival, then one
 * token every tpotMs, independent of batch size and prompt length (no KV limit).
 */
export interface FixedProfile extends CommonProfile {
  kind: 'fixed';
  ttftMs: number;
  tpotMs: number;
}

/** A fully resolved profile. */
export type SimProfile = BatchedProfile | FixedProfile;

/**
 * What callers pass: any subset of fields, optionally `extends` a registered profile name
 * (defaults: the built-in batched or fixed defaults, by `kind`).
 */
export type SimProfileInput =
  | ({ kind?: 'batched'; extends?: string } & Partial<Omit<BatchedProfile, 'kind'>>)
  | ({ kind: 'fixed'; extends?: string } & Partial<Omit<FixedProfile, 'kind'>>);

const BATCHED_DEFAULTS: BatchedProfile = {
  kind: 'batched',
  description: 'custom batched profile',
  maxNumSeqs: 256,
  maxModelLen: 32768,
  jitterFrac: 0,
  reasoningTokens: 0,
  earlyStopProb: 0.3,
  accuracy: 0.7,
  accuracySeed: 0,
  unparseableShare: 0.05,
  logprobs: true,
  echo: true,
  maxBatchedTokens: 2048,
  kvCapacityTokens: 200_000,
  blockSize: 16,
  stepBaseMs: 10,
  decodePerSeqMs: 0.05,
  decodePerKvTokenMs: 0.00004,
  prefillPerTokenMs: 0.1,
  chunkedPrefill: true,
  prefixCaching: false,
  disaggregation: null,
  speculative: null,
  quantization: 'none',
};

const FIXED_DEFAULTS: FixedProfile = {
  kind: 'fixed',
  description: 'custom fixed-latency profile',
  maxNumSeqs: 100_000,
  maxModelLen: 1_000_000,
  jitterFrac: 0,
  reasoningTokens: 0,
  earlyStopProb: 0.3,
  accuracy: 0.7,
  accuracySeed: 0,
  unparseableShare: 0.05,
  logprobs: true,
  echo: true,
  ttftMs: 50,
  tpotMs: 10,
};

/** H100 SXM + Llama 3.1 constants; derivations in README.md ("Named profiles"). */
const LLAMA_8B_H100: Partial<BatchedProfile> = {
  description: 'Llama 3.1 8B bf16 on 1x H100 SXM (derived from published specs, see README)',
  stepBaseMs: 6.4,
  decodePerSeqMs: 0.033,
  decodePerKvTokenMs: 0.000052,
  prefillPerTokenMs: 0.033,
  kvCapacityTokens: 400_000,
  maxNumSeqs: 256,
  maxBatchedTokens: 8192,
  maxModelLen: 131072,
  blockSize: 16,
  chunkedPrefill: true,
  prefixCaching: true,
  jitterFrac: 0.03,
  accuracy: 0.72,
};

/**
 * Base of the `sim-8b-*` comparison profiles: a generic 8B-class engine slowed down so that a sweep of a
 * few seconds per point on a small shared CPU shows chunked-prefill and prefix-caching effects far above
 * client-side timing noise. A 2,048-token prefill costs ~254 ms (0.12 ms/token + 8 ms step base); a decode
 * step ~9 ms at 4 running sequences. `maxNumSeqs` is only 4 so that a concurrency sweep reaches
 * saturation (requests waiting for a slot) at c > 4 within a handful of requests.
 */
const SIM_8B_SCALED: SimProfileInput = {
  stepBaseMs: 8,
  decodePerSeqMs: 0.3,
  decodePerKvTokenMs: 0.00004,
  prefillPerTokenMs: 0.12,
  maxNumSeqs: 4,
  maxModelLen: 8192,
  kvCapacityTokens: 200_000,
  blockSize: 16,
  chunkedPrefill: true,
  // a small token budget with chunked prefill (vLLM V0 used 512): a mixed step carries at most 256 prefill
  // tokens, so a long prompt adds ~31 ms to a few steps instead of one stall of up to ~250 ms
  maxBatchedTokens: 256,
  prefixCaching: false,
  jitterFrac: 0.03,
};

/** Built-in profiles, by served model name. */
export const PROFILE_REGISTRY: Readonly<Record<string, SimProfileInput>> = {
  'sim-fp16': {
    description:
      'generic 8B-class fp16 model, slowed so behaviour is visible: ~45 ms TTFT for 256 tokens, ~18 ms/token',
    stepBaseMs: 18,
    decodePerSeqMs: 0.05,
    decodePerKvTokenMs: 0.00004,
    prefillPerTokenMs: 0.1,
    maxNumSeqs: 256,
    maxBatchedTokens: 2048,
    kvCapacityTokens: 200_000,
    chunkedPrefill: true,
    prefixCaching: true,
    jitterFrac: 0.05,
    accuracy: 0.72,
  },
  'sim-int4-awq': {
    extends: 'sim-fp16',
    description: 'sim-fp16 with AWQ int4 weight-only quantization (weight-bound step cost x0.55)',
    quantization: 'int4',
    accuracy: 0.69,
  },
  'sim-fp8': {
    extends: 'sim-fp16',
    description: 'sim-fp16 with fp8 W8A8 quantization (weights x0.6, prefill x0.6)',
    quantization: 'fp8',
    accuracy: 0.71,
  },
  'sim-fp16-pd': {
    extends: 'sim-fp16',
    description: 'sim-fp16 with prefill/decode disaggregation (1 prefill + 1 decode worker)',
    disaggregation: { kvTransferBaseMs: 2, kvTransferPerTokenMs: 0.002 },
  },
  'sim-fp16-spec': {
    extends: 'sim-fp16',
    description: 'sim-fp16 with speculative decoding (k=4, acceptance 0.7)',
    speculative: { numTokens: 4, acceptanceRate: 0.7, draftCostFrac: 0.05, emit: 'separate' },
  },
  'sim-reasoning': {
    extends: 'sim-fp16',
    description: 'sim-fp16 whose first 32 output tokens are reasoning_content',
    reasoningTokens: 32,
  },
  'sim-fast': {
    description: 'near-zero delays, for benchmarks of the load generator itself',
    stepBaseMs: 0.1,
    decodePerSeqMs: 0,
    decodePerKvTokenMs: 0,
    prefillPerTokenMs: 0.0001,
    maxNumSeqs: 4096,
    maxBatchedTokens: 1_000_000,
    kvCapacityTokens: 100_000_000,
    maxModelLen: 1_000_000,
    chunkedPrefill: true,
    prefixCaching: false,
    jitterFrac: 0,
    earlyStopProb: 0,
  },
  'sim-fixed': {
    kind: 'fixed',
    description: 'constant TTFT 50 ms and TPOT 10 ms, no batching effects (for end-to-end tests)',
    ttftMs: 50,
    tpotMs: 10,
  },
  'sim-llama-chat': {
    extends: 'sim-fp16',
    description:
      'sim-fp16 with a Llama-3-shaped chat template: 5 tokens per message (header, role, end header, blank line, eot) + 5 per request (BOS, assistant header)',
    chatTemplate: { perRequestTokens: 5, perMessageTokens: 5 },
  },
  'sim-8b-chunked': {
    ...SIM_8B_SCALED,
    description:
      'scaled 8B-class engine with chunked prefill (256-token step budget): a long prompt never stalls decodes for more than ~40 ms',
  },
  'sim-8b-nochunk': {
    ...SIM_8B_SCALED,
    description:
      'sim-8b-chunked without chunked prefill: whole prompts in prefill-only steps (budget 8192 = max-model-len, as vLLM requires), stalling every decode',
    chunkedPrefill: false,
    maxBatchedTokens: 8192,
  },
  'sim-8b-prefix-cache': {
    ...SIM_8B_SCALED,
    description: 'sim-8b-chunked with prefix caching: cached prompt blocks skip prefill',
    prefixCaching: true,
  },
  'sim-8b-no-prefix-cache': {
    ...SIM_8B_SCALED,
    description: 'sim-8b-chunked without prefix caching (same constants as sim-8b-prefix-cache)',
    prefixCaching: false,
  },
  'llama-3.1-8b-h100': LLAMA_8B_H100,
  'llama-3.1-8b-h100-awq': {
    extends: 'llama-3.1-8b-h100',
    description: 'Llama 3.1 8B AWQ int4 on 1x H100 SXM (quantization factors are assumptions)',
    quantization: 'int4',
    accuracy: 0.69,
    // 4-bit weights free ~10 GB more for KV (see README)
    kvCapacityTokens: 480_000,
  },
  'llama-3.1-70b-h100-tp4': {
    description:
      'Llama 3.1 70B bf16 on 4x H100 SXM, tensor parallel 4 (derived from published specs, see README)',
    stepBaseMs: 15,
    decodePerSeqMs: 0.08,
    decodePerKvTokenMs: 0.000035,
    prefillPerTokenMs: 0.08,
    kvCapacityTokens: 400_000,
    maxNumSeqs: 256,
    maxBatchedTokens: 8192,
    maxModelLen: 131072,
    blockSize: 16,
    chunkedPrefill: true,
    prefixCaching: true,
    jitterFrac: 0.03,
    accuracy: 0.8,
  },
};

/**
 * Resolves a set of profile inputs (the registry plus custom ones; custom ones win) into full
 * profiles, following `extends` chains. Throws on an unknown `extends`, a cycle, or invalid values.
 */
export function resolveProfiles(
  custom: Record<string, SimProfileInput> = {},
  base: Readonly<Record<string, SimProfileInput>> = PROFILE_REGISTRY,
): Map<string, SimProfile> {
  const inputs: Record<string, SimProfileInput> = { ...base, ...custom };
  const out = new Map<string, SimProfile>();
  const resolving = new Set<string>();

  const resolve = (name: string): SimProfile => {
    const done = out.get(name);
    if (done) return done;
    const input = inputs[name];
    if (!input) throw new Error(`unknown profile "${name}"`);
    if (resolving.has(name)) throw new Error(`profile "${name}" extends itself`);
    resolving.add(name);
    const { extends: parentName, ...fields } = input;
    let parent: SimProfile;
    if (parentName !== undefined) parent = resolve(parentName);
    else parent = input.kind === 'fixed' ? FIXED_DEFAULTS : BATCHED_DEFAULTS;
    const kind = input.kind ?? parent.kind;
    if (kind !== parent.kind)
      throw new Error(`profile "${name}" (${kind}) cannot extend a ${parent.kind} profile`);
    const merged = { ...parent, ...stripUndefined(fields), kind } as SimProfile;
    validateProfile(name, merged);
    resolving.delete(name);
    out.set(name, merged);
    return merged;
  };
  for (const name of Object.keys(inputs)) resolve(name);
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const r: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (r as Record<string, unknown>)[k] = v;
  return r;
}

function validateProfile(name: string, p: SimProfile): void {
  const positive: number[] = [p.maxNumSeqs, p.maxModelLen];
  const nonNeg: number[] = [p.jitterFrac, p.reasoningTokens, p.earlyStopProb];
  if (p.kind === 'batched') {
    positive.push(p.maxBatchedTokens, p.kvCapacityTokens, p.blockSize);
    nonNeg.push(p.stepBaseMs, p.decodePerSeqMs, p.decodePerKvTokenMs, p.prefillPerTokenMs);
    if (p.speculative) {
      const s = p.speculative;
      if (!(s.numTokens >= 1) || !(s.acceptanceRate >= 0 && s.acceptanceRate < 1))
        throw new Error(`profile "${name}": speculative needs numTokens >= 1 and 0 <= acceptanceRate < 1`);
    }
  } else {
    nonNeg.push(p.ttftMs, p.tpotMs);
  }
  if (positive.some((v) => !(Number.isFinite(v) && v > 0)))
    throw new Error(`profile "${name}": size limits must be > 0`);
  if (nonNeg.some((v) => !(Number.isFinite(v) && v >= 0)))
    throw new Error(`profile "${name}": costs must be >= 0`);
  if (p.jitterFrac >= 1) throw new Error(`profile "${name}": jitterFrac must be < 1`);
  const unit = (v: number): boolean => Number.isFinite(v) && v >= 0 && v <= 1;
  if (!unit(p.accuracy) || !unit(p.unparseableShare))
    throw new Error(`profile "${name}": accuracy and unparseableShare must be in [0, 1]`);
  if (!Number.isInteger(p.accuracySeed))
    throw new Error(`profile "${name}": accuracySeed must be an integer`);
}

/** Expected tokens per step under speculative decoding with k draft tokens and acceptance a. */
export function expectedSpecTokensPerStep(k: number, a: number): number {
  return a === 1 ? k + 1 : (1 - a ** (k + 1)) / (1 - a);
}

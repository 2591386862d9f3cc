import type { EvalGenerationSpec } from '@inferbench/contracts';
import type { BuiltPrompt } from './template.js';

/**
 * OpenAI-compatible request building and response reading for every scoring mode. Pure: the agent turns an
 * `EvalRequest` into an HTTP POST (`ENDPOINT_PATHS[endpoint]` under the target's base URL, JSON `body`) and hands
 * back an `EvalResponse`; nothing here does I/O.
 */
export type EvalEndpoint = 'chat' | 'completions';
export const ENDPOINT_PATHS: Record<EvalEndpoint, string> = {
  chat: '/v1/chat/completions',
  completions: '/v1/completions',
};

export type EvalRequestPurpose = 'generate' | 'next_token' | 'loglikelihood' | 'judge' | 'probe';

export interface EvalRequest {
  endpoint: EvalEndpoint;
  /** JSON body, `model` included; non-streaming */
  body: Record<string, unknown>;
  purpose: EvalRequestPurpose;
  /** loglikelihood: which option this request scores */
  optionIndex?: number;
}

export interface EvalResponse {
  /** HTTP status (0 when no response: connection error, timeout) */
  status: number;
  /** parsed JSON body */
  body: unknown;
  /** wall time of the request */
  latencyMs?: number;
  /** error class or message when the call failed */
  error?: string;
  /** the response came from the response cache */
  cached?: boolean;
}

/** What the agent implements: send one request to the target, resolve with the response (never reject on HTTP errors). */
export type ModelCall = (request: EvalRequest) => Promise<EvalResponse>;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const firstChoice = (body: unknown): Json | undefined => {
  if (!isObj(body) || !Array.isArray(body.choices)) return undefined;
  const c = body.choices[0];
  return isObj(c) ? c : undefined;
};

function promptPart(prompt: BuiltPrompt): { endpoint: EvalEndpoint; body: Json } {
  return prompt.format === 'chat'
    ? { endpoint: 'chat', body: { messages: prompt.messages } }
    : { endpoint: 'completions', body: { prompt: prompt.prompt } };
}

/** (a) A generation request; repeat r sends `seed + r` when a seed is set. */
export function buildGenerateRequest(
  prompt: BuiltPrompt,
  gen: EvalGenerationSpec,
  model: string,
  repeat = 0,
): EvalRequest {
  const { endpoint, body } = promptPart(prompt);
  return {
    endpoint,
    purpose: 'generate',
    body: {
      model,
      ...body,
      max_tokens: gen.maxTokens,
      temperature: gen.temperature,
      ...(gen.topP !== undefined ? { top_p: gen.topP } : {}),
      ...(gen.stop ? { stop: gen.stop } : {}),
      ...(gen.seed !== undefined ? { seed: gen.seed + repeat } : {}),
      stream: false,
    },
  };
}

export interface GenerationRead {
  /** content as sent by the server (may still hold `<think>` spans) */
  content: string | null;
  /** the server's separate reasoning field (`reasoning_content` or `reasoning`) */
  reasoning: string | null;
  finishReason: string | null;
  inputTokens?: number;
  outputTokens?: number;
  reasoningTokens?: number;
}

function usageOf(body: unknown): Pick<GenerationRead, 'inputTokens' | 'outputTokens' | 'reasoningTokens'> {
  if (!isObj(body) || !isObj(body.usage)) return {};
  const u = body.usage;
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  const details = isObj(u.completion_tokens_details) ? u.completion_tokens_details : {};
  return {
    inputTokens: num(u.prompt_tokens),
    outputTokens: num(u.completion_tokens),
    reasoningTokens: num(details.reasoning_tokens),
  };
}

/** Content and reasoning of a chat or completions response; null when the body has no choice. */
export function readGeneration(body: unknown): GenerationRead | null {
  const c = firstChoice(body);
  if (!c) return null;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const finishReason = str(c.finish_reason);
  if (isObj(c.message)) {
    const m = c.message;
    return {
      content: str(m.content),
      reasoning: str(m.reasoning_content) ?? str(m.reasoning),
      finishReason,
      ...usageOf(body),
    };
  }
  return { content: str(c.text), reasoning: null, finishReason, ...usageOf(body) };
}

/** (b) One-token request with the top logprobs of the first generated token. */
export function buildNextTokenRequest(prompt: BuiltPrompt, model: string, topLogprobs = 20): EvalRequest {
  const { endpoint, body } = promptPart(prompt);
  const lp = endpoint === 'chat' ? { logprobs: true, top_logprobs: topLogprobs } : { logprobs: topLogprobs };
  return {
    endpoint,
    purpose: 'next_token',
    body: { model, ...body, max_tokens: 1, temperature: 0, ...lp, stream: false },
  };
}

/**
 * The first token's top logprobs as a map token → logprob, from chat (`logprobs.content[0].top_logprobs`, a list of
 * `{token, logprob}`) or completions (`logprobs.top_logprobs[0]`, an object). Null when the server sent none.
 */
export function readTopLogprobs(body: unknown): Map<string, number> | null {
  const c = firstChoice(body);
  if (!c || !isObj(c.logprobs)) return null;
  const lp = c.logprobs;
  const out = new Map<string, number>();
  if (Array.isArray(lp.content)) {
    const first = lp.content[0];
    if (!isObj(first) || !Array.isArray(first.top_logprobs)) return null;
    for (const t of first.top_logprobs) {
      if (isObj(t) && typeof t.token === 'string' && typeof t.logprob === 'number')
        out.set(t.token, t.logprob);
    }
    return out;
  }
  if (Array.isArray(lp.top_logprobs)) {
    const first = lp.top_logprobs[0];
    if (!isObj(first)) return null;
    for (const [k, v] of Object.entries(first)) if (typeof v === 'number') out.set(k, v);
    return out;
  }
  return null;
}

/**
 * Best logprob per option letter among the top tokens: a token counts for a letter when, trimmed of whitespace
 * (and of one leading "(" ), it is exactly that letter (" B", "B", "(B"). Letters absent from the top list: null.
 */
export function letterLogprobs(
  top: ReadonlyMap<string, number>,
  letters: readonly string[],
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const l of letters) out[l] = null;
  for (const [token, lp] of top) {
    const t = token.trim().replace(/^\(/, '');
    if (t in out && (out[t] === null || lp > out[t]!)) out[t] = lp;
  }
  return out;
}

/**
 * (c) One completions request per continuation: prompt = context + continuation, `echo: true` and `logprobs: 1`
 * so the server returns the prompt's own token logprobs, `max_tokens: 1` (some servers reject 0); the generated
 * token lies after the prompt and is ignored by `continuationLogprob`.
 */
export function buildLoglikelihoodRequests(
  context: string,
  continuations: readonly string[],
  model: string,
): EvalRequest[] {
  return continuations.map((cont, optionIndex) => ({
    endpoint: 'completions',
    purpose: 'loglikelihood',
    optionIndex,
    body: {
      model,
      prompt: context + cont,
      max_tokens: 1,
      temperature: 0,
      echo: true,
      logprobs: 1,
      stream: false,
    },
  }));
}

export interface ContinuationLogprob {
  /** Σ log p over the continuation's tokens */
  logprob: number;
  tokens: number;
  /** continuation length in characters (acc_norm divides by it) */
  chars: number;
  /** a token spans the context/continuation boundary (its logprob is counted with the continuation) */
  boundaryMerged: boolean;
  /** every continuation token was the top-1 token, when the server sent top logprobs */
  greedy?: boolean;
}

export type LogprobReadError = { error: string; unsupported: boolean };

/**
 * Sum of the continuation's token logprobs from an echo response: tokens whose character span
 * [text_offset, next offset) ends after `contextLength` and starts before `fullLength` (the generated token is
 * excluded). Fails with `unsupported: true` when the server did not echo the prompt or sent no prompt logprobs.
 */
export function continuationLogprob(
  body: unknown,
  contextLength: number,
  fullLength: number,
): ContinuationLogprob | LogprobReadError {
  const c = firstChoice(body);
  if (!c) return { error: 'no choice in response', unsupported: false };
  const lp = c.logprobs;
  if (
    !isObj(lp) ||
    !Array.isArray(lp.token_logprobs) ||
    !Array.isArray(lp.text_offset) ||
    !Array.isArray(lp.tokens)
  ) {
    return { error: 'response has no logprobs.token_logprobs / text_offset', unsupported: true };
  }
  const offsets = lp.text_offset as unknown[];
  const values = lp.token_logprobs as unknown[];
  const tokens = lp.tokens as unknown[];
  if (typeof c.text === 'string' && c.text.length < fullLength) {
    return { error: 'the server did not echo the prompt', unsupported: true };
  }
  const lastOffset = offsets.length > 0 ? Number(offsets[offsets.length - 1]) : -1;
  if (offsets.length === 0 || lastOffset < contextLength) {
    return { error: 'the prompt tokens are missing from the logprobs (echo ignored)', unsupported: true };
  }
  let sum = 0;
  let count = 0;
  let merged = false;
  let greedy: boolean | undefined = Array.isArray(lp.top_logprobs) ? true : undefined;
  for (let i = 0; i < offsets.length; i++) {
    const start = Number(offsets[i]);
    if (start >= fullLength) break;
    const end = i + 1 < offsets.length ? Number(offsets[i + 1]) : start + String(tokens[i] ?? '').length;
    if (end <= contextLength) continue;
    if (start < contextLength) merged = true;
    const v = values[i];
    if (typeof v !== 'number') return { error: `no logprob for continuation token ${i}`, unsupported: false };
    sum += v;
    count++;
    if (greedy && Array.isArray(lp.top_logprobs)) {
      const top = lp.top_logprobs[i];
      if (isObj(top)) {
        const best = Math.max(...Object.values(top).filter((x): x is number => typeof x === 'number'));
        if (v < best) greedy = false;
      }
    }
  }
  if (count === 0)
    return {
      error: 'no prompt tokens of the continuation in the logprobs (echo ignored)',
      unsupported: true,
    };
  return { logprob: sum, tokens: count, chars: fullLength - contextLength, boundaryMerged: merged, greedy };
}

/** A capability probe: a request and how to judge its response. */
export interface CapabilityProbe {
  capability: 'loglikelihood' | 'next_token_logprobs';
  request(model: string): EvalRequest;
  /** `supported: false` comes with a plain reason the runner shows (it never falls back silently) */
  judge(response: EvalResponse): { supported: boolean; reason: string };
}

const PROBE_CONTEXT = 'The capital of France is';
const PROBE_CONTINUATION = ' Paris';

/** Probe for (c): does the target return prompt logprobs with echo on /v1/completions? */
export const LOGLIKELIHOOD_PROBE: CapabilityProbe = {
  capability: 'loglikelihood',
  request(model) {
    return {
      ...buildLoglikelihoodRequests(PROBE_CONTEXT, [PROBE_CONTINUATION], model)[0]!,
      purpose: 'probe',
    };
  },
  judge(response) {
    if (response.status !== 200) {
      return {
        supported: false,
        reason: `likelihood scoring unsupported: /v1/completions with echo+logprobs answered HTTP ${response.status}${response.error ? ` (${response.error})` : ''}`,
      };
    }
    const r = continuationLogprob(
      response.body,
      PROBE_CONTEXT.length,
      PROBE_CONTEXT.length + PROBE_CONTINUATION.length,
    );
    if ('error' in r) return { supported: false, reason: `likelihood scoring unsupported: ${r.error}` };
    if (!Number.isFinite(r.logprob) || r.logprob > 0) {
      return { supported: false, reason: `likelihood scoring unsupported: implausible logprob ${r.logprob}` };
    }
    return { supported: true, reason: 'prompt logprobs returned with echo' };
  },
};

/** Probe for (b) on the given endpoint: does the target return top logprobs for the first token? */
export function nextTokenProbe(endpoint: EvalEndpoint): CapabilityProbe {
  const prompt: BuiltPrompt =
    endpoint === 'chat'
      ? { format: 'chat', messages: [{ role: 'user', content: 'Answer with one letter. A, B or C?' }] }
      : { format: 'completion', prompt: 'Answer with one letter. A, B or C? Answer:' };
  return {
    capability: 'next_token_logprobs',
    request: (model) => ({ ...buildNextTokenRequest(prompt, model, 5), purpose: 'probe' }),
    judge(response) {
      if (response.status !== 200) {
        return { supported: false, reason: `next-token scoring unsupported: HTTP ${response.status}` };
      }
      const top = readTopLogprobs(response.body);
      if (!top || top.size === 0) {
        return {
          supported: false,
          reason: 'next-token scoring unsupported: the response has no top logprobs',
        };
      }
      return { supported: true, reason: `${top.size} top logprobs returned` };
    },
  };
}

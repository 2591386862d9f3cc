/**
 * Seams of the load engine (STYLE.md D). The engine depends only on these interfaces; adapters
 * (undici HTTP client, real clock, tokenizers) and fakes (fake clock, scripted client) implement them.
 */
import type { ErrorClass, RequestParams, TargetConn } from '@inferbench/contracts';

/** Monotonic clock in microseconds (float allowed; samples round to integers). */
export interface Clock {
  /** monotonic now, µs, from an arbitrary origin (performance.now() * 1000 for the real clock) */
  nowUs(): number;
  /** resolve at or after `tUs` (same origin as nowUs); rejects/resolves early when `signal` aborts */
  sleepUntilUs(tUs: number, signal?: AbortSignal): Promise<void>;
}

/** Seeded uniform random numbers in [0, 1). */
export interface Rng {
  next(): number;
}

/** A tokenizer used to count tokens and to build prompts of an exact token length. */
export interface Tokenizer {
  /** stable name, e.g. `o200k_base` or `hf:<path>` or `whitespace` */
  readonly name: string;
  encode(text: string): number[];
  decode(ids: number[]): string;
  count(text: string): number;
}

/** One prompt as sent to the server. */
export type Prompt =
  | { kind: 'text'; text: string }
  | { kind: 'chat'; messages: { role: 'system' | 'user' | 'assistant'; content: string }[] };

/** A request the engine asks the client to perform. */
export interface LlmRequest {
  target: TargetConn;
  params: RequestParams;
  prompt: Prompt;
  /** client-side token count of the prompt (used when the server sends no usage) */
  promptTokens: number;
  /** max output tokens for this request (from the workload; overrides params.maxTokens) */
  maxTokens?: number;
  /** stream (default) or not */
  stream?: boolean;
  signal: AbortSignal;
}

/** Timeouts of one request, milliseconds. */
export interface ClientTimeouts {
  connectMs: number;
  firstTokenMs: number;
  idleMs: number;
  totalMs: number;
}

/**
 * What happened to one request. Every time is `clock.nowUs()` taken inside the client adapter at the
 * moment the event happened (bytes handed to the socket; chunk parsed off the wire).
 */
export interface LlmOutcome {
  sentUs: number;
  /** arrival of every chunk that carried output (content, reasoning or tool-call delta) */
  chunkTimesUs: number[];
  firstContentUs?: number;
  endUs: number;
  httpStatus: number;
  errorClass?: ErrorClass;
  errorMessage?: string;
  /** usage as reported by the server, when it sent one */
  usage?: { promptTokens?: number; completionTokens?: number; reasoningTokens?: number };
  /** generated text (content), reasoning text and tool-call argument text, for client-side counting */
  text: string;
  reasoningText: string;
  toolCallText: string;
  /** times the request was re-sent on a fresh connection because its reused one was closed before any response byte */
  connectionRetries?: number;
}

/** Performs requests against an OpenAI-compatible endpoint. Never throws for per-request failures. */
export interface LlmClient {
  send(req: LlmRequest): Promise<LlmOutcome>;
  close(): Promise<void>;
  /** plain-language notes on how connections were handled (e.g. an origin switched to one connection per request) */
  connectionWarnings?(): string[];
}

import type { ErrorClass, RequestSample, TokenSource } from '@inferbench/contracts';
import type { LlmOutcome, Tokenizer } from '../ports.js';

/** Where a sample sits in its load point, besides what the client measured. */
export interface SampleContext {
  idx: number;
  warmup: boolean;
  /** clock.nowUs() at the load point's start: every time in the sample is relative to it */
  startUs: number;
  /** open loop: when the schedule wanted the request sent, µs relative to the start */
  scheduledUs?: number;
  /** open loop with maxConcurrency: how long it waited for a slot, µs */
  clientQueueUs?: number;
  /** client-side prompt token count, used when the server reports no prompt usage */
  promptTokens: number;
  /** replaces the outcome's error class (e.g. `cancelled` for requests cut off at the end of the window) */
  errorClass?: ErrorClass;
}

const MAX_ERROR_MESSAGE = 2000;

/**
 * Converts what the client measured into the stored raw record (contracts `RequestSample`): times become integer
 * µs relative to the load point's start; chunk arrivals become `firstChunkUs` + gaps. Output tokens come from the
 * server's usage when it reports completion tokens (`tokenSource: 'server'`, with the client's own count of
 * content + reasoning + tool-call text in `clientOutputTokens` for the disagreement figure), else from the client
 * tokenizer (`'client'`), or `'none'` for a failed request that produced no output.
 */
export function outcomeToSample(o: LlmOutcome, ctx: SampleContext, tokenizer: Tokenizer): RequestSample {
  const rel = (tUs: number): number => Math.round(tUs - ctx.startUs);
  const chunks = o.chunkTimesUs.map(rel);
  const gaps: number[] = [];
  for (let i = 1; i < chunks.length; i++) gaps.push(Math.max(0, chunks[i]! - chunks[i - 1]!));
  const errorClass = ctx.errorClass ?? o.errorClass;

  const hasText = o.text !== '' || o.reasoningText !== '' || o.toolCallText !== '';
  const clientReasoning = o.reasoningText === '' ? 0 : tokenizer.count(o.reasoningText);
  const clientOutput =
    (o.text === '' ? 0 : tokenizer.count(o.text)) +
    clientReasoning +
    (o.toolCallText === '' ? 0 : tokenizer.count(o.toolCallText));
  let tokenSource: TokenSource;
  let outputTokens: number;
  let clientOutputTokens: number | undefined;
  if (o.usage?.completionTokens !== undefined) {
    tokenSource = 'server';
    outputTokens = o.usage.completionTokens;
    clientOutputTokens = clientOutput;
  } else if (hasText || errorClass === undefined) {
    tokenSource = 'client';
    outputTokens = clientOutput;
  } else {
    tokenSource = 'none';
    outputTokens = 0;
  }
  const reasoningTokens = o.usage?.reasoningTokens ?? clientReasoning;

  const sample: RequestSample = {
    idx: ctx.idx,
    warmup: ctx.warmup,
    sentUs: rel(o.sentUs),
    endUs: Math.max(rel(o.sentUs), rel(o.endUs)),
    chunkGapsUs: gaps,
    inputTokens: Math.max(0, Math.round(o.usage?.promptTokens ?? ctx.promptTokens)),
    outputTokens: Math.max(0, Math.round(outputTokens)),
    reasoningTokens: Math.max(0, Math.round(reasoningTokens)),
    tokenSource,
    httpStatus: Math.max(0, Math.round(o.httpStatus)),
  };
  if (ctx.scheduledUs !== undefined) sample.scheduledUs = Math.round(ctx.scheduledUs);
  if (ctx.clientQueueUs !== undefined) sample.clientQueueUs = Math.max(0, Math.round(ctx.clientQueueUs));
  if (chunks.length > 0) sample.firstChunkUs = chunks[0]!;
  if (o.firstContentUs !== undefined) sample.firstContentUs = rel(o.firstContentUs);
  if (clientOutputTokens !== undefined) sample.clientOutputTokens = clientOutputTokens;
  if (errorClass !== undefined) sample.errorClass = errorClass;
  if (o.connectionRetries) sample.connectionRetries = o.connectionRetries;
  const msg =
    o.errorMessage ??
    (ctx.errorClass === 'cancelled' && o.errorClass !== 'cancelled'
      ? 'cancelled at the end of the load point'
      : undefined);
  if (errorClass !== undefined && msg !== undefined) sample.errorMessage = msg.slice(0, MAX_ERROR_MESSAGE);
  return sample;
}

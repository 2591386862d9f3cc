import type { EvalItem } from '@inferbench/contracts';
import { optionLetters, splitReasoning } from './extract.js';
import {
  continuationLogprob,
  letterLogprobs,
  LOGLIKELIHOOD_PROBE,
  nextTokenProbe,
  readGeneration,
  readTopLogprobs,
  type CapabilityProbe,
  type EvalResponse,
  type ModelCall,
} from './protocol.js';
import type { EvalItemRecord, SampleRecord } from './record.js';
import type { ItemVariant, PreparedTask, RawSample } from './task.js';

/** The target cannot do what the task's scoring mode needs; the run must say so, not fall back. */
export class EvalCapabilityError extends Error {
  constructor(
    readonly capability: CapabilityProbe['capability'],
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'EvalCapabilityError';
  }
}

export interface RunTaskOptions {
  model: string;
  /** judge mode: the caller's judge target and model */
  judge?: { call: ModelCall; model: string };
  /** items evaluated at once (default 8) */
  concurrency?: number;
  /** skip the capability probe (only when the caller already ran it) */
  skipProbe?: boolean;
  /** called with every finished item, in completion order */
  onRecord?: (record: EvalItemRecord) => void;
  /** stop early */
  signal?: AbortSignal;
}

/** The probe a task's scoring mode needs, if any. */
export function probeFor(task: PreparedTask): CapabilityProbe | undefined {
  const mode = task.spec.scoring.mode;
  if (mode === 'loglikelihood') return LOGLIKELIHOOD_PROBE;
  if (mode === 'next_token')
    return nextTokenProbe(task.spec.prompt.format === 'chat' ? 'chat' : 'completions');
  return undefined;
}

/** Run the probe; throws EvalCapabilityError with a plain reason ("likelihood scoring unsupported: …"). */
export async function checkCapability(task: PreparedTask, call: ModelCall, model: string): Promise<void> {
  const probe = probeFor(task);
  if (!probe) return;
  const verdict = probe.judge(await call(probe.request(model)));
  if (!verdict.supported) throw new EvalCapabilityError(probe.capability, verdict.reason);
}

function failed(r: EvalResponse): string | undefined {
  if (r.error) return r.error;
  if (r.status !== 200) return `http ${r.status}`;
  return undefined;
}

/** Evaluate one item: every rotation × repeat, scored and combined into its record. */
export async function runItem(
  task: PreparedTask,
  item: EvalItem,
  call: ModelCall,
  opts: RunTaskOptions,
): Promise<EvalItemRecord> {
  const variants = task.variants(item);
  const samples: SampleRecord[] = [];
  const firstPrompt = task.buildPrompt(variants[0]!, item);
  const mode = task.spec.scoring.mode;
  const repeats = mode === 'loglikelihood' || mode === 'next_token' ? 1 : task.spec.repeats;
  for (const variant of variants) {
    const prompt = variant.rotation === 0 ? firstPrompt : task.buildPrompt(variant, item);
    for (let repeat = 0; repeat < repeats; repeat++) {
      const raw = await sampleOnce(task, variant, prompt, call, opts, repeat);
      samples.push(task.scoreSample(variant, raw));
    }
  }
  return task.combine(item, samples, firstPrompt);
}

async function sampleOnce(
  task: PreparedTask,
  variant: ItemVariant,
  prompt: ReturnType<PreparedTask['buildPrompt']>,
  call: ModelCall,
  opts: RunTaskOptions,
  repeat: number,
): Promise<RawSample> {
  const requests = task.buildRequests(prompt, variant, opts.model, repeat);
  const base: RawSample = { repeat, rotation: variant.rotation };
  const mode = task.spec.scoring.mode;
  if (mode === 'loglikelihood') {
    const responses = await Promise.all(requests.map((r) => call(r)));
    const optionLogprobs: RawSample['optionLogprobs'] = [];
    let latency = 0;
    for (let i = 0; i < responses.length; i++) {
      const res = responses[i]!;
      latency += res.latencyMs ?? 0;
      const err = failed(res);
      if (err) return { ...base, error: err, latencyMs: latency };
      const prompt = String(requests[i]!.body.prompt);
      const cont = (variant.item.choices ?? [])[i] ?? '';
      const contLen = task.spec.prompt.answerSeparator.length + cont.length;
      const r = continuationLogprob(res.body, prompt.length - contLen, prompt.length);
      if ('error' in r) {
        if (r.unsupported)
          throw new EvalCapabilityError('loglikelihood', `likelihood scoring unsupported: ${r.error}`);
        optionLogprobs.push(null);
      } else optionLogprobs.push({ logprob: r.logprob, tokens: r.tokens, chars: r.chars });
    }
    return { ...base, optionLogprobs, latencyMs: latency };
  }
  const res = await call(requests[0]!);
  const err = failed(res);
  if (err) return { ...base, error: err, latencyMs: res.latencyMs, cached: res.cached };
  if (mode === 'next_token') {
    const top = readTopLogprobs(res.body);
    return {
      ...base,
      latencyMs: res.latencyMs,
      ...(top
        ? { letterLogprobs: letterLogprobs(top, optionLetters(variant.item.choices?.length ?? 0)) }
        : {}),
    };
  }
  const gen = readGeneration(res.body);
  if (!gen) return { ...base, error: 'malformed response (no choices)', latencyMs: res.latencyMs };
  const raw: RawSample = {
    ...base,
    content: gen.content,
    reasoning: gen.reasoning,
    inputTokens: gen.inputTokens,
    outputTokens: gen.outputTokens,
    reasoningTokens: gen.reasoningTokens,
    latencyMs: res.latencyMs,
    cached: res.cached,
  };
  if (mode === 'judge') {
    if (!opts.judge) throw new Error('judge scoring needs opts.judge (the judge target)');
    const answer = splitReasoning(gen.content, gen.reasoning).content;
    if (answer.length === 0) return raw;
    const jr = await opts.judge.call(task.buildJudgeRequest(variant, answer, opts.judge.model));
    const jerr = failed(jr);
    if (jerr) return { ...raw, judgeReply: null };
    raw.judgeReply = readGeneration(jr.body)?.content ?? null;
  }
  return raw;
}

/**
 * Evaluate a task's items with bounded concurrency: capability probe first (throws EvalCapabilityError with a
 * plain reason when the target cannot do the scoring mode), then every item. Records come back in item order.
 */
export async function runTask(
  task: PreparedTask,
  items: readonly EvalItem[],
  call: ModelCall,
  opts: RunTaskOptions,
): Promise<EvalItemRecord[]> {
  if (!opts.skipProbe) await checkCapability(task, call, opts.model);
  const out = new Array<EvalItemRecord>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      if (opts.signal?.aborted) return;
      const i = next++;
      const rec = await runItem(task, items[i]!, call, opts);
      out[i] = rec;
      opts.onRecord?.(rec);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, items.length)) }, worker),
  );
  return out.filter((r) => r !== undefined);
}

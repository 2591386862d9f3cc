/**
 * Parsing and validation of `/v1/chat/completions` and `/v1/completions` bodies (vLLM's answers for bad ones) and
 * prompt accounting: prompt tokens under the simulator's counting rule, chat-template tokens, and the prompt's
 * prefix-block hashes.
 */
import type { ModelEngine } from './engine.js';
import { HttpError } from './http-io.js';
import type { ModelHistograms } from './metrics.js';
import type { SimProfile } from './profiles.js';
import { BlockHasher, countTextTokens, detokenizeIds } from './tokens.js';

/** Default max_tokens when the request has none. */
export const DEFAULT_MAX_TOKENS = 128;

/** Most top logprobs a request may ask for (vLLM's default `max_logprobs`). */
export const MAX_LOGPROBS = 20;

/** One served model name: its engine and its /metrics histograms. */
export interface ServedModel {
  engine: ModelEngine;
  hist: ModelHistograms;
}

/** A validated completion request. */
export interface CompletionRequest {
  model: string;
  profile: SimProfile;
  engine: ModelEngine;
  hist: ModelHistograms;
  promptTokens: number;
  blockHashes: number[];
  maxTokens: number;
  minTokens: number;
  ignoreEos: boolean;
  stream: boolean;
  includeUsage: boolean;
  reasoningTokens: number;
  /** where the answer key looks for a known question: the last user message (chat) or the text prompt */
  questionText: string | null;
  /** top alternatives per token when logprobs were asked for (and the profile serves them), else null */
  topLogprobs: number | null;
  /** completions `echo: true` (and the profile echoes): the prompt text, else null */
  echoPrompt: string | null;
}

/**
 * Validates a completion body against the served models (`defaultProfile` when it names none). Throws
 * {@link HttpError} 400 for a bad body and 404 for an unknown model.
 */
export function parseCompletionRequest(
  raw: unknown,
  chat: boolean,
  models: ReadonlyMap<string, ServedModel>,
  defaultProfile: string | undefined,
): CompletionRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new HttpError(400, 'request body must be a JSON object', 'BadRequestError', 400);
  }
  const b = raw as Record<string, unknown>;
  let model = b.model;
  if (model === undefined || model === null) model = defaultProfile;
  if (typeof model !== 'string')
    throw new HttpError(400, 'model is required', 'BadRequestError', 400, 'model');
  const entry = models.get(model);
  if (!entry) {
    throw new HttpError(
      404,
      `The model \`${model}\` does not exist.`,
      'NotFoundError',
      'model_not_found',
      'model',
    );
  }
  const profile = entry.engine.profile;
  const blockSize = profile.kind === 'batched' ? profile.blockSize : 16;
  const hasher = new BlockHasher(blockSize);
  let promptTokens = 0;
  let questionText: string | null = null;
  let promptText: string | null = null;
  if (chat) {
    const messages = b.messages;
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new HttpError(400, 'messages must be a non-empty array', 'BadRequestError', 400, 'messages');
    }
    for (const m of messages) {
      if (typeof m !== 'object' || m === null)
        throw new HttpError(400, 'each message must be an object', 'BadRequestError', 400, 'messages');
      const msg = m as Record<string, unknown>;
      hasher.separator(roleCode(msg.role));
      const texts = contentTexts(msg.content);
      for (const text of texts) {
        promptTokens += countTextTokens(text);
        hasher.text(text);
      }
      if (msg.role === 'user') questionText = texts.length === 1 ? texts[0]! : texts.join('\n');
    }
    promptTokens += chatTemplateTokens(profile, messages.length, true);
  } else {
    let prompt = b.prompt;
    if (
      Array.isArray(prompt) &&
      prompt.length === 1 &&
      (typeof prompt[0] === 'string' || Array.isArray(prompt[0]))
    )
      prompt = prompt[0];
    if (typeof prompt === 'string') {
      promptTokens = countTextTokens(prompt);
      hasher.text(prompt);
      questionText = prompt;
      promptText = prompt;
    } else if (Array.isArray(prompt) && prompt.every((t) => Number.isInteger(t))) {
      promptTokens = prompt.length;
      for (const t of prompt as number[]) hasher.pieceId(t);
      if (b.echo === true) {
        try {
          promptText = detokenizeIds(prompt as number[]);
        } catch {
          throw new HttpError(400, 'echo of unknown token ids', 'BadRequestError', 400, 'prompt');
        }
      }
    } else {
      throw new HttpError(
        400,
        'prompt must be a string or an array of token ids (one prompt per request)',
        'BadRequestError',
        400,
        'prompt',
      );
    }
  }
  // an empty prompt still has a BOS token
  promptTokens = Math.max(1, promptTokens);

  const rawMax = b.max_completion_tokens ?? b.max_tokens;
  const maxTokens = rawMax === undefined || rawMax === null ? DEFAULT_MAX_TOKENS : rawMax;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new HttpError(400, 'max_tokens must be an integer >= 1', 'BadRequestError', 400, 'max_tokens');
  }
  const minTokens = b.min_tokens ?? 0;
  if (
    typeof minTokens !== 'number' ||
    !Number.isInteger(minTokens) ||
    minTokens < 0 ||
    minTokens > maxTokens
  ) {
    throw new HttpError(
      400,
      'min_tokens must be an integer in [0, max_tokens]',
      'BadRequestError',
      400,
      'min_tokens',
    );
  }
  if (b.n !== undefined && b.n !== null && b.n !== 1)
    throw new HttpError(400, 'only n=1 is supported', 'BadRequestError', 400, 'n');
  if (promptTokens + maxTokens > profile.maxModelLen) {
    throw new HttpError(
      400,
      `This model's maximum context length is ${profile.maxModelLen} tokens. However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the prompt, ${maxTokens} in the completion).`,
      'BadRequestError',
      400,
    );
  }
  if (profile.kind === 'batched' && promptTokens + maxTokens > profile.kvCapacityTokens) {
    throw new HttpError(
      400,
      `prompt + max_tokens (${promptTokens + maxTokens}) exceeds the KV-cache capacity (${profile.kvCapacityTokens} tokens)`,
      'BadRequestError',
      400,
    );
  }
  const streamOptions = b.stream_options as Record<string, unknown> | undefined | null;
  const kwargs = b.chat_template_kwargs as Record<string, unknown> | undefined | null;
  let reasoningTokens = profile.reasoningTokens;
  if (kwargs?.enable_thinking === false) reasoningTokens = 0;
  else if (kwargs?.enable_thinking === true && reasoningTokens === 0) reasoningTokens = 32;
  if (b.sim_reasoning_tokens !== undefined) {
    const k = b.sim_reasoning_tokens;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) {
      throw new HttpError(
        400,
        'sim_reasoning_tokens must be an integer >= 0',
        'BadRequestError',
        400,
        'sim_reasoning_tokens',
      );
    }
    reasoningTokens = k;
  }
  const topLogprobs = parseLogprobs(b, chat, profile);
  let echoPrompt: string | null = null;
  if (!chat && b.echo !== undefined && b.echo !== null) {
    if (typeof b.echo !== 'boolean')
      throw new HttpError(400, 'echo must be a boolean', 'BadRequestError', 400, 'echo');
    if (b.echo && profile.echo === false)
      throw new HttpError(400, 'echo is not supported', 'BadRequestError', 400, 'echo');
    if (b.echo && profile.echo === true) echoPrompt = promptText;
  }
  return {
    model,
    profile,
    engine: entry.engine,
    hist: entry.hist,
    promptTokens,
    blockHashes: profile.kind === 'batched' && profile.prefixCaching ? hasher.blockHashes : [],
    maxTokens,
    minTokens,
    ignoreEos: b.ignore_eos === true,
    stream: b.stream === true,
    includeUsage: streamOptions?.include_usage === true,
    reasoningTokens: chat ? reasoningTokens : 0,
    questionText,
    topLogprobs,
    echoPrompt,
  };
}

/**
 * Chat: `logprobs: true` with `top_logprobs: k` (0..20; `top_logprobs` without `logprobs: true` is a 400, as on
 * vLLM/OpenAI). Completions: `logprobs: k` (0..20). A profile with `logprobs: false` answers 400 when they are
 * asked for; `'ignore'` serves `logprobs: null`.
 */
function parseLogprobs(b: Record<string, unknown>, chat: boolean, profile: SimProfile): number | null {
  const int = (v: unknown, param: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_LOGPROBS)
      throw new HttpError(
        400,
        `${param} must be an integer in [0, ${MAX_LOGPROBS}]`,
        'BadRequestError',
        400,
        param,
      );
    return v;
  };
  let k: number | null = null;
  if (chat) {
    const on = b.logprobs;
    if (on !== undefined && on !== null && typeof on !== 'boolean')
      throw new HttpError(400, 'logprobs must be a boolean', 'BadRequestError', 400, 'logprobs');
    const top = b.top_logprobs;
    if (top !== undefined && top !== null) {
      if (on !== true)
        throw new HttpError(
          400,
          'when using `top_logprobs`, `logprobs` must be set to true',
          'BadRequestError',
          400,
          'top_logprobs',
        );
      k = int(top, 'top_logprobs');
    } else if (on === true) k = 0;
  } else if (b.logprobs !== undefined && b.logprobs !== null) {
    k = int(b.logprobs, 'logprobs');
  }
  if (k === null) return null;
  if (profile.logprobs === false)
    throw new HttpError(400, 'logprobs are not supported by this server', 'BadRequestError', 400, 'logprobs');
  return profile.logprobs === 'ignore' ? null : k;
}

/** Chat-template tokens the profile adds around `messages` messages (0 without a template). */
export function chatTemplateTokens(profile: SimProfile, messages: number, generationPrompt: boolean): number {
  const t = profile.chatTemplate;
  if (!t) return 0;
  return t.perMessageTokens * messages + (generationPrompt ? t.perRequestTokens : 0);
}

function roleCode(role: unknown): number {
  switch (role) {
    case 'system':
      return 1;
    case 'user':
      return 2;
    case 'assistant':
      return 3;
    case 'tool':
      return 4;
    default:
      return 5;
  }
}

/** Text pieces of a chat message content: a string, or an array of {type:'text', text} parts. */
export function contentTexts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (content === null || content === undefined) return [];
  if (Array.isArray(content)) {
    const out: string[] = [];
    for (const part of content) {
      if (
        typeof part === 'object' &&
        part !== null &&
        typeof (part as { text?: unknown }).text === 'string'
      ) {
        out.push((part as { text: string }).text);
      }
    }
    return out;
  }
  throw new HttpError(
    400,
    'message content must be a string or an array of parts',
    'BadRequestError',
    400,
    'messages',
  );
}

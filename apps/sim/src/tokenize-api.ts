/**
 * vLLM's tokenizer API on the simulator: `POST /tokenize` and `POST /detokenize`, with the same counting rule and
 * chat-template tokens as the completion endpoints.
 */
import { chatTemplateTokens, contentTexts, type ServedModel } from './completion-request.js';
import { HttpError } from './http-io.js';
import type { SimProfile } from './profiles.js';
import { detokenizeIds, tokenizeText } from './tokens.js';

/** The profile of a request's `model` (or the default profile); 404 like vLLM for an unknown one. */
function profileOf(
  b: Record<string, unknown>,
  models: ReadonlyMap<string, ServedModel>,
  defaultProfile: string | undefined,
): SimProfile {
  const model = b.model ?? defaultProfile ?? models.keys().next().value;
  const entry = typeof model === 'string' ? models.get(model) : undefined;
  if (!entry) {
    throw new HttpError(
      404,
      `The model \`${String(model)}\` does not exist.`,
      'NotFoundError',
      'model_not_found',
      'model',
    );
  }
  return entry.engine.profile;
}

/**
 * vLLM's `POST /tokenize`: `{model?, prompt, add_special_tokens?, return_token_strs?}` or
 * `{model?, messages, add_generation_prompt?}` → `{count, max_model_len, tokens, token_strs?}`. Counts follow the
 * completion endpoints exactly (the same rule, the profile's chat-template tokens as id 0). No BOS is added.
 */
export function tokenize(
  raw: unknown,
  models: ReadonlyMap<string, ServedModel>,
  defaultProfile: string | undefined,
): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new HttpError(400, 'request body must be a JSON object', 'BadRequestError', 400);
  const b = raw as Record<string, unknown>;
  const profile = profileOf(b, models, defaultProfile);
  const ids: number[] = [];
  const strs: string[] = [];
  if (Array.isArray(b.messages)) {
    const template = chatTemplateTokens(profile, b.messages.length, b.add_generation_prompt !== false);
    for (const m of b.messages) {
      if (typeof m !== 'object' || m === null)
        throw new HttpError(400, 'each message must be an object', 'BadRequestError', 400, 'messages');
      for (const text of contentTexts((m as Record<string, unknown>).content)) {
        const t = tokenizeText(text);
        ids.push(...t.ids);
        strs.push(...t.pieces);
      }
    }
    for (let i = 0; i < template; i++) {
      ids.push(0);
      strs.push('<|template|>');
    }
  } else if (typeof b.prompt === 'string') {
    const t = tokenizeText(b.prompt);
    ids.push(...t.ids);
    strs.push(...t.pieces);
  } else {
    throw new HttpError(400, 'prompt (a string) or messages is required', 'BadRequestError', 400, 'prompt');
  }
  return {
    count: ids.length,
    max_model_len: profile.maxModelLen,
    tokens: ids,
    ...(b.return_token_strs === true ? { token_strs: strs } : {}),
  };
}

/** vLLM's `POST /detokenize`: `{model?, tokens}` → `{prompt}`; template tokens (id 0) render as nothing. */
export function detokenize(
  raw: unknown,
  models: ReadonlyMap<string, ServedModel>,
  defaultProfile: string | undefined,
): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new HttpError(400, 'request body must be a JSON object', 'BadRequestError', 400);
  const b = raw as Record<string, unknown>;
  profileOf(b, models, defaultProfile);
  const tokens = b.tokens;
  if (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t)))
    throw new HttpError(400, 'tokens must be an array of integers', 'BadRequestError', 400, 'tokens');
  try {
    return { prompt: detokenizeIds((tokens as number[]).filter((t) => t !== 0)) };
  } catch (e) {
    throw new HttpError(400, (e as Error).message, 'BadRequestError', 400, 'tokens');
  }
}

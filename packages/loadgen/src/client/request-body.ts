import type { LlmRequest } from '../ports.js';

/** Method-less description of the HTTP request the client sends. */
export interface BuiltRequest {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Endpoint path for a target. `baseUrl` may be the server root (`http://h:8000`) or already end in
 * `/v1` (`http://h:8000/v1`, the OpenAI SDK convention); both give `/v1/chat/completions`.
 */
export function endpointUrl(baseUrl: string, apiKind: 'chat' | 'completions'): URL {
  const url = new URL(baseUrl);
  let basePath = url.pathname.replace(/\/+$/, '');
  if (!basePath.endsWith('/v1')) basePath += '/v1';
  url.pathname = `${basePath}/${apiKind === 'chat' ? 'chat/completions' : 'completions'}`;
  return url;
}

/**
 * The JSON body for an OpenAI-compatible request. Streaming requests ask for `stream_options.include_usage`
 * so the server's own token counts come back in the last chunk. `params.extra` is merged last and may
 * override anything (e.g. a server that rejects `stream_options`).
 * A chat prompt sent to /v1/completions is flattened to its contents joined by newlines; a text prompt
 * sent to a chat endpoint becomes one user message.
 */
export function buildRequestBody(req: LlmRequest): Record<string, unknown> {
  const { target, params, prompt } = req;
  const isStream = req.stream ?? true;
  const body: Record<string, unknown> = { model: target.model };
  if (target.apiKind === 'chat') {
    body.messages = prompt.kind === 'chat' ? prompt.messages : [{ role: 'user', content: prompt.text }];
  } else {
    body.prompt = prompt.kind === 'text' ? prompt.text : prompt.messages.map((m) => m.content).join('\n');
  }
  const maxTokens = req.maxTokens ?? params.maxTokens;
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  if (params.temperature !== undefined) body.temperature = params.temperature;
  if (params.topP !== undefined) body.top_p = params.topP;
  if (params.ignoreEos !== undefined) body.ignore_eos = params.ignoreEos;
  if (params.minTokens !== undefined) body.min_tokens = params.minTokens;
  body.stream = isStream;
  if (isStream) body.stream_options = { include_usage: true };
  if (params.extra) Object.assign(body, params.extra);
  return body;
}

/** Origin, path, headers and body bytes for one request. Target headers override the defaults. */
export function buildHttpRequest(req: LlmRequest): BuiltRequest {
  const url = endpointUrl(req.target.baseUrl, req.target.apiKind);
  const body = Buffer.from(JSON.stringify(buildRequestBody(req)), 'utf8');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: (req.stream ?? true) ? 'text/event-stream' : 'application/json',
  };
  if (req.target.apiKey) headers.authorization = `Bearer ${req.target.apiKey}`;
  for (const [k, v] of Object.entries(req.target.headers ?? {})) headers[k.toLowerCase()] = v;
  return { origin: url.origin, path: url.pathname + url.search, headers, body };
}

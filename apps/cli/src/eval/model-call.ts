import { setMaxListeners } from 'node:events';
import { Agent, request } from 'undici';
import type { EvalEndpoint, EvalRequest, EvalResponse, ModelCall } from '@inferbench/evals';
import { endpointUrl } from '@inferbench/loadgen';

/** Options of {@link HttpModelCaller}. */
export interface HttpModelCallerOptions {
  /** server root or `…/v1` */
  baseUrl: string;
  apiKey?: string;
  /** extra request headers (`--header k:v`) */
  headers?: Record<string, string>;
  /** requests in flight at most (also the connection pool size) */
  concurrency: number;
  /** whole-request limit, ms (headers and body) */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** extra tries for a request that failed to connect or lost its connection before any response byte */
  retries?: number;
  /** base delay between tries, ms (doubled each try) */
  retryDelayMs?: number;
  signal?: AbortSignal;
}

/** Error classes a failed call reports (the contracts' request error classes). */
export type CallErrorClass = 'connect' | 'timeout' | 'http' | 'malformed_stream' | 'truncated' | 'cancelled';

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Connection lost: retried only when no response byte had arrived (the server never answered). */
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Error text of an `EvalResponse`: `<class>: <message>` so the class can be read back (`errorClassOf`). */
export function callError(cls: CallErrorClass, message: string): string {
  return `${cls}: ${message}`;
}

/** The error class of a response error or record error written by this caller (`http 500` → http). */
export function errorClassOf(error: string): string {
  const m = /^([a-z_]+)[: ]/.exec(error);
  return m ? m[1]! : error;
}

function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return undefined;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Short message from a non-2xx body (OpenAI/vLLM `{error: {message}}`, else the text's start). */
function errorExcerpt(text: string): string {
  try {
    const j = JSON.parse(text) as {
      error?: { message?: unknown } | string;
      message?: unknown;
      detail?: unknown;
    };
    const m =
      typeof j.error === 'string'
        ? j.error
        : typeof j.error?.message === 'string'
          ? j.error.message
          : typeof j.message === 'string'
            ? j.message
            : typeof j.detail === 'string'
              ? j.detail
              : undefined;
    if (m) return m.slice(0, 300);
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 300);
}

/**
 * The `ModelCall` of `inferbench eval`: one non-streaming JSON POST per request over undici (as the load
 * generator), at most `concurrency` in flight, a whole-request timeout, and retries only for a request that could
 * not connect or lost its connection before any response byte (it never reached the server, so sending it again
 * cannot double-count). HTTP errors, timeouts and malformed bodies come back as responses with `error` set; the
 * call never rejects.
 */
export class HttpModelCaller {
  private readonly agent: Agent;
  private readonly headers: Record<string, string>;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  readonly call: ModelCall = (req) => this.send(req);

  constructor(private readonly opts: HttpModelCallerOptions) {
    // every request in flight listens on the run's signal
    if (opts.signal) setMaxListeners(0, opts.signal);
    this.agent = new Agent({
      connections: Math.max(1, opts.concurrency),
      connect: { timeout: opts.connectTimeoutMs ?? 10_000 },
      keepAliveTimeout: 4_000,
    });
    this.headers = {
      accept: 'application/json',
      ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
      ...opts.headers,
    };
  }

  url(endpoint: EvalEndpoint): URL {
    return endpointUrl(this.opts.baseUrl, endpoint);
  }

  private async acquire(): Promise<void> {
    if (this.inFlight < this.opts.concurrency) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight--;
  }

  private async send(req: EvalRequest): Promise<EvalResponse> {
    await this.acquire();
    try {
      const retries = this.opts.retries ?? 2;
      const delay = this.opts.retryDelayMs ?? 250;
      let res = await this.once(req);
      for (let attempt = 0; attempt < retries && res.retryable; attempt++) {
        if (this.opts.signal?.aborted) break;
        await sleep(delay * 2 ** attempt, this.opts.signal);
        res = await this.once(req);
      }
      return res.response;
    } finally {
      this.release();
    }
  }

  private async once(req: EvalRequest): Promise<{ response: EvalResponse; retryable: boolean }> {
    const signal = this.opts.signal;
    if (signal?.aborted)
      return {
        response: { status: 0, body: null, error: callError('cancelled', 'interrupted') },
        retryable: false,
      };
    const timeoutMs = this.opts.timeoutMs ?? 300_000;
    const started = performance.now();
    const ms = (): number => performance.now() - started;
    let gotHeaders = false;
    try {
      const res = await request(this.url(req.endpoint), {
        method: 'POST',
        dispatcher: this.agent,
        headers: { ...this.headers, 'content-type': 'application/json' },
        body: JSON.stringify(req.body),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(signal ? { signal } : {}),
      });
      gotHeaders = true;
      const text = await res.body.text();
      const latencyMs = ms();
      if (res.statusCode < 200 || res.statusCode >= 300) {
        return {
          response: {
            status: res.statusCode,
            body: null,
            latencyMs,
            error: callError('http', `HTTP ${res.statusCode}${text ? ` ${errorExcerpt(text)}` : ''}`),
          },
          retryable: false,
        };
      }
      try {
        return { response: { status: res.statusCode, body: JSON.parse(text), latencyMs }, retryable: false };
      } catch {
        return {
          response: {
            status: 0,
            body: null,
            latencyMs,
            error: callError('malformed_stream', `response is not JSON: ${text.slice(0, 120)}`),
          },
          retryable: false,
        };
      }
    } catch (err) {
      const latencyMs = ms();
      const code = codeOf(err);
      const message = (err as Error)?.message ?? String(err);
      let cls: CallErrorClass;
      let retryable = false;
      if (signal?.aborted || (err as Error)?.name === 'AbortError') cls = 'cancelled';
      else if (code && CONNECT_CODES.has(code)) {
        cls = 'connect';
        retryable = true;
      } else if (code && TIMEOUT_CODES.has(code)) cls = 'timeout';
      else if (code && LOST_CODES.has(code)) {
        cls = gotHeaders ? 'truncated' : 'connect';
        retryable = !gotHeaders;
      } else cls = gotHeaders ? 'truncated' : 'connect';
      const detail = code && !message.includes(code) ? `${message} (${code})` : message;
      return { response: { status: 0, body: null, latencyMs, error: callError(cls, detail) }, retryable };
    }
  }

  /**
   * Whether anything answers at the base URL: GET `/v1/models`. Null when something answered (any status); the
   * error (`connect: …`) when nothing did. Also returns the served model ids when the server lists them.
   */
  async reach(): Promise<{ error: string | null; models?: string[] }> {
    const url = new URL(this.url('chat'));
    url.pathname = url.pathname.replace(/\/chat\/completions$/, '/models');
    try {
      const res = await request(url, {
        method: 'GET',
        dispatcher: this.agent,
        headers: this.headers,
        headersTimeout: this.opts.connectTimeoutMs ?? 10_000,
        bodyTimeout: this.opts.connectTimeoutMs ?? 10_000,
        ...(this.opts.signal ? { signal: this.opts.signal } : {}),
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) return { error: null };
      try {
        const j = JSON.parse(text) as { data?: Array<{ id?: unknown }> };
        const models = Array.isArray(j.data)
          ? j.data.map((m) => m.id).filter((x): x is string => typeof x === 'string')
          : undefined;
        return { error: null, ...(models ? { models } : {}) };
      } catch {
        return { error: null };
      }
    } catch (err) {
      if (this.opts.signal?.aborted) return { error: callError('cancelled', 'interrupted') };
      const code = codeOf(err);
      const message = (err as Error)?.message ?? String(err);
      const cls: CallErrorClass = code && TIMEOUT_CODES.has(code) ? 'timeout' : 'connect';
      return { error: callError(cls, code && !message.includes(code) ? `${message} (${code})` : message) };
    }
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

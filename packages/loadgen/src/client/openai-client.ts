import { setMaxListeners } from 'node:events';
import { Agent, type Dispatcher } from 'undici';
import type { ErrorClass } from '@inferbench/contracts';
import type { ClientTimeouts, Clock, LlmClient, LlmOutcome, LlmRequest } from '../ports.js';
import { buildHttpRequest } from './request-body.js';
import { SseParser, type SseEvent } from './sse-parser.js';

/** Defaults, milliseconds. Generous: a benchmark must see slow servers as slow, not as errors. */
export const DEFAULT_CLIENT_TIMEOUTS: ClientTimeouts = {
  connectMs: 10_000,
  firstTokenMs: 300_000,
  idleMs: 60_000,
  totalMs: 1_800_000,
};

/** Options of {@link OpenAiCompatibleClient}. */
export interface OpenAiCompatibleClientOptions {
  /** timestamps of every outcome come from this clock (timeouts run on real timers) */
  clock: Clock;
  timeouts?: Partial<ClientTimeouts>;
  /** connections per origin; pass the load's concurrency (or the open-loop in-flight cap) */
  maxConnections: number;
  /**
   * how long an idle keep-alive connection is kept, ms. Default 4 s: below uvicorn's 5 s (vLLM, SGLang), so
   * the client never writes a request onto a connection the server is closing at that moment (a POST
   * cannot be retried; it would be a spurious `connect` error). A server's `Keep-Alive: timeout=` wins.
   */
  keepAliveTimeoutMs?: number;
}

/** after `[DONE]`, how long to wait for the HTTP response to end before closing the connection ourselves */
const DONE_GRACE_US = 1_000_000;
/** bytes of a non-2xx body kept for the error message */
const ERROR_BODY_KEEP_BYTES = 4_096;
const ERROR_EXCERPT_CHARS = 300;

/**
 * `LlmClient` for OpenAI-compatible servers (vLLM, SGLang, TGI, llama.cpp, OpenAI) over HTTP/1.1 with undici.
 *
 * It uses undici's low-level `dispatch()` handler API rather than `request()`/`fetch()`: handler callbacks run
 * synchronously inside undici's socket read, so there is no Readable stream, no async iterator and no extra
 * event-loop hop between the socket and the timestamp.
 *
 * Times (all `clock.nowUs()`):
 * - `sentUs`: taken in the handler's `onRequestSent`, which undici calls synchronously right after it has written the
 *   headers and the (Buffer) body to the socket (`socket.cork(); write(headers); write(body); uncork()` in
 *   undici's client-h1 `writeBuffer`): i.e. when the bytes were handed to the kernel. Connection setup
 *   (TCP/TLS) and any wait for a free pooled connection happen before it, so TTFT excludes them. For a
 *   request that fails before being sent, `sentUs` is the time `send()` was called.
 * - chunk arrival: one timestamp per socket read (see `stampUs`), taken in the first `onData` of that read,
 *   i.e. after undici's HTTP framing of the bytes and before any SSE/JSON parsing; every SSE event completed
 *   by that read gets it (an event split over reads gets the read that carried its last byte).
 * - `endUs`: arrival of the read that carried `data: [DONE]`; without `[DONE]`, when the response ended or
 *   failed; for a non-streamed JSON response, arrival of its last bytes (which is also its one chunk time).
 */
export class OpenAiCompatibleClient implements LlmClient {
  private readonly clock: Clock;
  private readonly timeouts: ClientTimeouts;
  private readonly agent: Agent;
  /** connections per origin (= maxConnections) */
  readonly poolSize: number;
  private cachedStampUs = -1;
  private readonly sharedSignals = new WeakSet<AbortSignal>();
  private readonly clearStamp = (): void => {
    this.cachedStampUs = -1;
  };

  constructor(opts: OpenAiCompatibleClientOptions) {
    if (!Number.isInteger(opts.maxConnections) || opts.maxConnections < 1) {
      throw new RangeError(`maxConnections must be a positive integer, got ${opts.maxConnections}`);
    }
    this.clock = opts.clock;
    this.timeouts = { ...DEFAULT_CLIENT_TIMEOUTS, ...opts.timeouts };
    // One connection per in-flight stream. A streaming response occupies its HTTP/1.1 connection for its
    // whole life, so a pool smaller than the load's concurrency parks the extra requests in a queue inside
    // the client: the server never sees them, the load it receives is lower than the one configured, and
    // tools that start the TTFT clock at enqueue report the queueing as server latency (peers have shipped
    // exactly this bug with aiohttp/httpx default pools of 100). Sizing the pool to the load removes that
    // queue; `sentUs` is taken at the socket write anyway, so any residual wait shows up as schedule delay,
    // never as TTFT. Pipelining 1: a second request must never wait behind a streaming response.
    // No headroom above maxConnections on purpose. With pipelining 1 undici hands a finished connection back
    // one event-loop turn after the response ended, and (undici ≥7.2x, GHSA-35p6-xmwp-9g52) validates an
    // idle keep-alive socket for one more turn before writing on it. So the request a closed-loop engine
    // sends right after a completion is written a turn or two later: µs on an idle loop, ms on a saturated
    // one. Spare connections would skip that wait but, exactly when the loop is saturated, make the pool
    // open new TCP connections in bursts (measured: worse, and more connections than the configured load).
    // sentUs is taken at the write, so the wait never enters TTFT; it shows as schedule delay.
    this.poolSize = opts.maxConnections;
    this.agent = new Agent({
      connections: this.poolSize,
      pipelining: 1,
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? 4_000,
      keepAliveMaxTimeout: Math.max(opts.keepAliveTimeoutMs ?? 4_000, 600_000),
      connectTimeout: this.timeouts.connectMs,
      // our own first-token / idle / total timers replace undici's (coarse ~500 ms resolution above 1 s)
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  /**
   * @internal used by the request handlers.
   * Timestamp for the socket read being processed. undici calls the handler's `onData` once per HTTP body chunk,
   * possibly several times for one socket read; the first call of a synchronous run takes the time and the
   * next ones reuse it. The cached value is dropped in a microtask, and Node drains microtasks after every
   * I/O callback, so a later read (of this or another socket) always takes a fresh timestamp.
   */
  stampUs(): number {
    if (this.cachedStampUs < 0) {
      this.cachedStampUs = this.clock.nowUs();
      queueMicrotask(this.clearStamp);
    }
    return this.cachedStampUs;
  }

  send(req: LlmRequest): Promise<LlmOutcome> {
    const startUs = this.clock.nowUs();
    if (req.signal.aborted) {
      return Promise.resolve(failedOutcome(startUs, startUs, 0, 'cancelled', 'aborted before send'));
    }
    if (!this.sharedSignals.has(req.signal)) {
      // the engine passes one run-wide signal to every request: thousands of listeners on it are expected,
      // not a leak (each is removed when its request ends), so silence Node's >10-listeners warning
      this.sharedSignals.add(req.signal);
      setMaxListeners(0, req.signal);
    }
    let built;
    try {
      built = buildHttpRequest(req);
    } catch (err) {
      return Promise.resolve(
        failedOutcome(startUs, startUs, 0, 'connect', `invalid request: ${errText(err)}`),
      );
    }
    return new Promise<LlmOutcome>((resolve) => {
      const handler = new StreamHandler(this, this.clock, this.timeouts, req, startUs, resolve);
      try {
        this.agent.dispatch(
          {
            origin: built.origin,
            path: built.path,
            method: 'POST',
            headers: built.headers,
            body: built.body,
            headersTimeout: 0,
            bodyTimeout: 0,
          },
          handler,
        );
      } catch (err) {
        handler.failBeforeResponse(err);
      }
    });
  }

  /** Close all connections; in-flight requests are allowed to finish (abort them first to stop them). */
  async close(): Promise<void> {
    await this.agent.close();
  }
}

function failedOutcome(
  sentUs: number,
  endUs: number,
  httpStatus: number,
  errorClass: ErrorClass,
  errorMessage: string,
): LlmOutcome {
  return {
    sentUs,
    chunkTimesUs: [],
    endUs,
    httpStatus,
    errorClass,
    errorMessage,
    text: '',
    reasoningText: '',
    toolCallText: '',
  };
}

type Mode = 'pending' | 'sse' | 'json' | 'error';

/** error codes that mean "could not reach / talk to the server" */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** One request's state machine, as an undici dispatch handler. */
class StreamHandler implements Dispatcher.DispatchHandler {
  private abortRequest: ((err?: Error) => void) | null = null;
  private finished = false;
  private responseEnded = false;
  private mode: Mode = 'pending';
  private parser: SseParser | null = null;
  private bodyParts: Buffer[] = [];
  private bodyBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly totalDeadlineUs: number;

  private sentUs = Number.NaN;
  private httpStatus = 0;
  private readUs = 0;
  private lastDataUs = 0;
  private doneUs = Number.NaN;
  private finishSeen = false;
  private readonly chunkTimesUs: number[] = [];
  private firstContentUs: number | undefined;
  private text = '';
  private reasoningText = '';
  private toolCallText = '';
  private usage: LlmOutcome['usage'];

  private readonly onAbort = (): void => {
    const reason: unknown = this.req.signal.reason;
    this.fail('cancelled', reason instanceof Error ? `aborted: ${reason.message}` : 'aborted');
  };
  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.checkDeadlines();
  };
  private readonly onEvent = (ev: SseEvent): void => {
    this.handleEvent(ev);
  };

  constructor(
    private readonly client: OpenAiCompatibleClient,
    private readonly clock: Clock,
    private readonly timeouts: ClientTimeouts,
    private readonly req: LlmRequest,
    private readonly startUs: number,
    private readonly resolve: (o: LlmOutcome) => void,
  ) {
    this.totalDeadlineUs = startUs + timeouts.totalMs * 1000;
    req.signal.addEventListener('abort', this.onAbort, { once: true });
    this.armTimer();
  }

  // ---- undici handler callbacks ----
  // undici 7's legacy handler interface (onConnect/onHeaders/onData/onComplete/onError) is used on purpose:
  // undici 7 adapts handlers written against the new `onRequestStart…` interface through an UnwrapHandler
  // that does NOT forward `onRequestSent`, and that callback is the only exact "bytes handed to the socket"
  // moment undici exposes without diagnostics_channel.

  onConnect(abort: (err?: Error) => void): void {
    this.abortRequest = abort;
    // cancelled or timed out while queued for a connection: stop it before any byte is written
    if (this.finished) abort(new Error('request already finished'));
  }

  /** called by undici right after `socket.uncork()` flushed headers + body (not in undici's .d.ts) */
  onRequestSent(): void {
    if (this.finished) return;
    this.sentUs = this.clock.nowUs();
    this.armTimer(); // the first-token deadline now applies
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[] | string[], _resume: () => void): boolean {
    if (this.finished || statusCode < 200) return true; // 1xx informational: wait for the real one
    this.httpStatus = statusCode;
    this.lastDataUs = this.client.stampUs();
    if (Number.isNaN(this.sentUs)) this.sentUs = this.lastDataUs; // defensive: onRequestSent always precedes
    if (statusCode > 299) {
      this.mode = 'error';
      this.armTimer(); // the idle deadline now applies to the error body
      return true;
    }
    // SSE unless the server says JSON (non-streamed requests, or a server that ignored `stream: true`)
    if (headerValue(rawHeaders, 'content-type').toLowerCase().includes('json')) this.mode = 'json';
    else {
      this.mode = 'sse';
      this.parser = new SseParser(this.onEvent);
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.finished) return true;
    const tUs = this.client.stampUs();
    this.lastDataUs = tUs;
    if (this.mode === 'sse') {
      if (!Number.isNaN(this.doneUs)) return true; // bytes after [DONE] are ignored
      this.readUs = tUs;
      try {
        this.parser!.push(chunk);
      } catch (err) {
        this.fail('malformed_stream', `stream handling failed: ${errText(err)}`);
      }
    } else if (this.mode === 'json') {
      this.bodyParts.push(chunk);
      this.bodyBytes += chunk.length;
    } else if (this.bodyBytes < ERROR_BODY_KEEP_BYTES) {
      this.bodyParts.push(chunk);
      this.bodyBytes += chunk.length;
    }
    return true;
  }

  onComplete(): void {
    this.responseEnded = true;
    if (this.finished) return;
    const nowUs = this.client.stampUs();
    if (this.mode === 'error') {
      this.fail('http', `HTTP ${this.httpStatus}: ${this.bodyExcerpt()}`);
    } else if (this.mode === 'json') {
      this.finishJson();
    } else if (!Number.isNaN(this.doneUs)) {
      this.succeed(this.doneUs);
    } else if (this.finishSeen) {
      // some servers end the stream after the finish_reason chunk without sending [DONE]
      this.succeed(nowUs);
    } else {
      this.parser?.end();
      this.fail('truncated', 'stream ended before [DONE] and without a finish_reason');
    }
  }

  onError(err: Error): void {
    this.responseEnded = true;
    if (this.finished) return;
    if (this.httpStatus === 0) {
      this.failBeforeResponse(err);
      return;
    }
    if (this.mode === 'error') this.fail('http', `HTTP ${this.httpStatus}: ${this.bodyExcerpt()}`);
    else if (!Number.isNaN(this.doneUs)) this.succeed(this.doneUs);
    else if (this.finishSeen) this.succeed(this.client.stampUs());
    else this.fail('truncated', `connection lost mid-response: ${errText(err)}`);
  }

  /** An error before any response header: classify as connect or connect-timeout. */
  failBeforeResponse(err: unknown): void {
    if (this.finished) return;
    const code = errCode(err);
    if (code === 'UND_ERR_CONNECT_TIMEOUT') {
      this.fail('timeout', `connect timeout (${this.timeouts.connectMs} ms): ${errText(err)}`);
    } else {
      const known = code !== undefined && CONNECT_CODES.has(code);
      this.fail('connect', `${known ? '' : 'unexpected: '}${errText(err)}`);
    }
  }

  // ---- SSE events ----

  private handleEvent(ev: SseEvent): void {
    if (this.finished || !Number.isNaN(this.doneUs)) return;
    const data = ev.data;
    if (data === '[DONE]') {
      this.doneUs = this.readUs;
      // normally the HTTP terminator is in the same read and onComplete follows at once
      this.armTimer();
      return;
    }
    let obj: unknown;
    try {
      obj = JSON.parse(data);
    } catch {
      this.fail('malformed_stream', `invalid JSON in data line: ${excerpt(data)}`);
      return;
    }
    if (typeof obj !== 'object' || obj === null || !Array.isArray((obj as { choices?: unknown }).choices)) {
      const apiError = (obj as { error?: { message?: unknown } } | null)?.error;
      const detail =
        typeof apiError?.message === 'string' ? `server error in stream: ${apiError.message}` : '';
      this.fail('malformed_stream', `data line without choices: ${detail || excerpt(data)}`);
      return;
    }
    this.applyPayload(obj as ChunkPayload, this.readUs);
  }

  /** Collect output and usage from one chunk (streamed `delta`) or one whole response (`message`). */
  private applyPayload(obj: ChunkPayload, tUs: number): void {
    let hasOutput = false;
    let hasContent = false;
    for (const c of obj.choices) {
      if (c === null || typeof c !== 'object') continue;
      if (c.finish_reason !== null && c.finish_reason !== undefined) this.finishSeen = true;
      const d = c.delta ?? c.message;
      if (d !== null && typeof d === 'object') {
        if (typeof d.content === 'string' && d.content.length > 0) {
          this.text += d.content;
          hasContent = true;
        }
        // vLLM ≥0.10 sends `reasoning`; older vLLM, SGLang and DeepSeek send `reasoning_content`.
        // Servers in transition send both with the same text: take one, never both.
        const r =
          typeof d.reasoning_content === 'string' && d.reasoning_content.length > 0
            ? d.reasoning_content
            : typeof d.reasoning === 'string'
              ? d.reasoning
              : '';
        if (r.length > 0) {
          this.reasoningText += r;
          hasOutput = true;
        }
        if (Array.isArray(d.tool_calls)) {
          for (const tc of d.tool_calls) {
            const fn = tc?.function;
            if (!fn) continue;
            if (typeof fn.arguments === 'string' && fn.arguments.length > 0) {
              this.toolCallText += fn.arguments;
              hasOutput = true;
            }
            if (typeof fn.name === 'string' && fn.name.length > 0) hasOutput = true;
          }
        }
      }
      if (typeof c.text === 'string' && c.text.length > 0) {
        this.text += c.text;
        hasContent = true;
      }
    }
    if (hasOutput || hasContent) {
      this.chunkTimesUs.push(tUs);
      // the idle deadline replaces the (usually later) first-token deadline
      if (this.chunkTimesUs.length === 1) this.armTimer();
      if (hasContent && this.firstContentUs === undefined) this.firstContentUs = tUs;
    }
    const u = obj.usage;
    if (u !== null && typeof u === 'object') {
      this.usage = {
        promptTokens: numOrUndef(u.prompt_tokens),
        completionTokens: numOrUndef(u.completion_tokens),
        reasoningTokens: numOrUndef(u.completion_tokens_details?.reasoning_tokens),
      };
    }
  }

  private finishJson(): void {
    const body = Buffer.concat(this.bodyParts).toString('utf8');
    let obj: unknown;
    try {
      obj = JSON.parse(body);
    } catch {
      this.fail('malformed_stream', `invalid JSON response body: ${excerpt(body)}`);
      return;
    }
    if (typeof obj !== 'object' || obj === null || !Array.isArray((obj as { choices?: unknown }).choices)) {
      this.fail('malformed_stream', `JSON response without choices: ${excerpt(body)}`);
      return;
    }
    this.applyPayload(obj as ChunkPayload, this.lastDataUs);
    this.succeed(this.lastDataUs);
  }

  // ---- timeouts ----

  /** (Re)arm the single timer of this request for its nearest deadline. Chunks only move `lastDataUs`. */
  private armTimer(): void {
    if (this.finished) return;
    const next = this.nextDeadlineUs();
    if (this.timer !== undefined) clearTimeout(this.timer);
    const delayMs = Math.max(0, Math.ceil((next - this.clock.nowUs()) / 1000));
    this.timer = setTimeout(this.onTimer, delayMs);
  }

  private nextDeadlineUs(): number {
    let next = this.totalDeadlineUs;
    if (!Number.isNaN(this.doneUs)) return Math.min(next, this.doneUs + DONE_GRACE_US);
    if (!Number.isNaN(this.sentUs) && this.chunkTimesUs.length === 0 && this.mode !== 'error') {
      next = Math.min(next, this.sentUs + this.timeouts.firstTokenMs * 1000);
    }
    if (this.chunkTimesUs.length > 0 || this.mode === 'error') {
      next = Math.min(next, this.lastDataUs + this.timeouts.idleMs * 1000);
    }
    return next;
  }

  private checkDeadlines(): void {
    if (this.finished) return;
    const nowUs = this.clock.nowUs();
    if (nowUs >= this.totalDeadlineUs) {
      this.fail('timeout', `total timeout (${this.timeouts.totalMs} ms)`);
      return;
    }
    if (!Number.isNaN(this.doneUs)) {
      if (nowUs >= this.doneUs + DONE_GRACE_US) this.succeed(this.doneUs);
      else this.armTimer();
      return;
    }
    if (
      !Number.isNaN(this.sentUs) &&
      this.chunkTimesUs.length === 0 &&
      this.mode !== 'error' &&
      nowUs >= this.sentUs + this.timeouts.firstTokenMs * 1000
    ) {
      this.fail('timeout', `first-token timeout (${this.timeouts.firstTokenMs} ms)`);
      return;
    }
    if (
      (this.chunkTimesUs.length > 0 || this.mode === 'error') &&
      nowUs >= this.lastDataUs + this.timeouts.idleMs * 1000
    ) {
      this.fail('timeout', `idle timeout (${this.timeouts.idleMs} ms without data)`);
      return;
    }
    this.armTimer();
  }

  // ---- completion ----

  private succeed(endUs: number): void {
    this.finish(endUs, undefined, undefined);
  }

  private fail(errorClass: ErrorClass, message: string): void {
    this.finish(this.clock.nowUs(), errorClass, message);
  }

  private finish(endUs: number, errorClass: ErrorClass | undefined, errorMessage: string | undefined): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.req.signal.removeEventListener('abort', this.onAbort);
    if (this.abortRequest && !this.responseEnded) {
      // stop the transfer; undici destroys the socket (it cannot be reused mid-response)
      this.responseEnded = true;
      try {
        this.abortRequest(new Error(errorMessage ?? 'done'));
      } catch {
        // undici reports abort problems through onError, which is ignored once finished
      }
    }
    const outcome: LlmOutcome = {
      sentUs: Number.isNaN(this.sentUs) ? this.startUs : this.sentUs,
      chunkTimesUs: this.chunkTimesUs,
      endUs,
      httpStatus: this.httpStatus,
      text: this.text,
      reasoningText: this.reasoningText,
      toolCallText: this.toolCallText,
    };
    if (this.firstContentUs !== undefined) outcome.firstContentUs = this.firstContentUs;
    if (this.usage !== undefined) outcome.usage = this.usage;
    if (errorClass !== undefined) {
      outcome.errorClass = errorClass;
      outcome.errorMessage = errorMessage;
    }
    this.resolve(outcome);
  }

  private bodyExcerpt(): string {
    return excerpt(Buffer.concat(this.bodyParts).subarray(0, ERROR_BODY_KEEP_BYTES).toString('utf8'));
  }
}

/** The parts of an OpenAI chunk / response this client reads. */
interface ChunkPayload {
  choices: (ChoicePayload | null)[];
  usage?: {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
    completion_tokens_details?: { reasoning_tokens?: unknown } | null;
  } | null;
}
interface DeltaPayload {
  content?: unknown;
  reasoning_content?: unknown;
  reasoning?: unknown;
  tool_calls?: ({ function?: { name?: unknown; arguments?: unknown } } | null)[];
}
interface ChoicePayload {
  delta?: DeltaPayload | null;
  message?: DeltaPayload | null;
  text?: unknown;
  finish_reason?: unknown;
}

/** value of a header in undici's raw `[name, value, name, value…]` list, '' when absent */
function headerValue(raw: Buffer[] | string[], name: string): string {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toString().toLowerCase() === name) return raw[i + 1]!.toString();
  }
  return '';
}

function numOrUndef(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function excerpt(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > ERROR_EXCERPT_CHARS ? `${flat.slice(0, ERROR_EXCERPT_CHARS)}…` : flat;
}

function errCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // happy-eyeballs (autoSelectFamily) failures arrive as an AggregateError of per-address errors
  const inner = (err as { errors?: unknown[] }).errors?.[0];
  return inner !== undefined ? errCode(inner) : undefined;
}

function errText(err: unknown): string {
  if (err instanceof Error) {
    const code = errCode(err);
    const msg =
      err.message || (err as { errors?: Error[] }).errors?.map((e) => e.message).join('; ') || err.name;
    return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
  }
  return String(err);
}

import { subscribe } from 'node:diagnostics_channel';
import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import type { ConnectionMode, ErrorClass } from '@inferbench/contracts';
import type { ClientTimeouts, Clock, LlmClient, LlmOutcome, LlmRequest } from '../ports.js';
import { buildHttpRequest, type BuiltRequest } from './request-body.js';
import { ChunkReader, newChunkSummary, summarizeChoices, type ChunkSummary } from './chunk-scan.js';
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
  /**
   * connection handling for targets that do not set `target.connection`: `keep-alive` (default) reuses
   * connections; `close` opens one connection per request
   */
  connection?: ConnectionMode;
  /**
   * @internal default true. false reproduces the client before stale-connection handling (benchmarks compare
   * both): a request that fails on a reused connection before any response byte is an error, and an origin that
   * closes kept-alive connections is never switched to one connection per request.
   */
  staleConnectionRetry?: boolean;
  /**
   * @internal default true. false parses every SSE chunk with `JSON.parse` (the reference path, for benchmarks
   * and differential tests); true reads chunks with {@link ChunkReader} and falls back to `JSON.parse` for any
   * chunk it does not fully recognise.
   */
  fastChunkParse?: boolean;
}

/**
 * Error codes that mean the connection was closed, reset or broken under a request. On a *reused* connection
 * before any response byte they mean the server had already closed it (its FIN raced our write): the request
 * never reached the server and is sent again once on a fresh connection.
 */
const STALE_CONNECTION_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/** What the client knows about one kept-alive socket (keyed by the socket, from undici's diagnostics channel). */
interface SocketState {
  owner: OpenAiCompatibleClient;
  origin: string;
  /** requests written on it so far */
  uses: number;
  /** a request of ours is on it and has not completed */
  busy: boolean;
  /** when its last response ended (clock µs); NaN before the first */
  lastEndUs: number;
  /** the last response did not say `Connection: close` (HTTP/1.1 default: keep-alive) */
  lastKeepAlive: boolean;
  /** `Keep-Alive: timeout=` of the last response, ms */
  advertisedTimeoutMs: number | undefined;
  peerClosed: boolean;
}

const socketStates = new WeakMap<Socket, SocketState>();
/**
 * The handler whose request undici is writing right now. undici calls the handler's `onConnect` and then,
 * synchronously in the same `writeH1` call, publishes `undici:client:sendHeaders` with the socket: that is the
 * only place undici names the socket a request goes out on. Other undici instances in the process (Node's
 * fetch) publish on the same channel while this is null, and are ignored.
 */
let writingHandler: StreamHandler | null = null;
const clearWritingHandler = (): void => {
  writingHandler = null;
};
function markWriting(h: StreamHandler): void {
  writingHandler = h;
  queueMicrotask(clearWritingHandler);
}
let channelSubscribed = false;
function subscribeSendHeaders(): void {
  if (channelSubscribed) return;
  channelSubscribed = true;
  subscribe('undici:client:sendHeaders', (msg) => {
    const h = writingHandler;
    writingHandler = null;
    const socket = (msg as { socket?: Socket } | null)?.socket;
    if (h && socket) h.attachSocket(socket);
  });
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
  /** one connection per request (`connection: 'close'`, re-sends, origins switched after silent closes) */
  private closeAgent: Agent | undefined;
  private readonly defaultConnection: ConnectionMode;
  /** @internal */
  readonly staleRetry: boolean;
  /** @internal see {@link OpenAiCompatibleClientOptions.fastChunkParse} */
  readonly fastChunks: boolean;
  private readonly keepAliveTimeoutMs: number;
  /** origins switched to one connection per request, with why */
  private readonly closeOrigins = new Map<string, string>();
  private retriesByOrigin = new Map<string, number>();

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
    this.defaultConnection = opts.connection ?? 'keep-alive';
    this.staleRetry = opts.staleConnectionRetry ?? true;
    this.fastChunks = opts.fastChunkParse ?? true;
    this.keepAliveTimeoutMs = opts.keepAliveTimeoutMs ?? 4_000;
    if (this.staleRetry) subscribeSendHeaders();
    this.agent = new Agent({
      connections: this.poolSize,
      pipelining: 1,
      keepAliveTimeout: this.keepAliveTimeoutMs,
      keepAliveMaxTimeout: Math.max(this.keepAliveTimeoutMs, 600_000),
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
    // a `connection` target header is the connection mode, not a header undici would accept as is
    const headerMode = built.headers.connection?.trim().toLowerCase();
    delete built.headers.connection;
    const mode: ConnectionMode =
      req.target.connection ??
      (headerMode === 'close' || headerMode === 'keep-alive' ? headerMode : this.defaultConnection);
    const fresh = mode === 'close' || this.closeOrigins.has(built.origin);
    return new Promise<LlmOutcome>((resolve) => {
      const handler = new StreamHandler(this, this.clock, this.timeouts, req, startUs, resolve, built);
      this.dispatchOn(handler, fresh);
    });
  }

  /**
   * @internal Hands the request to undici: on the kept-alive pool, or (`fresh`) on a connection of its own
   * that is closed after the response (`pipelining: 0`: undici sends `Connection: close` and never reuses it).
   */
  dispatchOn(handler: StreamHandler, fresh: boolean): void {
    const b = handler.built;
    const dispatcher = fresh ? (this.closeAgent ??= this.newCloseAgent()) : this.agent;
    handler.keepAlive = !fresh;
    try {
      dispatcher.dispatch(
        {
          origin: b.origin,
          path: b.path,
          method: 'POST',
          headers: b.headers,
          body: b.body,
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        handler,
      );
    } catch (err) {
      handler.failBeforeResponse(err);
    }
  }

  private newCloseAgent(): Agent {
    return new Agent({
      connections: this.poolSize,
      pipelining: 0,
      connectTimeout: this.timeouts.connectMs,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  /** @internal */
  nowUs(): number {
    return this.clock.nowUs();
  }

  /** @internal A request is re-sent on a fresh connection after its reused one turned out closed. */
  noteRetry(origin: string): void {
    this.retriesByOrigin.set(origin, (this.retriesByOrigin.get(origin) ?? 0) + 1);
  }

  /**
   * @internal The server at `origin` closed a connection after a response that did not say `Connection: close`
   * (seen as its FIN on an idle connection, or as a reused connection failing under a request): the rest of
   * this client's requests to it get one connection each.
   */
  noteSilentClose(origin: string, what: string): void {
    if (!this.staleRetry || this.closeOrigins.has(origin)) return;
    this.closeOrigins.set(origin, what);
  }

  /** @internal whether a peer close `idleUs` after a keep-alive response is early (not the server's idle timeout) */
  isEarlyClose(idleUs: number, advertisedTimeoutMs: number | undefined): boolean {
    const timeoutMs = Math.min(advertisedTimeoutMs ?? Infinity, this.keepAliveTimeoutMs);
    return idleUs < (timeoutMs * 1000) / 2;
  }

  /** Re-sends so far (requests that failed on a reused connection before any response byte and were sent again). */
  connectionRetries(): number {
    let n = 0;
    for (const v of this.retriesByOrigin.values()) n += v;
    return n;
  }

  /** Plain-language notes on connection handling, for the load point's warnings. */
  connectionWarnings(): string[] {
    const out: string[] = [];
    for (const [origin, what] of this.closeOrigins) {
      out.push(
        `${origin} closes kept-alive connections after responses without saying so (${what}): switched to one connection per request for the rest of the point`,
      );
    }
    return out;
  }

  /** Close all connections; in-flight requests are allowed to finish (abort them first to stop them). */
  async close(): Promise<void> {
    await Promise.all([this.agent.close(), this.closeAgent?.close()]);
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
  /** fast chunk reader (SSE mode with `fastChunks`) */
  private reader: ChunkReader | null = null;
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
  /** this attempt went out on the kept-alive pool (false: a connection of its own) */
  keepAlive = true;
  /** the socket this attempt was written on, when seen (kept-alive pool only) */
  private socketState: SocketState | null = null;
  /** the socket had carried an earlier request */
  private reused = false;
  /** idle time of the reused socket before this request, µs */
  private reusedIdleUs = Number.NaN;
  private lastAdvertisedTimeoutMs: number | undefined;
  private retries = 0;
  private responseHeaders: Buffer[] | string[] | null = null;

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
    /** @internal the request as sent (a re-send sends the same bytes) */
    readonly built: BuiltRequest,
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
    if (this.finished) {
      abort(new Error('request already finished'));
      return;
    }
    if (this.keepAlive && this.client.staleRetry) {
      // undici publishes the socket right after this call, in the same synchronous write (see writingHandler)
      markWriting(this);
    }
  }

  /** @internal the kept-alive socket this attempt is being written on */
  attachSocket(socket: Socket): void {
    let st = socketStates.get(socket);
    if (!st) {
      const state: SocketState = {
        owner: this.client,
        origin: this.built.origin,
        uses: 0,
        busy: false,
        lastEndUs: Number.NaN,
        lastKeepAlive: true,
        advertisedTimeoutMs: undefined,
        peerClosed: false,
      };
      st = state;
      socketStates.set(socket, state);
      const onPeerClose = (): void => peerClosed(state);
      socket.once('end', onPeerClose);
      socket.on('error', (err: Error) => {
        if (errCode(err) === 'ECONNRESET') onPeerClose();
      });
    }
    this.reused = st.uses > 0;
    if (this.reused) this.reusedIdleUs = this.clock.nowUs() - st.lastEndUs;
    this.lastAdvertisedTimeoutMs = st.advertisedTimeoutMs;
    st.uses++;
    st.busy = true;
    this.socketState = st;
  }

  /** response headers (or an error) reached: note how the server left the connection */
  private releaseSocket(rawHeaders: Buffer[] | string[] | null): void {
    const st = this.socketState;
    if (!st) return;
    this.socketState = null;
    st.busy = false;
    st.lastEndUs = this.clock.nowUs();
    if (rawHeaders) {
      st.lastKeepAlive = headerValue(rawHeaders, 'connection').toLowerCase() !== 'close';
      const m = /timeout\s*=\s*(\d+)/i.exec(headerValue(rawHeaders, 'keep-alive'));
      st.advertisedTimeoutMs = m ? Number(m[1]) * 1000 : undefined;
    }
  }

  /** called by undici right after `socket.uncork()` flushed headers + body (not in undici's .d.ts) */
  onRequestSent(): void {
    if (this.finished) return;
    this.sentUs = this.clock.nowUs();
    this.armTimer(); // the first-token deadline now applies
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[] | string[], _resume: () => void): boolean {
    if (statusCode >= 200) this.responseHeaders = rawHeaders;
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
      if (this.client.fastChunks) this.reader = new ChunkReader();
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
    this.releaseSocket(this.responseHeaders);
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
    const reused = this.reused;
    const idleUs = this.reusedIdleUs;
    this.releaseSocket(null);
    if (this.finished) return;
    if (this.httpStatus === 0) {
      if (reused && this.resendAfterStale(err, idleUs)) return;
      this.failBeforeResponse(err);
      return;
    }
    if (this.mode === 'error') this.fail('http', `HTTP ${this.httpStatus}: ${this.bodyExcerpt()}`);
    else if (!Number.isNaN(this.doneUs)) this.succeed(this.doneUs);
    else if (this.finishSeen) this.succeed(this.client.stampUs());
    else this.fail('truncated', `connection lost mid-response: ${errText(err)}`);
  }

  /**
   * A request that failed on a reused keep-alive connection before any response byte (closed, reset, broken
   * pipe) never reached a live server: the connection was already closed by the server. Send it once more, on a
   * fresh connection; timing starts again at that send. Returns false when it must be an error instead.
   */
  private resendAfterStale(err: unknown, idleUs: number): boolean {
    const code = errCode(err);
    if (
      !this.client.staleRetry ||
      this.retries > 0 ||
      code === undefined ||
      !STALE_CONNECTION_CODES.has(code)
    )
      return false;
    if (this.req.signal.aborted || this.clock.nowUs() >= this.totalDeadlineUs) return false;
    const origin = this.built.origin;
    // a connection reused soon after a keep-alive response and found closed: the server closes silently
    if (this.client.isEarlyClose(idleUs, this.lastAdvertisedTimeoutMs)) {
      this.client.noteSilentClose(
        origin,
        `a reused connection was closed under a request ${fmtMs(idleUs)} after a response`,
      );
    }
    this.client.noteRetry(origin);
    this.retries++;
    this.abortRequest = null;
    this.responseEnded = false;
    this.sentUs = Number.NaN;
    this.reused = false;
    this.reusedIdleUs = Number.NaN;
    this.responseHeaders = null;
    this.armTimer();
    this.client.dispatchOn(this, true);
    return true;
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
    // fast path: a chunk the reader fully recognises (anything else, errors included, takes JSON.parse below)
    if (this.reader !== null && this.reader.read(data)) {
      this.applySummary(this.reader.summary, this.readUs);
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

  /** Output of one chunk, from the fast reader or from a parsed payload (see chunk-scan.ts). */
  private applySummary(sum: ChunkSummary, tUs: number): void {
    if (sum.finish) this.finishSeen = true;
    const hasContent = sum.content.length > 0;
    if (hasContent) this.text += sum.content;
    if (sum.reasoning.length > 0) this.reasoningText += sum.reasoning;
    if (sum.toolArgs.length > 0) this.toolCallText += sum.toolArgs;
    if (hasContent || sum.reasoning.length > 0 || sum.toolArgs.length > 0 || sum.toolName) {
      this.chunkTimesUs.push(tUs);
      // the idle deadline replaces the (usually later) first-token deadline
      if (this.chunkTimesUs.length === 1) this.armTimer();
      if (hasContent && this.firstContentUs === undefined) this.firstContentUs = tUs;
    }
  }

  /** Collect output and usage from one chunk (streamed `delta`) or one whole response (`message`). */
  private applyPayload(obj: ChunkPayload, tUs: number): void {
    summarizeChoices(obj.choices, parsedSummary);
    this.applySummary(parsedSummary, tUs);
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
    if (this.retries > 0) outcome.connectionRetries = this.retries;
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

/**
 * The server closed (FIN or reset) a kept-alive socket of ours. Idle, after a response that did not say
 * `Connection: close`, well before the keep-alive timeout: the server closes connections without saying so.
 * (A request on the socket at that moment sees the close itself, in its handler.)
 */
function peerClosed(st: SocketState): void {
  if (st.peerClosed) return;
  st.peerClosed = true;
  if (st.busy || !st.lastKeepAlive || Number.isNaN(st.lastEndUs)) return;
  const idleUs = st.owner.nowUs() - st.lastEndUs;
  if (st.owner.isEarlyClose(idleUs, st.advertisedTimeoutMs)) {
    st.owner.noteSilentClose(
      st.origin,
      `it closed an idle connection ${fmtMs(idleUs)} after a keep-alive response`,
    );
  }
}

function fmtMs(us: number): string {
  return `${(us / 1000).toFixed(us < 10_000 ? 1 : 0)} ms`;
}

/** scratch for {@link StreamHandler.applyPayload} (used synchronously, one chunk at a time) */
const parsedSummary = newChunkSummary();

/** The parts of an OpenAI chunk / response this client reads. */
interface ChunkPayload {
  choices: unknown[];
  usage?: {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
    completion_tokens_details?: { reasoning_tokens?: unknown } | null;
  } | null;
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

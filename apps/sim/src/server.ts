/**
 * OpenAI-compatible HTTP front end of the simulator (node:http only): request validation,
 * prompt accounting, fault injection, SSE framing and buffered writes, /v1/models, /health,
 * /metrics.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Driver, ModelEngine, Seq, type FinishReason, type LagStats, type SeqListener } from './engine.js';
import { ModelHistograms, renderMetrics } from './metrics.js';
import { Prng, deriveSeed } from './prng.js';
import { resolveProfiles, type FaultSpec, type SimProfile, type SimProfileInput } from './profiles.js';
import { BlockHasher, VOCAB, countTextTokens, detokenizeIds, tokenizeText } from './tokens.js';

/** Options of {@link startSim}. */
export interface SimOptions {
  /** TCP port; 0 (default) picks a free one */
  port?: number;
  /** bind address (default 127.0.0.1) */
  host?: string;
  /** seed of every random choice (default 1) */
  seed?: number;
  /** extra profiles (or overrides of built-in ones), by served model name */
  profiles?: Record<string, SimProfileInput>;
  /** profile used when a request has no `model` field (unknown models always get 404) */
  defaultProfile?: string;
  /** server-wide faults; a profile's own `faults` override them key by key */
  faults?: FaultSpec;
  /** serve only these model names (default: every resolved profile) */
  models?: string[];
  /**
   * serve vLLM's `POST /tokenize` and `POST /detokenize` (default true); false answers them 404 like a server
   * without a tokenizer API
   */
  tokenizeEndpoints?: boolean;
}

/** Per-model snapshot in {@link SimStats}. */
export interface SimModelStats {
  running: number;
  waiting: number;
  /** 0..1 */
  kvUsagePerc: number;
  promptTokens: number;
  generationTokens: number;
  preemptions: number;
  prefixHitTokens: number;
  steps: number;
}

/** Counters of the whole server (monotonic except `requestsActive`). */
export interface SimStats {
  requestsReceived: number;
  requestsActive: number;
  requestsCompleted: number;
  /** the client went away, or an injected disconnect */
  requestsAborted: number;
  /** 4xx answers (bad JSON, unknown model, too long...) */
  requestsRejected: number;
  /** injected 500/429/503 answers */
  requestsFaulted: number;
  /** output tokens handed to sockets */
  tokensEmitted: number;
  /** scheduler lag (how late due tokens were written), ms */
  lag: LagStats;
  models: Record<string, SimModelStats>;
}

/** A running simulator. */
export interface SimServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  url: string;
  port: number;
  /** Ends open streams (destroys their sockets) and stops the server. */
  close(): Promise<void>;
  stats(): SimStats;
}

/** Default max_tokens when the request has none. */
export const DEFAULT_MAX_TOKENS = 128;
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const WORD_STRIDE = 17; // coprime with VOCAB.length (64): the word sequence has period 64

function mustBe64(): void {
  if (VOCAB.length !== 64) throw new Error('VOCAB must have 64 words');
}
mustBe64();

// Pre-serialized tails of chunk JSON, one per vocabulary word: a token chunk is then one
// per-request prefix plus one of these, with no JSON.stringify on the hot path.
const NULL_FINISH = '},"logprobs":null,"finish_reason":null}]}\n\n';
const CONTENT_TAILS = VOCAB.map((w) => `"content":" ${w}"${NULL_FINISH}`);
const REASONING_TAILS = VOCAB.map((w) => `"reasoning_content":" ${w}"${NULL_FINISH}`);
const TEXT_TAILS = VOCAB.map((w) => `"text":" ${w}","logprobs":null,"finish_reason":null}]}\n\n`);
const DONE = 'data: [DONE]\n\n';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | number | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

interface ParsedRequest {
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
}

/** Per-request output state; buffers SSE text until the Driver's wake-up flushes it. */
class Exchange implements SeqListener {
  seq!: Seq;
  engine!: ModelEngine;
  buf = '';
  isDirty = false;
  /** [DONE] (or the JSON body) has been queued; end after the flush */
  isEnded = false;
  isClosed = false;
  destroyAfterFlush = false;
  finishReason: FinishReason | null = null;
  private readonly prefix: string;
  private readonly finalTailSuffix: string;

  constructor(
    private readonly srv: SimServerImpl,
    readonly res: http.ServerResponse,
    private readonly o: {
      chat: boolean;
      stream: boolean;
      includeUsage: boolean;
      id: string;
      created: number;
      model: string;
      promptTokens: number;
      reasoningTokens: number;
      mergeMultiToken: boolean;
      wordOffset: number;
      malformedAt: number;
      disconnectAt: number;
      reportCached: boolean;
    },
  ) {
    const m = JSON.stringify(o.model);
    this.prefix = o.chat
      ? `data: {"id":"${o.id}","object":"chat.completion.chunk","created":${o.created},"model":${m},"choices":[{"index":0,"delta":{`
      : `data: {"id":"${o.id}","object":"text_completion","created":${o.created},"model":${m},"choices":[{"index":0,`;
    this.finalTailSuffix = o.chat
      ? '},"logprobs":null,"finish_reason":'
      : ',"logprobs":null,"finish_reason":';
  }

  private word(i: number): string {
    return VOCAB[(this.o.wordOffset + i * WORD_STRIDE) & 63]!;
  }

  /** One SSE chunk for tokens [from, to), all of the same kind (reasoning or content). */
  private chunk(from: number, to: number, last: boolean): string {
    const o = this.o;
    const isReasoning = o.chat && from < o.reasoningTokens;
    const rolePart = o.chat && from === 0 ? '"role":"assistant",' : '';
    if (to - from === 1 && !last) {
      const w = (o.wordOffset + from * WORD_STRIDE) & 63;
      const tail = o.chat ? (isReasoning ? REASONING_TAILS[w]! : CONTENT_TAILS[w]!) : TEXT_TAILS[w]!;
      return this.prefix + rolePart + tail;
    }
    let text = '';
    for (let i = from; i < to; i++) text += ' ' + this.word(i);
    const field = o.chat ? (isReasoning ? 'reasoning_content' : 'content') : 'text';
    const finish = last ? `"${this.seq.finishReason}"` : 'null';
    return `${this.prefix}${rolePart}"${field}":"${text}"${this.finalTailSuffix}${finish}}]}\n\n`;
  }

  onTokens(seq: Seq, first: number, count: number): void {
    if (this.isClosed) return;
    const end = first + count;
    const o = this.o;
    this.srv.tokensEmitted += count;
    if (o.stream) {
      const lastIndex = seq.targetTokens - 1;
      if (o.malformedAt >= first && o.malformedAt < end) {
        // a truncated JSON object: clients must classify this as a malformed stream
        this.buf += `${this.prefix}"content":" broken\n\n`;
      }
      if (o.mergeMultiToken && count > 1) {
        // one chunk per step, split only where reasoning turns into content
        let from = first;
        if (o.chat && from < o.reasoningTokens && end > o.reasoningTokens) {
          this.buf += this.chunk(from, o.reasoningTokens, false);
          from = o.reasoningTokens;
        }
        this.buf += this.chunk(from, end, end - 1 === lastIndex);
      } else {
        for (let i = first; i < end; i++) this.buf += this.chunk(i, i + 1, i === lastIndex);
      }
    }
    if (o.disconnectAt >= first && o.disconnectAt < end) {
      this.destroyAfterFlush = true;
      this.srv.abortSeq(this);
    }
    this.markDirty();
  }

  onFinish(seq: Seq, reason: FinishReason): void {
    if (this.isClosed) return;
    this.finishReason = reason;
    const o = this.o;
    if (o.stream) {
      if (o.includeUsage) {
        const head = o.chat ? 'chat.completion.chunk' : 'text_completion';
        this.buf += `data: {"id":"${o.id}","object":"${head}","created":${o.created},"model":${JSON.stringify(o.model)},"choices":[],"usage":${JSON.stringify(this.usage(seq))}}\n\n`;
      }
      this.buf += DONE;
    } else {
      this.buf = JSON.stringify(this.body(seq, reason));
    }
    this.isEnded = true;
    this.srv.completed++;
    this.markDirty();
  }

  private usage(seq: Seq): Record<string, unknown> {
    const u: Record<string, unknown> = {
      prompt_tokens: this.o.promptTokens,
      total_tokens: this.o.promptTokens + seq.generated,
      completion_tokens: seq.generated,
    };
    if (this.o.reportCached) u.prompt_tokens_details = { cached_tokens: seq.cachedTokens };
    if (this.o.chat && this.o.reasoningTokens > 0) {
      u.completion_tokens_details = { reasoning_tokens: Math.min(this.o.reasoningTokens, seq.generated) };
    }
    return u;
  }

  private body(seq: Seq, reason: FinishReason): Record<string, unknown> {
    const o = this.o;
    const k = o.chat ? Math.min(o.reasoningTokens, seq.generated) : 0;
    let reasoning = '';
    for (let i = 0; i < k; i++) reasoning += ' ' + this.word(i);
    let text = '';
    for (let i = k; i < seq.generated; i++) text += ' ' + this.word(i);
    const common = { id: o.id, created: o.created, model: o.model };
    if (o.chat) {
      const message: Record<string, unknown> = { role: 'assistant', content: text };
      if (k > 0) message.reasoning_content = reasoning;
      return {
        ...common,
        object: 'chat.completion',
        choices: [{ index: 0, message, logprobs: null, finish_reason: reason }],
        usage: this.usage(seq),
      };
    }
    return {
      ...common,
      object: 'text_completion',
      choices: [{ index: 0, text, logprobs: null, finish_reason: reason }],
      usage: this.usage(seq),
    };
  }

  private markDirty(): void {
    if (!this.isDirty) {
      this.isDirty = true;
      this.srv.dirty.push(this);
    }
  }

  /** Writes what is buffered in one socket write; ends or destroys the response when due. */
  flush(): void {
    this.isDirty = false;
    if (this.isClosed) return;
    const res = this.res;
    if (this.destroyAfterFlush) {
      if (this.buf && this.o.stream) res.write(this.buf);
      this.buf = '';
      this.close();
      // let the written bytes leave, then cut the connection without the terminating chunk
      if (res.socket) res.socket.destroySoon();
      else res.destroy();
      return;
    }
    if (!this.o.stream && this.isEnded) {
      const body = this.buf;
      this.buf = '';
      this.close();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (this.buf) {
      res.write(this.buf);
      this.buf = '';
    }
    if (this.isEnded) {
      this.close();
      res.end();
    }
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.srv.active.delete(this);
  }
}

class SimServerImpl {
  readonly server: http.Server;
  readonly engines = new Map<string, { engine: ModelEngine; hist: ModelHistograms }>();
  readonly driver: Driver;
  readonly active = new Set<Exchange>();
  dirty: Exchange[] = [];
  readonly seed: number;
  private requestIndex = 0;
  private closing: Promise<void> | null = null;
  received = 0;
  completed = 0;
  aborted = 0;
  rejected = 0;
  faulted = 0;
  tokensEmitted = 0;
  private readonly clock = (): number => performance.now();
  private readonly startedAtS = Math.floor(Date.now() / 1000);

  constructor(private readonly opts: SimOptions) {
    this.seed = opts.seed ?? 1;
    const profiles = resolveProfiles(opts.profiles ?? {});
    const names = opts.models ?? [...profiles.keys()];
    names.forEach((name, i) => {
      const p = profiles.get(name);
      if (!p) throw new Error(`unknown model/profile "${name}"`);
      const engine = new ModelEngine(name, p, deriveSeed(this.seed, 1_000_000 + i));
      const hist = new ModelHistograms();
      engine.onFinished = (seq) => hist.observe(seq);
      engine.onInterToken = (gapMs) => hist.itl.observe(gapMs / 1000);
      this.engines.set(name, { engine, hist });
    });
    if (opts.defaultProfile !== undefined && !this.engines.has(opts.defaultProfile)) {
      throw new Error(`defaultProfile "${opts.defaultProfile}" is not a served model`);
    }
    this.driver = new Driver(
      [...this.engines.values()].map((e) => e.engine),
      this.clock,
      this.flushAll,
    );
    this.server = http.createServer({ keepAliveTimeout: 10_000, noDelay: true }, (req, res) =>
      this.handle(req, res),
    );
  }

  private readonly flushAll = (): void => {
    const list = this.dirty;
    this.dirty = [];
    for (const ex of list) ex.flush();
  };

  /** Removes the request from its engine (client gone or injected disconnect). */
  abortSeq(ex: Exchange): void {
    if (!ex.seq || ex.seq.isDone) return;
    ex.engine.abort(ex.seq, this.clock());
    this.aborted++;
    this.driver.kick();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const method = req.method ?? 'GET';
    if (method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/completions')) {
      this.readBody(req, res, (body) => this.completion(res, body, path === '/v1/chat/completions'));
      return;
    }
    const tokenizeApi = this.opts.tokenizeEndpoints !== false;
    if (tokenizeApi && method === 'POST' && (path === '/tokenize' || path === '/detokenize')) {
      this.readBody(req, res, (body) => {
        try {
          sendJson(res, 200, path === '/tokenize' ? this.tokenize(body) : this.detokenize(body));
        } catch (e) {
          this.rejected++;
          if (e instanceof HttpError) return sendError(res, e);
          throw e;
        }
      });
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      if (path === '/health') return void res.writeHead(200, { 'content-length': 0 }).end();
      if (path === '/v1/models') return sendJson(res, 200, this.modelList());
      if (path === '/metrics') {
        const body = renderMetrics([...this.engines.values()], this.driver.lag);
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        return void res.end(body);
      }
    }
    const known =
      ['/v1/chat/completions', '/v1/completions', '/health', '/v1/models', '/metrics'].includes(path) ||
      (tokenizeApi && (path === '/tokenize' || path === '/detokenize'));
    sendError(
      res,
      known
        ? new HttpError(405, `method ${method} not allowed`, 'invalid_request_error')
        : new HttpError(404, `no route ${path}`, 'invalid_request_error'),
    );
  }

  private readBody(req: http.IncomingMessage, res: http.ServerResponse, then: (body: unknown) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let isTooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) isTooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      this.received++;
      if (isTooLarge) {
        this.rejected++;
        return sendError(res, new HttpError(413, 'request body too large', 'invalid_request_error'));
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        this.rejected++;
        return sendError(res, new HttpError(400, 'request body is not valid JSON', 'BadRequestError', 400));
      }
      then(body);
    });
    req.on('error', () => res.destroy());
  }

  private completion(res: http.ServerResponse, body: unknown, chat: boolean): void {
    if (this.closing)
      return sendError(res, new HttpError(503, 'server is shutting down', 'ServiceUnavailableError', 503));
    const nowMs = this.clock();
    const index = this.requestIndex++;
    let p: ParsedRequest;
    try {
      p = this.parse(body, chat);
    } catch (e) {
      this.rejected++;
      if (e instanceof HttpError) return sendError(res, e);
      throw e;
    }
    // Every request draws the same sequence of numbers, whichever faults fire, so the choice for
    // request #n depends only on the seed and n.
    const rng = new Prng(deriveSeed(this.seed, index));
    const faults: FaultSpec = { ...this.opts.faults, ...p.profile.faults };
    const uError = rng.next();
    const uRate = rng.next();
    const uUnavail = rng.next();
    const uStall = rng.next();
    const uDisconnect = rng.next();
    const uMalformed = rng.next();
    const uEarly = rng.next();
    const uEarlyAt = rng.next();
    const uStallAt = rng.next();
    const uDisconnectAt = rng.next();
    const uMalformedAt = rng.next();
    const wordOffset = rng.int(0, 63);
    const retryAfter = String(faults.retryAfterS ?? 1);
    if (uError < (faults.errorRate ?? 0)) {
      this.faulted++;
      return sendError(res, new HttpError(500, 'injected internal server error', 'InternalServerError', 500));
    }
    if (uRate < (faults.rateLimitRate ?? 0)) {
      this.faulted++;
      return sendError(res, new HttpError(429, 'injected rate limit', 'RateLimitError', 429), {
        'retry-after': retryAfter,
      });
    }
    if (uUnavail < (faults.unavailableRate ?? 0)) {
      this.faulted++;
      return sendError(res, new HttpError(503, 'injected unavailability', 'ServiceUnavailableError', 503), {
        'retry-after': retryAfter,
      });
    }

    let target = p.maxTokens;
    let finishReason: FinishReason = 'length';
    const minTokens = Math.max(1, p.minTokens);
    if (!p.ignoreEos && target > minTokens && uEarly < p.profile.earlyStopProb) {
      target = minTokens + Math.floor(uEarlyAt * (p.maxTokens - minTokens));
      finishReason = 'stop';
    }
    const at = (u: number): number => Math.floor(u * target);
    const id = `${chat ? 'chatcmpl' : 'cmpl'}-sim${this.seed.toString(16)}x${index.toString(16)}`;
    const spec = p.profile.kind === 'batched' ? p.profile.speculative : null;
    const ex = new Exchange(this, res, {
      chat,
      stream: p.stream,
      includeUsage: p.includeUsage,
      id,
      created: this.startedAtS,
      model: p.model,
      promptTokens: p.promptTokens,
      reasoningTokens: p.reasoningTokens,
      mergeMultiToken: spec?.emit === 'merged',
      wordOffset,
      malformedAt: p.stream && uMalformed < (faults.malformedRate ?? 0) ? at(uMalformedAt) : -1,
      disconnectAt: uDisconnect < (faults.disconnectRate ?? 0) ? at(uDisconnectAt) : -1,
      reportCached: p.profile.kind === 'batched' && p.profile.prefixCaching,
    });
    const seq = new Seq({
      id: index,
      promptTokens: p.promptTokens,
      targetTokens: target,
      finishReason,
      blockHashes: p.blockHashes,
      arrivalMs: nowMs,
      seed: deriveSeed(this.seed ^ 0x5eed, index),
      listener: ex,
      stallAtToken: uStall < (faults.stallRate ?? 0) ? Math.max(1, at(uStallAt)) : -1,
      stallMs: faults.stallMs ?? 500,
    });
    ex.seq = seq;
    ex.engine = p.engine;
    this.active.add(ex);
    res.on('close', () => {
      if (ex.isClosed) return;
      ex.close();
      this.abortSeq(ex);
    });
    if (p.stream) {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-request-id': id,
      });
      res.flushHeaders();
    }
    p.engine.submit(seq);
    this.driver.kick();
  }

  private parse(raw: unknown, chat: boolean): ParsedRequest {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new HttpError(400, 'request body must be a JSON object', 'BadRequestError', 400);
    }
    const b = raw as Record<string, unknown>;
    let model = b.model;
    if (model === undefined || model === null) model = this.opts.defaultProfile;
    if (typeof model !== 'string')
      throw new HttpError(400, 'model is required', 'BadRequestError', 400, 'model');
    const entry = this.engines.get(model);
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
        for (const text of contentTexts(msg.content)) {
          promptTokens += countTextTokens(text);
          hasher.text(text);
        }
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
      } else if (Array.isArray(prompt) && prompt.every((t) => Number.isInteger(t))) {
        promptTokens = prompt.length;
        for (const t of prompt as number[]) hasher.pieceId(t);
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
    };
  }

  /** The profile of a request's `model` (or the default profile); 404 like vLLM for an unknown one. */
  private profileOf(b: Record<string, unknown>): SimProfile {
    const model = b.model ?? this.opts.defaultProfile ?? this.engines.keys().next().value;
    const entry = typeof model === 'string' ? this.engines.get(model) : undefined;
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
  private tokenize(raw: unknown): Record<string, unknown> {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new HttpError(400, 'request body must be a JSON object', 'BadRequestError', 400);
    const b = raw as Record<string, unknown>;
    const profile = this.profileOf(b);
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
  private detokenize(raw: unknown): Record<string, unknown> {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new HttpError(400, 'request body must be a JSON object', 'BadRequestError', 400);
    const b = raw as Record<string, unknown>;
    this.profileOf(b);
    const tokens = b.tokens;
    if (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t)))
      throw new HttpError(400, 'tokens must be an array of integers', 'BadRequestError', 400, 'tokens');
    try {
      return { prompt: detokenizeIds((tokens as number[]).filter((t) => t !== 0)) };
    } catch (e) {
      throw new HttpError(400, (e as Error).message, 'BadRequestError', 400, 'tokens');
    }
  }

  private modelList(): unknown {
    return {
      object: 'list',
      data: [...this.engines.values()].map(({ engine }) => ({
        id: engine.name,
        object: 'model',
        created: this.startedAtS,
        owned_by: 'inferbench-sim',
        root: engine.name,
        parent: null,
        max_model_len: engine.profile.maxModelLen,
        description: engine.profile.description,
      })),
    };
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.driver.stop();
    for (const ex of [...this.active]) {
      ex.close();
      if (ex.seq && !ex.seq.isDone) ex.engine.abort(ex.seq, this.clock());
      ex.res.destroy();
    }
    this.closing = new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  stats(): SimStats {
    const models: Record<string, SimModelStats> = {};
    for (const [name, { engine }] of this.engines) {
      models[name] = {
        running: engine.runningCount,
        waiting: engine.waitingCount,
        kvUsagePerc: engine.kvUsage,
        promptTokens: engine.counters.promptTokens,
        generationTokens: engine.counters.generationTokens,
        preemptions: engine.counters.preemptions,
        prefixHitTokens: engine.counters.prefixHitTokens,
        steps: engine.counters.steps,
      };
    }
    return {
      requestsReceived: this.received,
      requestsActive: this.active.size,
      requestsCompleted: this.completed,
      requestsAborted: this.aborted,
      requestsRejected: this.rejected,
      requestsFaulted: this.faulted,
      tokensEmitted: this.tokensEmitted,
      lag: { ...this.driver.lag },
      models,
    };
  }
}

/** Chat-template tokens the profile adds around `messages` messages (0 without a template). */
function chatTemplateTokens(profile: SimProfile, messages: number, generationPrompt: boolean): number {
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
function contentTexts(content: unknown): string[] {
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

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(res: http.ServerResponse, e: HttpError, headers: Record<string, string> = {}): void {
  sendJson(
    res,
    e.status,
    { error: { message: e.message, type: e.type, param: e.param, code: e.code } },
    headers,
  );
}

/**
 * Starts the simulator on a local port. Resolves once it listens.
 * @example const sim = await startSim({ port: 0, seed: 7 }); ... await sim.close();
 */
export async function startSim(opts: SimOptions = {}): Promise<SimServer> {
  const impl = new SimServerImpl(opts);
  const host = opts.host ?? '127.0.0.1';
  const port = await impl.listen(opts.port ?? 0, host);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () => impl.close(),
    stats: () => impl.stats(),
  };
}

/**
 * The simulator's HTTP server (node:http only): routing of the OpenAI-compatible endpoints, /tokenize,
 * /v1/models, /health and /metrics, the life of a completion request from parsed body to engine, and the
 * server-wide counters. Request parsing, fault injection and response writing live in completion-request.ts,
 * faults.ts and exchange.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { decideOutcome, loadAnswerKey, type AnswerKey } from './answer-key.js';
import { parseCompletionRequest, type CompletionRequest, type ServedModel } from './completion-request.js';
import { Driver } from './driver.js';
import { ModelEngine } from './engine.js';
import { Exchange, type ExchangeHost } from './exchange.js';
import { drawRequest, findInjectedError, planOutput } from './faults.js';
import { HttpError, readJsonBody, sendError, sendJson } from './http-io.js';
import { ModelHistograms, renderMetrics } from './metrics.js';
import {
  answerScript,
  answerText,
  syntheticScript,
  type OutputScript,
  type ScriptRequest,
} from './output-script.js';
import { deriveSeed } from './prng.js';
import { resolveProfiles, type FaultSpec } from './profiles.js';
import { Seq } from './seq.js';
import type { SimModelStats, SimOptions, SimServer, SimStats } from './server-types.js';
import { detokenize, tokenize } from './tokenize-api.js';

export type { SimModelStats, SimOptions, SimServer, SimStats } from './server-types.js';

const MAX_BODY_BYTES = 16 * 1024 * 1024;

class SimServerImpl implements ExchangeHost {
  readonly server: http.Server;
  readonly engines = new Map<string, ServedModel>();
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

  constructor(
    private readonly opts: SimOptions,
    private readonly answerKey: AnswerKey | null,
  ) {
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
          const answer = path === '/tokenize' ? tokenize : detokenize;
          sendJson(res, 200, answer(body, this.engines, this.opts.defaultProfile));
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
    readJsonBody(req, res, MAX_BODY_BYTES, (r) => {
      this.received++;
      if (!r.isOk) {
        this.rejected++;
        return sendError(res, r.error);
      }
      then(r.body);
    });
  }

  private completion(res: http.ServerResponse, body: unknown, chat: boolean): void {
    if (this.closing)
      return sendError(res, new HttpError(503, 'server is shutting down', 'ServiceUnavailableError', 503));
    const nowMs = this.clock();
    const index = this.requestIndex++;
    let p: CompletionRequest;
    try {
      p = parseCompletionRequest(body, chat, this.engines, this.opts.defaultProfile);
    } catch (e) {
      this.rejected++;
      if (e instanceof HttpError) return sendError(res, e);
      throw e;
    }
    const draws = drawRequest(this.seed, index);
    const faults: FaultSpec = { ...this.opts.faults, ...p.profile.faults };
    const injected = findInjectedError(draws, faults);
    if (injected) {
      this.faulted++;
      return sendError(res, injected.error, injected.headers);
    }
    const script0 = this.answer(p, chat, draws.wordOffset);
    const fixedLength = script0?.texts.length;
    const out = planOutput(draws, faults, {
      maxTokens: fixedLength ?? p.maxTokens,
      minTokens: fixedLength ?? p.minTokens,
      ignoreEos: fixedLength !== undefined || p.ignoreEos,
      stream: p.stream,
      earlyStopProb: p.profile.earlyStopProb,
    });
    // logprobs / echo of an unrecognised prompt: today's synthetic words, written out explicitly
    const script =
      script0 ??
      (p.topLogprobs !== null || p.echoPrompt !== null
        ? syntheticScript(out.targetTokens, out.finishReason, this.scriptRequest(p, chat, draws.wordOffset))
        : null);
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
      reasoningTokens: script ? script.reasoning : p.reasoningTokens,
      mergeMultiToken: spec?.emit === 'merged',
      wordOffset: draws.wordOffset,
      malformedAt: out.malformedAt,
      disconnectAt: out.disconnectAt,
      reportCached: p.profile.kind === 'batched' && p.profile.prefixCaching,
      script,
    });
    const seq = new Seq({
      id: index,
      promptTokens: p.promptTokens,
      targetTokens: out.targetTokens,
      finishReason: script ? script.finishReason : out.finishReason,
      blockHashes: p.blockHashes,
      arrivalMs: nowMs,
      seed: deriveSeed(this.seed ^ 0x5eed, index),
      listener: ex,
      stallAtToken: out.stallAtToken,
      stallMs: out.stallMs,
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

  private scriptRequest(p: CompletionRequest, chat: boolean, wordOffset: number): ScriptRequest {
    return {
      chat,
      maxTokens: p.maxTokens,
      minTokens: p.minTokens,
      ignoreEos: p.ignoreEos,
      reasoningTokens: p.reasoningTokens,
      topLogprobs: p.topLogprobs,
      echoPrompt: p.echoPrompt,
      wordOffset,
    };
  }

  /**
   * The answer key's reply when the prompt holds a known eval item (README "Answer key"): right, wrong or
   * unparseable by the item's seeded uniform under the profile, whatever the request index. Null otherwise.
   */
  private answer(p: CompletionRequest, chat: boolean, wordOffset: number): OutputScript | null {
    if (!this.answerKey || p.questionText === null) return null;
    const rec = this.answerKey.recognise(p.questionText, chat ? 'chat' : 'completions');
    if (!rec) return null;
    const { accuracySeed, accuracy, unparseableShare } = p.profile;
    const d = decideOutcome(accuracySeed, accuracy, unparseableShare, rec.key);
    const text = answerText(rec, d.outcome, d.pick, this.answerKey, chat ? '' : ' ');
    return answerScript(text, this.scriptRequest(p, chat, wordOffset), rec);
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

/**
 * Starts the simulator on a local port. Resolves once it listens.
 * @example const sim = await startSim({ port: 0, seed: 7 }); ... await sim.close();
 */
export async function startSim(opts: SimOptions = {}): Promise<SimServer> {
  const impl = new SimServerImpl(opts, opts.answerKey === false ? null : await loadAnswerKey());
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

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A real `node:http` server speaking OpenAI-compatible SSE, with one quirk per scenario. Used by the
 * client's tests and reusable by other packages' tests (load engine, agent e2e).
 *
 * Scenario per request: header `x-quirk: <scenario>`, else the server default. Per-request knobs:
 * `x-quirk-tokens`, `x-quirk-ttft-ms`, `x-quirk-itl-ms` (headers), else the server options.
 * `/v1/completions` answers with `choices[].text`, `/v1/chat/completions` with `choices[].delta`.
 *
 * Every request is recorded with server-side times from `performance.now() * 1000` (µs), the same origin
 * as `SystemClock` when the server runs in the client's process.
 */
export type QuirkScenario =
  /** vLLM shape: role chunk (empty content), content deltas, finish chunk, usage chunk (empty choices), [DONE] */
  | 'normal'
  /** usage inside the finish chunk, no separate usage chunk */
  | 'usage-in-last'
  /** no role chunk; the first chunk already carries content */
  | 'no-role'
  /** empty-content chunks between the real ones */
  | 'empty-content'
  /** `: keep-alive` comments before and between chunks */
  | 'keepalive'
  /** finish_reason chunk then close, no [DONE] */
  | 'no-done'
  /** `reasoning_content` deltas, then content deltas; usage with reasoning_tokens */
  | 'reasoning'
  /** `reasoning` field (vLLM ≥ 0.10) instead of `reasoning_content` */
  | 'reasoning-field'
  /** tool-call deltas (name, then argument fragments) */
  | 'tool-calls'
  /** CRLF line endings everywhere */
  | 'crlf'
  /** whole stream in one TCP write after the TTFT delay (each event its own HTTP chunk) */
  | 'one-write'
  /** every byte of the stream in its own write */
  | 'byte-per-write'
  /** `application/json` body (non-streamed response) */
  | 'non-stream'
  | 'http-500'
  | 'http-429'
  /** one content chunk, then silence with the connection open */
  | 'stall'
  /** headers at once, first chunk only after the TTFT delay */
  | 'slow-first'
  /** socket destroyed after two content chunks */
  | 'destroy-mid'
  /** a data line that is not valid JSON */
  | 'invalid-json'
  /** an `{"error": ...}` object in the stream (no `choices`) */
  | 'error-in-stream';

export interface QuirkServerOptions {
  scenario?: QuirkScenario;
  /** content tokens per response (default 8) */
  tokens?: number;
  /** delay before the first output chunk, ms (default 0) */
  ttftMs?: number;
  /** delay between output chunks, ms (default 0: written back to back, each with a setImmediate between) */
  itlMs?: number;
  /**
   * how the server treats kept-alive connections (default: keeps them, like `node:http`):
   * - `close-after-stream`: llama.cpp's llama-server. Every response says `Connection: keep-alive` and
   *   `Keep-Alive: timeout=5, max=100`, yet the socket is closed right after each streamed (chunked) response;
   *   non-streamed (Content-Length) responses keep it.
   * - `random-close`: each connection is closed without notice after a random 1–5 responses (seeded).
   * A request that arrives on a connection the server is about to close is never answered: the socket is
   * destroyed (the client sees a close or a reset before any response byte).
   */
  connectionQuirk?: 'close-after-stream' | 'random-close';
  /** time between the end of a response and the close of its connection, ms (default 2) */
  closeDelayMs?: number;
  /** seed of `random-close` (default 1) */
  seed?: number;
}

/** What the server did with connections (see {@link QuirkServerOptions.connectionQuirk}). */
export interface QuirkConnectionStats {
  /** connections accepted */
  accepted: number;
  /** connections closed after a response that advertised keep-alive */
  silentCloses: number;
  /** requests that arrived on a connection being closed, dropped unanswered */
  dropped: number;
}

/** What the server saw and did for one request. */
export interface QuirkRequestRecord {
  path: string;
  scenario: QuirkScenario;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** request body fully received, µs (performance.now()*1000) */
  receivedUs: number;
  /** time each output-carrying event's last byte was written, µs (same clock) */
  outputWriteUs: number[];
  /** whether the response finished as planned (false: client went away first) */
  completed: boolean;
  /** client port of the connection (same port on consecutive requests = keep-alive reuse) */
  remotePort: number;
}

export interface QuirkServer {
  url: string;
  port: number;
  requests: QuirkRequestRecord[];
  connections: QuirkConnectionStats;
  close(): Promise<void>;
}

/** Content tokens of responses: several contain multibyte UTF-8 so split reads exercise decoding. */
export const QUIRK_TOKENS = [' Hé', 'llo', ' wörld', ' 你好', ' 🚀', ' and', ' more', ' text'] as const;

/** The content text the server sends for `n` tokens. */
export function quirkText(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += QUIRK_TOKENS[i % QUIRK_TOKENS.length];
  return s;
}

/** Reasoning text sent by the reasoning scenarios: 3 deltas before the content. */
export const QUIRK_REASONING = ['Think', 'ing ∑', ' done.'] as const;
/** Tool call argument fragments sent by `tool-calls`. */
export const QUIRK_TOOL_ARGS = ['{"city": ', '"Paris"', '}'] as const;

interface Step {
  text: string;
  /** carries output (content/reasoning/tool-call delta) */
  isOutput: boolean;
  /** delay before this step, ms; -1 = hang here, -2 = destroy the socket here */
  delayMs: number;
  waited?: boolean;
}

/** Start a quirk server on 127.0.0.1 and a free port. */
export async function startQuirkServer(opts: QuirkServerOptions = {}): Promise<QuirkServer> {
  const requests: QuirkRequestRecord[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const connections: QuirkConnectionStats = { accepted: 0, silentCloses: 0, dropped: 0 };
  const closing = new WeakSet<Socket>();
  const responsesOn = new WeakMap<Socket, number>();
  const budgetOf = new WeakMap<Socket, number>();
  let rngState = (opts.seed ?? 1) >>> 0 || 1;
  const rand = (): number => {
    // xorshift32: reproducible close budgets
    rngState ^= rngState << 13;
    rngState >>>= 0;
    rngState ^= rngState >>> 17;
    rngState ^= rngState << 5;
    rngState >>>= 0;
    return rngState / 2 ** 32;
  };
  const closeDelayMs = opts.closeDelayMs ?? 2;
  const closeLater = (socket: Socket): void => {
    if (closing.has(socket)) return;
    closing.add(socket);
    connections.silentCloses++;
    const t = setTimeout(() => {
      timers.delete(t);
      socket.destroy();
    }, closeDelayMs);
    timers.add(t);
  };
  const server: Server = createServer((req, res) => {
    const sock = req.socket;
    if (closing.has(sock)) {
      // the server already decided to close this connection: the request is never answered
      connections.dropped++;
      sock.destroy();
      return;
    }
    if (opts.connectionQuirk === 'close-after-stream') {
      res.setHeader('connection', 'keep-alive');
      res.setHeader('keep-alive', 'timeout=5, max=100');
    }
    if (opts.connectionQuirk !== undefined) {
      res.on('finish', () => {
        if (opts.connectionQuirk === 'close-after-stream') {
          if (String(res.getHeader('content-type') ?? '').includes('event-stream')) closeLater(sock);
          return;
        }
        const n = (responsesOn.get(sock) ?? 0) + 1;
        responsesOn.set(sock, n);
        let budget = budgetOf.get(sock);
        if (budget === undefined) {
          budget = 1 + Math.floor(rand() * 5);
          budgetOf.set(sock, budget);
        }
        if (n >= budget) closeLater(sock);
      });
    }
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const receivedUs = performance.now() * 1000;
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad json"}}');
        return;
      }
      const scenario = (header(req, 'x-quirk') as QuirkScenario | undefined) ?? opts.scenario ?? 'normal';
      const rec: QuirkRequestRecord = {
        path: req.url ?? '',
        scenario,
        headers: req.headers,
        body,
        receivedUs,
        outputWriteUs: [],
        completed: false,
        remotePort: req.socket.remotePort ?? 0,
      };
      requests.push(rec);
      respond(req, res, rec, opts, timers);
    });
  });
  server.on('connection', (s: Socket) => {
    connections.accepted++;
    s.setNoDelay(true);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    connections,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function numHeader(req: IncomingMessage, name: string, fallback: number): number {
  const v = header(req, name);
  return v === undefined ? fallback : Number(v);
}

function respond(
  req: IncomingMessage,
  res: ServerResponse,
  rec: QuirkRequestRecord,
  opts: QuirkServerOptions,
  timers: Set<NodeJS.Timeout>,
): void {
  const nTokens = numHeader(req, 'x-quirk-tokens', opts.tokens ?? 8);
  const ttftMs = numHeader(req, 'x-quirk-ttft-ms', opts.ttftMs ?? 0);
  const itlMs = numHeader(req, 'x-quirk-itl-ms', opts.itlMs ?? 0);
  const isChat = rec.path.includes('/chat/');
  const scenario = rec.scenario;
  const promptTokens = countPromptWords(rec.body);

  if (scenario === 'http-500') {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(
      '{"error":{"message":"Internal failure: CUDA out of memory","type":"InternalServerError","code":500}}',
    );
    rec.completed = true;
    return;
  }
  if (scenario === 'http-429') {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end('{"error":{"message":"Rate limit exceeded","type":"RateLimitError","code":429}}');
    rec.completed = true;
    return;
  }
  if (scenario === 'non-stream') {
    const timer = setTimeout(() => {
      timers.delete(timer);
      const text = quirkText(nTokens);
      const choice = isChat
        ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'length' }
        : { index: 0, text, finish_reason: 'length' };
      const payload = JSON.stringify({
        id: 'cmpl-ns',
        object: isChat ? 'chat.completion' : 'text_completion',
        choices: [choice],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: nTokens,
          total_tokens: promptTokens + nTokens,
        },
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      rec.outputWriteUs.push(performance.now() * 1000);
      res.end(payload);
      rec.completed = true;
    }, ttftMs);
    timers.add(timer);
    return;
  }

  const eol = scenario === 'crlf' ? '\r\n' : '\n';
  const ev = (obj: unknown): string => `data: ${JSON.stringify(obj)}${eol}${eol}`;
  const chunk = (
    delta: Record<string, unknown> | null,
    text: string | null,
    finish: string | null,
    usage?: unknown,
  ) => {
    const choice = isChat
      ? { index: 0, delta: delta ?? {}, logprobs: null, finish_reason: finish }
      : { index: 0, text: text ?? '', logprobs: null, finish_reason: finish };
    const obj: Record<string, unknown> = {
      id: 'cmpl-q',
      object: isChat ? 'chat.completion.chunk' : 'text_completion',
      created: 1,
      model: 'quirk',
      choices: [choice],
    };
    if (usage !== undefined) obj.usage = usage;
    return ev(obj);
  };
  const usage = (reasoningTokens?: number) => ({
    prompt_tokens: promptTokens,
    completion_tokens: nTokens + (reasoningTokens ?? 0),
    total_tokens: promptTokens + nTokens + (reasoningTokens ?? 0),
    ...(reasoningTokens !== undefined
      ? { completion_tokens_details: { reasoning_tokens: reasoningTokens } }
      : {}),
  });

  const steps: Step[] = [];
  let isFirstOutput = true;
  const out = (text: string): void => {
    steps.push({ text, isOutput: true, delayMs: isFirstOutput ? ttftMs : itlMs });
    isFirstOutput = false;
  };
  const meta = (text: string): void => {
    steps.push({ text, isOutput: false, delayMs: 0 });
  };

  if (scenario === 'keepalive') meta(`: keep-alive${eol}${eol}`);
  if (isChat && scenario !== 'no-role') meta(chunk({ role: 'assistant', content: '' }, null, null));
  if (scenario === 'reasoning' || scenario === 'reasoning-field') {
    const field = scenario === 'reasoning' ? 'reasoning_content' : 'reasoning';
    for (const r of QUIRK_REASONING) out(chunk({ [field]: r }, r, null));
  }
  if (scenario === 'tool-calls' && isChat) {
    out(
      chunk(
        {
          tool_calls: [
            { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        },
        null,
        null,
      ),
    );
    for (const a of QUIRK_TOOL_ARGS)
      out(chunk({ tool_calls: [{ index: 0, function: { arguments: a } }] }, null, null));
  } else {
    for (let i = 0; i < nTokens; i++) {
      const tok = QUIRK_TOKENS[i % QUIRK_TOKENS.length]!;
      out(chunk({ content: tok }, tok, null));
      if (scenario === 'empty-content') meta(chunk({ content: '' }, '', null));
      if (scenario === 'keepalive') meta(`:${eol}`);
      if (scenario === 'stall' && i === 0) {
        steps.push({ text: '', isOutput: false, delayMs: -1 }); // -1: hang here
        break;
      }
      if (scenario === 'destroy-mid' && i === 1) {
        steps.push({ text: '', isOutput: false, delayMs: -2 }); // -2: destroy the socket
        break;
      }
      if (scenario === 'invalid-json' && i === 0) meta(`data: {"choices": [tru${eol}${eol}`);
      if (scenario === 'error-in-stream' && i === 0)
        meta(ev({ error: { message: 'engine died', code: 500 } }));
    }
  }
  const rCount =
    scenario === 'reasoning' || scenario === 'reasoning-field' ? QUIRK_REASONING.length : undefined;
  if (scenario === 'usage-in-last') {
    meta(chunk({}, '', 'length', usage()));
  } else {
    meta(chunk({}, '', scenario === 'tool-calls' ? 'tool_calls' : 'length'));
    if (scenario !== 'no-done') {
      meta(
        ev({
          id: 'cmpl-q',
          object: isChat ? 'chat.completion.chunk' : 'text_completion',
          created: 1,
          model: 'quirk',
          choices: [],
          usage: usage(rCount),
        }),
      );
    }
  }
  if (scenario !== 'no-done') meta(`data: [DONE]${eol}${eol}`);

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  let closed = false;
  res.on('close', () => {
    closed = true;
  });

  if (scenario === 'one-write' || scenario === 'byte-per-write') {
    const all = steps.map((s) => s.text).join('');
    const bytes = Buffer.from(all, 'utf8');
    const t = setTimeout(() => {
      timers.delete(t);
      if (scenario === 'one-write') {
        // one TCP write, but each event in its own HTTP chunk (corked): the client sees several body
        // chunks from ONE socket read, which must all get that read's timestamp
        const now = performance.now() * 1000;
        for (const s of steps) if (s.isOutput) rec.outputWriteUs.push(now);
        res.socket?.cork();
        for (const s of steps) res.write(s.text);
        res.end();
        process.nextTick(() => res.socket?.uncork());
        rec.completed = true;
        return;
      }
      // byte per write: note when each output event's last byte goes out
      const outputEnds = new Set<number>();
      let off = 0;
      for (const s of steps) {
        off += Buffer.byteLength(s.text, 'utf8');
        if (s.isOutput) outputEnds.add(off - 1);
      }
      let i = 0;
      const next = (): void => {
        if (closed) return;
        if (i >= bytes.length) {
          res.end();
          rec.completed = true;
          return;
        }
        if (outputEnds.has(i)) rec.outputWriteUs.push(performance.now() * 1000);
        res.write(bytes.subarray(i, i + 1));
        i++;
        setImmediate(next);
      };
      next();
    }, ttftMs);
    timers.add(t);
    return;
  }

  let idx = 0;
  const run = (): void => {
    if (closed) return;
    for (;;) {
      const step = steps[idx];
      if (step === undefined) {
        res.end();
        rec.completed = true;
        return;
      }
      if (step.delayMs === -1) return; // stall: keep the connection open, write nothing
      if (step.delayMs === -2) {
        res.socket?.destroy();
        return;
      }
      if (step.delayMs > 0 && !step.waited) {
        step.waited = true;
        const t = setTimeout(() => {
          timers.delete(t);
          run();
        }, step.delayMs);
        timers.add(t);
        return;
      }
      if (step.isOutput) rec.outputWriteUs.push(performance.now() * 1000);
      res.write(step.text);
      idx++;
      if (step.isOutput && itlMs === 0) {
        // yield so each output chunk leaves in its own write/read
        setImmediate(run);
        return;
      }
    }
  };
  run();
}

function countPromptWords(body: Record<string, unknown>): number {
  const messages = body.messages as { content?: unknown }[] | undefined;
  const text = Array.isArray(messages)
    ? messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join(' ')
    : typeof body.prompt === 'string'
      ? body.prompt
      : '';
  return text.split(/\s+/).filter(Boolean).length;
}

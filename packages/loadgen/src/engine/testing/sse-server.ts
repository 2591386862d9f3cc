import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Behaviour of the test SSE server. */
export interface SseServerOptions {
  /** delay before the first chunk, ms */
  ttftMs?: number;
  /** output chunks per response (one token each); default: the request's max_tokens, else 4 */
  chunks?: number;
  /** delay between chunks, ms */
  gapMs?: number;
}

/** A running test server and what it saw. */
export interface SseServer {
  /** base URL, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  /** request bodies received */
  bodies: Record<string, unknown>[];
  /** responses whose client went away before the end */
  clientAborts: number;
  close(): Promise<void>;
}

/**
 * A real node:http server speaking OpenAI-style SSE on /v1/completions and /v1/chat/completions: `chunks`
 * one-token chunks after `ttftMs`, `gapMs` apart, then a usage chunk and `data: [DONE]`. For engine tests
 * with the real HTTP client (never a mocked fetch).
 */
export async function startSseServer(opts: SseServerOptions = {}): Promise<SseServer> {
  const state: SseServer = { url: '', bodies: [], clientAborts: 0, close: async () => undefined };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (raw += d));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      state.bodies.push(body);
      const isChat = req.url?.includes('chat') ?? false;
      const n = opts.chunks ?? (typeof body.max_tokens === 'number' ? body.max_tokens : 4);
      const promptTokens = String(isChat ? JSON.stringify(body.messages) : body.prompt).split(/\s+/).length;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let sent = 0;
      let finished = false;
      res.on('close', () => {
        if (!finished) state.clientAborts++;
        finished = true;
      });
      const delta = (t: string) =>
        isChat
          ? { choices: [{ index: 0, delta: { content: t }, finish_reason: null }] }
          : { choices: [{ index: 0, text: t, finish_reason: null }] };
      const step = (): void => {
        if (finished) return;
        if (sent < n) {
          res.write(`data: ${JSON.stringify(delta(sent === 0 ? 'w' : ' w'))}\n\n`);
          sent++;
          if (sent < n && (opts.gapMs ?? 0) > 0) setTimeout(step, opts.gapMs);
          else setImmediate(step);
          return;
        }
        res.write(
          `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: n, total_tokens: promptTokens + n } })}\n\n`,
        );
        res.write('data: [DONE]\n\n');
        finished = true;
        res.end();
      };
      if ((opts.ttftMs ?? 0) > 0) setTimeout(step, opts.ttftMs);
      else step();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

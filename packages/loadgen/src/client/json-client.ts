import { Agent } from 'undici';
import type { ConnectionMode } from '@inferbench/contracts';

/** Socket errors that mean a kept-alive connection was closed by the server before the request reached it. */
const STALE_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

export interface JsonClientOptions {
  /** connections per origin (= the caller's concurrency) */
  maxConnections: number;
  /** per-request timeout (headers and body), ms */
  timeoutMs: number;
  connection?: ConnectionMode;
  /** re-send once on a fresh connection when a reused one was found closed (default true) */
  staleRetry?: boolean;
}

export interface JsonResponse {
  /** HTTP status; 0 when no response arrived */
  status: number;
  /** parsed JSON (null when the body was not JSON) */
  body: unknown;
  /** wall time from the (last) send to the end of the body, ms */
  latencyMs: number;
  /** monotonic send and end times, µs (process.hrtime), for request-level metrics */
  sentUs: number;
  endUs: number;
  /** error class and message when no usable response arrived */
  errorClass?: 'connect' | 'timeout' | 'http' | 'protocol' | 'network';
  error?: string;
  /** the request was re-sent because its kept-alive connection had been closed */
  retried: boolean;
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
const codeOf = (err: unknown): string | undefined =>
  (err as { code?: string })?.code ?? (err as { cause?: { code?: string } })?.cause?.code;

/**
 * A small non-streaming JSON POST client over undici (the same HTTP stack as the load client): one pooled agent with
 * `maxConnections` per origin, per-request timeouts, and one re-send on a fresh connection when a reused kept-alive
 * socket turns out closed (servers that close idle connections silently). Never rejects: failures come back as
 * `status: 0` with an error class. Used by accuracy evals (`ModelCall`).
 */
export class JsonClient {
  private readonly agent: Agent;
  private readonly opts: Required<Omit<JsonClientOptions, 'connection'>> & { connection: ConnectionMode };

  constructor(opts: JsonClientOptions) {
    this.opts = {
      staleRetry: true,
      connection: 'keep-alive',
      ...opts,
    };
    this.agent = new Agent({
      connections: Math.max(1, opts.maxConnections),
      pipelining: 1,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      keepAliveTimeout: 4_000,
    });
  }

  async post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
    const payload = JSON.stringify(body);
    let retried = false;
    for (;;) {
      const sentUs = nowUs();
      try {
        const res = await this.agent.request({
          origin: new URL(url).origin,
          path: new URL(url).pathname + new URL(url).search,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(this.opts.connection === 'close' ? { connection: 'close' } : {}),
            ...headers,
          },
          body: payload,
          signal: AbortSignal.timeout(this.opts.timeoutMs),
        });
        const text = await res.body.text();
        const endUs = nowUs();
        let parsed: unknown = null;
        try {
          parsed = text.length ? JSON.parse(text) : null;
        } catch {
          parsed = null;
        }
        const out: JsonResponse = {
          status: res.statusCode,
          body: parsed,
          latencyMs: (endUs - sentUs) / 1000,
          sentUs,
          endUs,
          retried,
        };
        if (res.statusCode !== 200) {
          out.errorClass = 'http';
          out.error = `http ${res.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`;
        } else if (parsed === null) {
          out.errorClass = 'protocol';
          out.error = 'response is not JSON';
        }
        return out;
      } catch (err) {
        const code = codeOf(err);
        if (!retried && this.opts.staleRetry && code !== undefined && STALE_CODES.has(code)) {
          retried = true;
          continue;
        }
        const endUs = nowUs();
        const name = (err as Error)?.name;
        const errorClass =
          name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT'
            ? 'timeout'
            : code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'UND_ERR_CONNECT_TIMEOUT'
              ? 'connect'
              : 'network';
        return {
          status: 0,
          body: null,
          latencyMs: (endUs - sentUs) / 1000,
          sentUs,
          endUs,
          errorClass,
          error: `${errorClass}${code ? ` (${code})` : ''}: ${(err as Error)?.message ?? String(err)}`,
          retried,
        };
      }
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

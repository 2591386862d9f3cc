/**
 * Typed fetch client over the contracts schemas, used by the web dashboard, the CLI and tests.
 * Every response is checked (`res.ok`), parsed with its contract schema, and errors become `ApiError`
 * carrying the API's error envelope.
 */
import {
  AgentListSchema,
  CreateTargetRequestSchema,
  ErrorEnvelopeSchema,
  ExperimentListSchema,
  ExperimentSchema,
  RunSchema,
  RunStreamEventSchema,
  TargetListSchema,
  TargetSchema,
  type CreateExperimentRequest,
  type ErrorCode,
  type ErrorEnvelope,
  type ExperimentListQuery,
  type RunStreamEvent,
  type StartRunRequest,
  type UpdateExperimentRequest,
  type UpdateTargetRequest,
} from '@inferbench/contracts';
import { z } from 'zod';

/** An error answered by the API (parsed envelope), or a transport/parse failure (`code` = 'NETWORK' | 'BAD_RESPONSE'). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK' | 'BAD_RESPONSE',
    message: string,
    readonly details?: ErrorEnvelope['error']['details'],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Field issues of a 400 VALIDATION_FAILED answer, as `{ path: message }`. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const i of this.details?.issues ?? []) out[i.path] = i.message;
    return out;
  }
}

export interface ApiClientOptions {
  /** e.g. http://127.0.0.1:4000 */
  baseUrl: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}


export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: ApiClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Low-level request: JSON in, schema-parsed JSON out. */
  async request<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<z.infer<S>> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...this.opts.headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, 'NETWORK', `cannot reach the API at ${this.baseUrl}: ${(err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown = undefined;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        throw new ApiError(res.status, 'BAD_RESPONSE', `${method} ${path}: response is not JSON (${res.status})`);
      }
    }
    if (!res.ok) {
      const env = ErrorEnvelopeSchema.safeParse(json);
      if (env.success) throw new ApiError(res.status, env.data.error.code, env.data.error.message, env.data.error.details);
      throw new ApiError(res.status, 'BAD_RESPONSE', `${method} ${path} answered ${res.status}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ApiError(res.status, 'BAD_RESPONSE', `${method} ${path}: unexpected response shape: ${parsed.error.message}`);
    }
    return parsed.data;
  }

  health() {
    return this.request('GET', '/health', z.object({ status: z.string() }).catchall(z.unknown()));
  }

  // Targets
  listTargets() {
    return this.request('GET', '/targets', TargetListSchema);
  }
  getTarget(id: string) {
    return this.request('GET', `/targets/${enc(id)}`, TargetSchema);
  }
  createTarget(body: z.input<typeof CreateTargetRequestSchema>) {
    return this.request('POST', '/targets', TargetSchema, body);
  }
  updateTarget(id: string, body: UpdateTargetRequest) {
    return this.request('PATCH', `/targets/${enc(id)}`, TargetSchema, body);
  }
  deleteTarget(id: string) {
    return this.request('DELETE', `/targets/${enc(id)}`, z.unknown());
  }

  // Experiments
  listExperiments(query: Partial<ExperimentListQuery> = {}) {
    return this.request('GET', `/experiments${qs(query)}`, ExperimentListSchema);
  }
  getExperiment(id: string) {
    return this.request('GET', `/experiments/${enc(id)}`, ExperimentSchema);
  }
  createExperiment(body: CreateExperimentRequest | Record<string, unknown>) {
    return this.request('POST', '/experiments', ExperimentSchema, body);
  }
  updateExperiment(id: string, body: UpdateExperimentRequest) {
    return this.request('PATCH', `/experiments/${enc(id)}`, ExperimentSchema, body);
  }
  deleteExperiment(id: string) {
    return this.request('DELETE', `/experiments/${enc(id)}`, z.unknown());
  }

  // Runs
  startRun(experimentId: string, body: Partial<StartRunRequest> = {}) {
    return this.request('POST', `/experiments/${enc(experimentId)}/runs`, RunSchema, body);
  }
  getRun(id: string) {
    return this.request('GET', `/runs/${enc(id)}`, RunSchema);
  }
  cancelRun(id: string) {
    return this.request('POST', `/runs/${enc(id)}/cancel`, RunSchema, {});
  }

  // Agents
  listAgents() {
    return this.request('GET', '/agents', AgentListSchema);
  }

  /** URL of a load point's raw samples download (`jsonl` or `csv`). */
  samplesUrl(loadPointId: string, format: 'jsonl' | 'csv' = 'jsonl'): string {
    return `${this.baseUrl}/load-points/${enc(loadPointId)}/samples?format=${format}`;
  }

  /**
   * Follow a run's live events (`GET /runs/:id/events`, SSE) until `signal` aborts or the server ends the
   * stream (it does after the run reaches a terminal state). Unknown event types are skipped.
   */
  async followRun(runId: string, onEvent: (e: RunStreamEvent) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.fetchImpl(`${this.baseUrl}/runs/${enc(runId)}/events`, {
      headers: { accept: 'text/event-stream', ...this.opts.headers },
      signal,
    });
    if (!res.ok || !res.body) throw new ApiError(res.status, 'BAD_RESPONSE', `cannot follow run ${runId}: ${res.status}`);
    const reader = res.body.getReader();
    // Cancel the reader on abort: an abort raised from inside onEvent must end the loop at once.
    const onAbort = () => void reader.cancel().catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    const decoder = new TextDecoder();
    let buf = '';
    try {
      while (!signal?.aborted) {
        const { done, value } = await reader.read().catch((err: unknown) => {
          if (signal?.aborted) return { done: true as const, value: undefined };
          throw err;
        });
        if (done) break;
        buf += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
        let sep: number;
        while ((sep = buf.indexOf('\n\n')) >= 0 && !signal?.aborted) {
          const block = buf.slice(0, sep);
          buf = buf.slice(sep + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).replace(/^ /, ''))
            .join('\n');
          if (!data) continue;
          let json: unknown;
          try {
            json = JSON.parse(data);
          } catch {
            continue; // a malformed event is skipped; the next status poll corrects any gap
          }
          const parsed = RunStreamEventSchema.safeParse(json);
          if (parsed.success) onEvent(parsed.data);
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await reader.cancel().catch(() => undefined);
    }
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function qs(q: Record<string, unknown>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

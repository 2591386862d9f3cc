/**
 * Typed fetch client over the contracts schemas, used by the web dashboard, the CLI and tests.
 * Every response is checked (`res.ok`), parsed with its contract schema, and errors become `ApiError`
 * carrying the API's error envelope.
 */
import {
  AgentCredentialListSchema,
  AgentCredentialSchema,
  ApiTokenListSchema,
  ApiTokenSchema,
  AuditListSchema,
  CreatedAgentCredentialSchema,
  CreatedApiTokenSchema,
  CreatedUserSchema,
  MeSchema,
  UserListSchema,
  UserSchema,
  type CreateAgentCredentialRequest,
  type CreateApiTokenRequest,
  type CreateUserRequest,
  type UpdateUserRequest,
  CommentListSchema,
  CommentSchema,
  CompareResultSchema,
  DistributionSchema,
  ExperimentHistorySchema,
  RunReviewSchema,
  SamplesPageSchema,
  RunListSchema,
  type RunListQuery,
  type CreateCommentRequest,
  type DistributionFigure,
  AgentListSchema,
  CreateTargetRequestSchema,
  ErrorEnvelopeSchema,
  ExperimentListSchema,
  ExperimentSchema,
  RunSchema,
  RunStreamEventSchema,
  isTerminalRunStatus,
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
  type CreateImportRequest,
  type RunExportFormat,
  EvalComparisonSchema,
  EvalItemPageSchema,
  EvalRescoreResultSchema,
  RunEvalsSchema,
  type EvalItemsQuery,
  type EvalRescoreRequestInput,
} from '@inferbench/contracts';
import { z } from 'zod';
import {
  EvaluateRunRequestSchema,
  RunEvaluationSchema,
  WebhookDeliveryListSchema,
} from '@inferbench/contracts';

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
  /** an API token, sent on every request as `Authorization: Bearer <token>` (the CLI reads INFERBENCH_TOKEN) */
  token?: string;
}

export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  private readonly opts: ApiClientOptions;

  constructor(opts: ApiClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.opts = opts.token
      ? { ...opts, headers: { authorization: `Bearer ${opts.token}`, ...opts.headers } }
      : opts;
  }

  /** The headers every request carries (the bearer token among them), e.g. for a raw `fetch` of a download URL. */
  authHeaders(): Record<string, string> {
    return { ...this.opts.headers };
  }

  /** Low-level request: JSON in, schema-parsed JSON out. */
  async request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<z.infer<S>> {
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
        throw new ApiError(
          res.status,
          'BAD_RESPONSE',
          `${method} ${path}: response is not JSON (${res.status})`,
        );
      }
    }
    if (!res.ok) {
      const env = ErrorEnvelopeSchema.safeParse(json);
      if (env.success)
        throw new ApiError(res.status, env.data.error.code, env.data.error.message, env.data.error.details);
      throw new ApiError(res.status, 'BAD_RESPONSE', `${method} ${path} answered ${res.status}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ApiError(
        res.status,
        'BAD_RESPONSE',
        `${method} ${path}: unexpected response shape: ${parsed.error.message}`,
      );
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
  listRuns(query: Partial<RunListQuery> = {}) {
    return this.request('GET', `/runs${qs(query)}`, RunListSchema);
  }
  getRun(id: string) {
    return this.request('GET', `/runs/${enc(id)}`, RunSchema);
  }
  cancelRun(id: string) {
    return this.request('POST', `/runs/${enc(id)}/cancel`, RunSchema, {});
  }

  // CI: thresholds and the baseline gate over a run (verdicts stored with it); webhook delivery log
  evaluateRun(id: string, body: z.input<typeof EvaluateRunRequestSchema>) {
    return this.request('POST', `/runs/${enc(id)}/evaluate`, RunEvaluationSchema, body);
  }
  listWebhookDeliveries(experimentId: string, page: { limit?: number; offset?: number } = {}) {
    return this.request(
      'GET',
      `/experiments/${enc(experimentId)}/webhook-deliveries${qs(page)}`,
      WebhookDeliveryListSchema,
    );
  }

  // Experiments: archive, clone, baseline, history
  archiveExperiment(id: string) {
    return this.request('POST', `/experiments/${enc(id)}/archive`, ExperimentSchema, {});
  }
  unarchiveExperiment(id: string) {
    return this.request('POST', `/experiments/${enc(id)}/unarchive`, ExperimentSchema, {});
  }
  cloneExperiment(id: string, body: { name?: string } = {}) {
    return this.request('POST', `/experiments/${enc(id)}/clone`, ExperimentSchema, body);
  }
  /** Set the experiment's baseline run; `null` clears it. */
  setBaseline(experimentId: string, runId: string | null) {
    return this.request('PUT', `/experiments/${enc(experimentId)}/baseline`, ExperimentSchema, { runId });
  }
  getExperimentHistory(id: string, limit?: number) {
    return this.request('GET', `/experiments/${enc(id)}/history${qs({ limit })}`, ExperimentHistorySchema);
  }

  // Review: comments and run tags
  listRunComments(runId: string) {
    return this.request('GET', `/runs/${enc(runId)}/comments`, CommentListSchema);
  }
  addRunComment(runId: string, body: CreateCommentRequest) {
    return this.request('POST', `/runs/${enc(runId)}/comments`, CommentSchema, body);
  }
  listExperimentComments(experimentId: string) {
    return this.request('GET', `/experiments/${enc(experimentId)}/comments`, CommentListSchema);
  }
  addExperimentComment(experimentId: string, body: CreateCommentRequest) {
    return this.request('POST', `/experiments/${enc(experimentId)}/comments`, CommentSchema, body);
  }
  getRunReview(runId: string) {
    return this.request('GET', `/runs/${enc(runId)}/review`, RunReviewSchema);
  }
  /** Replace a run's tags. */
  setRunTags(runId: string, tags: string[]) {
    return this.request('PATCH', `/runs/${enc(runId)}`, RunReviewSchema, { tags });
  }

  // Analysis: distributions, samples table, compare (all but the samples table read stored aggregates)
  getDistribution(loadPointId: string, figure: DistributionFigure, points?: number) {
    return this.request(
      'GET',
      `/load-points/${enc(loadPointId)}/distribution${qs({ figure, points })}`,
      DistributionSchema,
    );
  }
  getSamplesPage(loadPointId: string, page: { limit?: number; offset?: number } = {}) {
    return this.request('GET', `/load-points/${enc(loadPointId)}/samples/page${qs(page)}`, SamplesPageSchema);
  }
  /** Items are `runId` (every variant) or `runId:variantId`; all or none must name a variant. */
  compare(items: readonly string[], points?: number) {
    return this.request('GET', `/compare${qs({ runs: items.join(','), points })}`, CompareResultSchema);
  }

  // Accuracy evals (issue 11): summaries per variant × task, item records, paired comparison, re-score
  /** A run's eval summaries (latest score version unless `scoreVersion`). */
  getRunEvals(runId: string, query: { scoreVersion?: number } = {}) {
    return this.request('GET', `/runs/${enc(runId)}/evals${qs(query)}`, RunEvalsSchema);
  }
  /** A page of a run's item records, filtered by task, variant label and status. */
  getEvalItems(runId: string, query: Partial<EvalItemsQuery> = {}) {
    return this.request('GET', `/runs/${enc(runId)}/evals/items${qs(query)}`, EvalItemPageSchema);
  }
  /** Paired comparison of `a` (baseline) and `b` (candidate), each `{ runId, variantLabel }`. */
  compareEvals(
    a: { runId: string; variantLabel: string },
    b: { runId: string; variantLabel: string },
    opts: { task?: string; alpha?: number } = {},
  ) {
    return this.request(
      'GET',
      `/evals/compare${qs({ a: `${a.runId}:${a.variantLabel}`, b: `${b.runId}:${b.variantLabel}`, ...opts })}`,
      EvalComparisonSchema,
    );
  }
  /** Score a run's stored responses again (optionally with changed scoring); no request reaches the target. */
  rescoreEvals(runId: string, body: EvalRescoreRequestInput = {}) {
    return this.request('POST', `/runs/${enc(runId)}/evals/rescore`, EvalRescoreResultSchema, body);
  }

  // Accounts (issue 12): who am I, users, API tokens, agent credentials, audit log
  me() {
    return this.request('GET', '/me', MeSchema);
  }
  listUsers() {
    return this.request('GET', '/users', UserListSchema);
  }
  createUser(body: CreateUserRequest) {
    return this.request('POST', '/users', CreatedUserSchema, body);
  }
  updateUser(id: string, body: UpdateUserRequest) {
    return this.request('PATCH', `/users/${enc(id)}`, UserSchema, body);
  }
  listTokens() {
    return this.request('GET', '/tokens', ApiTokenListSchema);
  }
  /** The token itself is in this answer only. */
  createToken(body: CreateApiTokenRequest) {
    return this.request('POST', '/tokens', CreatedApiTokenSchema, body);
  }
  revokeToken(id: string) {
    return this.request('DELETE', `/tokens/${enc(id)}`, ApiTokenSchema);
  }
  listAgentCredentials() {
    return this.request('GET', '/agent-credentials', AgentCredentialListSchema);
  }
  /** `token` (the agent's AGENT_TOKEN) is in this answer only. */
  createAgentCredential(body: CreateAgentCredentialRequest) {
    return this.request('POST', '/agent-credentials', CreatedAgentCredentialSchema, body);
  }
  revokeAgentCredential(id: string) {
    return this.request('DELETE', `/agent-credentials/${enc(id)}`, AgentCredentialSchema);
  }
  getExperimentAudit(experimentId: string, limit?: number) {
    return this.request('GET', `/experiments/${enc(experimentId)}/audit${qs({ limit })}`, AuditListSchema);
  }

  // Agents
  listAgents() {
    return this.request('GET', '/agents', AgentListSchema);
  }

  // Interop: imports of other tools' result files, exports (vLLM JSON, CSV), k6 scripts
  /** Import another tool's result file as a completed run (400 names the tool and the bad field). */
  importFile(body: CreateImportRequest) {
    return this.request('POST', '/imports', RunSchema, body);
  }
  /** The original file of an imported run, byte for byte. */
  downloadImportFile(runId: string) {
    return this.download(`/runs/${enc(runId)}/import-file`);
  }
  /** A run as vLLM result JSON (JSON lines for several points) or a CSV of summaries. */
  exportRun(runId: string, query: { format: RunExportFormat; point?: number }) {
    return this.download(`/runs/${enc(runId)}/export${qs(query)}`);
  }
  /** The experiment's plan, variants and SLO as a k6 script. */
  k6Script(experimentId: string) {
    return this.download(`/experiments/${enc(experimentId)}/k6-script`);
  }
  /** URL of an imported run's original file (for links). */
  importFileUrl(runId: string): string {
    return `${this.baseUrl}/runs/${enc(runId)}/import-file`;
  }

  /** GET a file: its bytes, media type and the file name of its content-disposition; errors as ApiError. */
  async download(path: string): Promise<{ bytes: Uint8Array; contentType: string; fileName: string | null }> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, { headers: { ...this.opts.headers } });
    } catch (err) {
      throw new ApiError(0, 'NETWORK', `cannot reach the API at ${this.baseUrl}: ${(err as Error).message}`);
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (!res.ok) {
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        json = undefined;
      }
      const env = ErrorEnvelopeSchema.safeParse(json);
      if (env.success)
        throw new ApiError(res.status, env.data.error.code, env.data.error.message, env.data.error.details);
      throw new ApiError(res.status, 'BAD_RESPONSE', `GET ${path} answered ${res.status}`);
    }
    const cd = res.headers.get('content-disposition') ?? '';
    const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
    const plain = /filename="([^"]*)"/i.exec(cd);
    return {
      bytes,
      contentType: res.headers.get('content-type') ?? 'application/octet-stream',
      fileName: star ? decodeURIComponent(star[1]!) : (plain?.[1] ?? null),
    };
  }

  /** URL of a load point's raw samples download (`jsonl` or `csv`). */
  samplesUrl(loadPointId: string, format: 'jsonl' | 'csv' = 'jsonl'): string {
    return `${this.baseUrl}/load-points/${enc(loadPointId)}/samples?format=${format}`;
  }

  /**
   * Follow a run's live events (`GET /runs/:id/events`, SSE) until `signal` aborts or the run ends (the server ends the
   * stream after a terminal `run.status`). Unknown event types are skipped. The SSE id of every event is remembered;
   * when the connection drops (network error, API restart, or the stream ends before the run did), it reconnects with
   * `Last-Event-ID`, and the API replays exactly what was missed. Reconnects back off from `retryDelayMs` and give up
   * after `maxRetries` consecutive failures (an event received resets the count), rejecting with `ApiError` 'NETWORK'.
   * The first connection is not retried (a caller without a stream falls back to polling), nor is a 4xx answer.
   */
  async followRun(
    runId: string,
    onEvent: (e: RunStreamEvent) => void,
    signal?: AbortSignal,
    opts: FollowRunOptions = {},
  ): Promise<void> {
    const maxRetries = opts.maxRetries ?? 5;
    const retryDelayMs = opts.retryDelayMs ?? 250;
    let lastEventId = opts.lastEventId;
    let failures = 0;
    let lastError = '';
    let connected = false;
    while (!signal?.aborted) {
      let ended = false;
      try {
        ended = await this.followOnce(runId, lastEventId, signal, (id, e) => {
          connected = true;
          failures = 0;
          if (id !== undefined) {
            lastEventId = id;
            opts.onEventId?.(id);
          }
          if (e) onEvent(e);
        });
        if (ended || signal?.aborted) return;
        lastError = 'the stream ended before the run did';
      } catch (err) {
        if (signal?.aborted) return;
        // no stream at all (never connected: the caller falls back to polling) or an unknown run: no retry
        if (!connected || (err instanceof ApiError && err.status >= 400 && err.status < 500)) throw err;
        lastError = (err as Error).message;
      }
      if (++failures > maxRetries) {
        throw new ApiError(
          0,
          'NETWORK',
          `lost the event stream of run ${runId} (${lastError}); gave up after ${maxRetries} reconnects`,
        );
      }
      await sleep(Math.min(retryDelayMs * 2 ** (failures - 1), 10_000), signal);
    }
  }

  /**
   * One SSE connection. Calls `onItem(id, event)` for every event block (`id` when the block set one; `event` when its
   * data is a valid RunStreamEvent). Resolves true once a terminal `run.status` was delivered, false when the stream
   * ended (or was aborted) before; rejects on a transport error.
   */
  private async followOnce(
    runId: string,
    lastEventId: string | undefined,
    signal: AbortSignal | undefined,
    onItem: (id: string | undefined, e: RunStreamEvent | undefined) => void,
  ): Promise<boolean> {
    const res = await this.fetchImpl(`${this.baseUrl}/runs/${enc(runId)}/events`, {
      headers: {
        accept: 'text/event-stream',
        ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
        ...this.opts.headers,
      },
      signal,
    });
    if (!res.ok || !res.body)
      throw new ApiError(res.status, 'BAD_RESPONSE', `cannot follow run ${runId}: ${res.status}`);
    const reader = res.body.getReader();
    // Cancel the reader on abort: an abort raised from inside onEvent must end the loop at once.
    const onAbort = () => void reader.cancel().catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    const decoder = new TextDecoder();
    let buf = '';
    let ended = false;
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
          let id: string | undefined;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
            // an id with NUL is ignored (SSE spec)
            else if (line.startsWith('id:') && !line.includes('\0')) id = line.slice(3).replace(/^ /, '');
          }
          let event: RunStreamEvent | undefined;
          if (data.length) {
            try {
              const parsed = RunStreamEventSchema.safeParse(JSON.parse(data.join('\n')));
              if (parsed.success) event = parsed.data;
            } catch {
              // a malformed event is skipped; the next status poll corrects any gap
            }
          }
          if (id === undefined && event === undefined) continue;
          onItem(id, event);
          if (event?.type === 'run.status' && isTerminalRunStatus(event.status)) ended = true;
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await reader.cancel().catch(() => undefined);
    }
    return ended;
  }
}

/** Options of {@link ApiClient.followRun}. */
export interface FollowRunOptions {
  /** resume after this SSE id (one a previous follow reported through `onEventId`) */
  lastEventId?: string;
  /** consecutive failed reconnects before giving up (default 5) */
  maxRetries?: number;
  /** first reconnect delay, ms; doubles per consecutive failure, capped at 10 s (default 250) */
  retryDelayMs?: number;
  /** called with each event's SSE id, e.g. to persist the position */
  onEventId?: (id: string) => void;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
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

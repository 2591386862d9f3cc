import {
  evalBatchJobId,
  EvalJobSchema,
  type ErrorClass,
  type EvalFinishedEvent,
  type EvalItem,
  type EvalJob,
  type EvalRecordWire,
  type EvalTaskOutcome,
  type EvalTaskSpec,
  type RequestSample,
} from '@inferbench/contracts';
import {
  datasetHash,
  EvalCapabilityError,
  loadDataset,
  PreparedTask,
  responseCacheKey,
  runTask,
  type BuiltPrompt,
  type EvalItemRecord,
  type EvalRequest,
  type ModelCall,
} from '@inferbench/evals';
import { endpointUrl, JsonClient, type JsonResponse } from '@inferbench/loadgen';
import { LoadPointAccumulator } from '@inferbench/metrics';
import type { Logger } from '../common/logger.js';
import type { CancelRegistry } from './cancel-registry.js';
import { MalformedJobError, type SendEvent } from './load-point-processor.js';

export interface EvalProcessorDeps {
  agentId: string;
  send: SendEvent;
  cancels: CancelRegistry;
  isRunCancelled(runId: string): Promise<boolean>;
  logger: Logger;
  /** the HTTP client for one job (tests may count or script requests); default: undici JsonClient */
  createClient?(job: EvalJob): Pick<JsonClient, 'post' | 'close'>;
  /** dataset files of non-built-in sources are resolved against this folder (default: the working directory) */
  datasetDir?: string;
  /**
   * The target's API key for a job whose target has one (`target.apiKeyFromApi`): `GET /agents/load-points/:id/secret`
   * with the work item's id (an eval work item is a load-point row). Null: the target has no key any more.
   */
  fetchApiKey?(workItemId: string): Promise<string | null>;
  /** called when a job starts (true) and ends (false): heartbeat busy/idle */
  onJobState?(job: EvalJob, running: boolean): void;
  nowEpochMs?: () => number;
  /** partial-batch flush and progress period, ms (default 1000) */
  flushIntervalMs?: number;
}

export interface EvalJobResult {
  status: EvalFinishedEvent['status'];
  batchCount: number;
  records: number;
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

function errorClassOf(r: JsonResponse): ErrorClass | undefined {
  switch (r.errorClass) {
    case undefined:
      return undefined;
    case 'http':
    case 'timeout':
    case 'connect':
      return r.errorClass;
    case 'protocol':
      return 'malformed_stream';
    default:
      return 'connect';
  }
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;

/** The compact wire form of a scored item (raw samples kept for re-scoring). */
export function toWireRecord(
  rec: EvalItemRecord,
  extra: Pick<EvalRecordWire, 'prompt' | 'cacheKey' | 'key'>,
): EvalRecordWire {
  return {
    taskId: rec.taskId,
    itemId: rec.itemId,
    templateHash: rec.templateHash,
    promptHash: rec.promptHash,
    ...(extra.prompt !== undefined ? { prompt: extra.prompt } : {}),
    reference: rec.reference,
    references: rec.references,
    response: rec.response,
    extracted: rec.extracted,
    parseStatus: rec.parseStatus,
    correct: rec.correct,
    score: rec.score,
    scores: rec.scores,
    samples: rec.samples.map((s) => ({
      repeat: s.repeat,
      rotation: s.rotation,
      content: s.content,
      reasoning: s.reasoning,
      ...(s.letterLogprobs ? { letterLogprobs: s.letterLogprobs } : {}),
      ...(s.optionLogprobs ? { optionLogprobs: s.optionLogprobs } : {}),
      ...(s.judgeReply !== undefined ? { judgeReply: s.judgeReply } : {}),
      ...(s.inputTokens !== undefined ? { inputTokens: s.inputTokens } : {}),
      ...(s.outputTokens !== undefined ? { outputTokens: s.outputTokens } : {}),
      ...(s.reasoningTokens !== undefined ? { reasoningTokens: s.reasoningTokens } : {}),
      ...(s.latencyMs !== undefined ? { latencyMs: s.latencyMs } : {}),
      ...(s.error !== undefined ? { error: s.error } : {}),
      ...(s.cached ? { cached: true } : {}),
    })),
    tokens: rec.tokens,
    latencyMs: rec.latency.totalMs,
    ...(rec.error !== undefined ? { error: rec.error } : {}),
    ...(extra.cacheKey !== undefined ? { cacheKey: extra.cacheKey } : {}),
    ...(extra.key !== undefined ? { key: extra.key } : {}),
  };
}

/**
 * Runs one `eval.execute` job: every task of the job's suite against the target (`runTask` of `@inferbench/evals`
 * over an undici `ModelCall`), sending scored records in batches on the ingest queue (idempotent by work item,
 * attempt and batch index), progress every second, and one `eval.finished` with each task's outcome. A capability
 * probe that fails ("likelihood scoring unsupported: …") ends that task with that error; the other tasks still
 * run. Every request also goes into a `LoadPointAccumulator` (E2E, tokens, errors by class), sent with the end.
 */
export class EvalProcessor {
  constructor(private readonly deps: EvalProcessorDeps) {}

  async process(data: unknown): Promise<EvalJobResult> {
    const parsed = EvalJobSchema.safeParse(data);
    if (!parsed.success) throw new MalformedJobError(`malformed eval job: ${parsed.error.message}`);
    let job = parsed.data;
    const { send, logger } = this.deps;
    const now = this.deps.nowEpochMs ?? Date.now;
    const base = {
      v: 1 as const,
      runId: job.runId,
      workItemId: job.workItemId,
      agentId: this.deps.agentId,
      attempt: job.attempt,
    };
    const log = logger.child({ runId: job.runId, workItemId: job.workItemId });
    if (await this.deps.isRunCancelled(job.runId)) {
      await send(
        { ...base, ts: now(), type: 'eval.finished', status: 'cancelled', batchCount: 0, tasks: [] },
        undefined,
      );
      return { status: 'cancelled', batchCount: 0, records: 0 };
    }
    if (job.target.apiKeyFromApi && job.target.apiKey === undefined) {
      // the key never travels in Redis: fetched for this job, held in memory only, never logged
      try {
        if (!this.deps.fetchApiKey)
          throw new Error('this agent has no API connection (set INFERBENCH_API_URL and AGENT_TOKEN)');
        const apiKey = await this.deps.fetchApiKey(job.workItemId);
        if (apiKey !== null) job = { ...job, target: { ...job.target, apiKey } };
      } catch (err) {
        const reason = `cannot get the target's API key from the API: ${(err as Error).message}`.slice(
          0,
          2000,
        );
        log.error('target API key unavailable; eval failed', { reason });
        await send({
          ...base,
          ts: now(),
          type: 'eval.finished',
          status: 'failed',
          batchCount: 0,
          tasks: [],
          reason,
        });
        return { status: 'failed', batchCount: 0, records: 0 };
      }
    }
    const ctl = new AbortController();
    const unregister = this.deps.cancels.register(job.runId, ctl);
    this.deps.onJobState?.(job, true);
    const perItemRequests = Math.max(
      1,
      ...job.suite.tasks.map((t) => (t.scoring.mode === 'loglikelihood' ? 4 : 1)),
    );
    const client =
      this.deps.createClient?.(job) ??
      new JsonClient({
        maxConnections: Math.min(4096, job.concurrency * perItemRequests),
        timeoutMs: job.requestTimeoutMs,
        ...(job.target.connection ? { connection: job.target.connection } : {}),
      });
    const headers: Record<string, string> = { ...job.target.headers };
    if (job.target.apiKey) headers.authorization = `Bearer ${job.target.apiKey}`;
    const urls = {
      chat: endpointUrl(job.target.baseUrl, 'chat').href,
      completions: endpointUrl(job.target.baseUrl, 'completions').href,
    };
    const acc = new LoadPointAccumulator();
    const startUs = nowUs();
    let reqIdx = 0;
    const bodyOf = (req: EvalRequest): Record<string, unknown> => {
      const body: Record<string, unknown> = { ...job.params.extra, ...req.body };
      // temperature 0 comes from the task's generation settings; a seed by default
      if (req.purpose === 'generate' && body.seed === undefined) body.seed = job.seed;
      return body;
    };
    const call: ModelCall = async (req) => {
      const res = await client.post(urls[req.endpoint], bodyOf(req), headers);
      const usage = (res.body as { usage?: Record<string, unknown> } | null)?.usage;
      const input = num(usage?.prompt_tokens);
      const output = num(usage?.completion_tokens);
      const errorClass = errorClassOf(res);
      const sample: RequestSample = {
        idx: reqIdx++,
        warmup: false,
        sentUs: res.sentUs - startUs,
        endUs: Math.max(res.sentUs, res.endUs) - startUs,
        chunkGapsUs: [],
        inputTokens: input ?? 0,
        outputTokens: output ?? 0,
        reasoningTokens: 0,
        tokenSource: input !== undefined || output !== undefined ? 'server' : 'none',
        httpStatus: res.status,
        ...(errorClass ? { errorClass, errorMessage: (res.error ?? '').slice(0, 2000) } : {}),
        ...(res.retried ? { connectionRetries: 1 } : {}),
      };
      acc.add(sample);
      return {
        status: res.status,
        body: res.body,
        latencyMs: res.latencyMs,
        ...(res.error !== undefined && res.status !== 200 ? { error: res.error } : {}),
      };
    };

    let batchIndex = 0;
    let pending: EvalRecordWire[] = [];
    let recorded = 0;
    let errors = 0;
    const sends: Promise<void>[] = [];
    const flush = (): void => {
      if (pending.length === 0) return;
      const records = pending;
      pending = [];
      const idx = batchIndex++;
      sends.push(
        send(
          { ...base, ts: now(), type: 'eval.records', batchIndex: idx, records },
          evalBatchJobId(job.workItemId, job.attempt, idx),
        ),
      );
    };
    const outcomes: EvalTaskOutcome[] = [];
    let total = 0;
    let done = 0;
    let currentTask = job.suite.tasks[0]?.id ?? '';
    const started = Date.now();
    const progress = (): void => {
      sends.push(
        send({
          ...base,
          ts: now(),
          type: 'eval.progress',
          taskId: currentTask,
          done,
          total,
          errors,
          tasksDone: outcomes.length,
          tasksTotal: job.suite.tasks.length,
          elapsedSec: (Date.now() - started) / 1000,
        }),
      );
    };
    const timer = setInterval(() => {
      flush();
      progress();
    }, this.deps.flushIntervalMs ?? 1000);
    await send({ ...base, ts: now(), type: 'eval.started' });

    let status: EvalFinishedEvent['status'] = 'completed';
    let reason: string | undefined;
    try {
      // load every dataset first so `total` is known for progress
      const loaded: Array<{
        spec: EvalTaskSpec;
        data?: Awaited<ReturnType<typeof loadDataset>>;
        err?: string;
      }> = [];
      for (const spec of job.suite.tasks) {
        try {
          const data = await loadDataset(spec.dataset, this.deps.datasetDir);
          total += data.items.length;
          loaded.push({ spec, data });
        } catch (err) {
          loaded.push({ spec, err: `dataset ${spec.dataset.source}: ${(err as Error).message}` });
        }
      }
      for (const { spec, data, err } of loaded) {
        currentTask = spec.id;
        if (ctl.signal.aborted) {
          outcomes.push({
            taskId: spec.id,
            status: 'cancelled',
            items: data?.items.length ?? 0,
            recorded: 0,
            versionHash: '',
          });
          continue;
        }
        if (!data) {
          outcomes.push({
            taskId: spec.id,
            status: 'failed',
            error: err!,
            items: 0,
            recorded: 0,
            versionHash: '',
          });
          continue;
        }
        let task: PreparedTask;
        try {
          task = new PreparedTask(spec, data.train);
        } catch (e) {
          outcomes.push({
            taskId: spec.id,
            status: 'failed',
            error: (e as Error).message,
            items: data.items.length,
            recorded: 0,
            versionHash: '',
          });
          continue;
        }
        const byId = new Map(data.items.map((it) => [it.id, it]));
        // the record's prompt and cache key need the rendered prompt the runner already built: keep rotation 0's
        // (rendering a Liquid template is the costliest step per item)
        const rendered = new WeakMap<EvalItem, BuiltPrompt>();
        const build = task.buildPrompt.bind(task);
        task.buildPrompt = (variant, original = variant.item) => {
          if (variant.rotation !== 0) return build(variant, original);
          let p = rendered.get(original);
          if (!p) rendered.set(original, (p = build(variant, original)));
          return p;
        };
        let taskRecorded = 0;
        try {
          await runTask(task, data.items, call, {
            model: job.target.model,
            concurrency: job.concurrency,
            signal: ctl.signal,
            onRecord: (rec) => {
              const item = byId.get(rec.itemId)!;
              const variant = task.variants(item)[0]!;
              const prompt = task.buildPrompt(variant, item);
              const first = task.buildRequests(prompt, variant, job.target.model, 0)[0];
              pending.push(
                toWireRecord(rec, {
                  ...(job.storePrompts
                    ? { prompt: prompt.format === 'chat' ? prompt.messages : prompt.prompt }
                    : {}),
                  ...(first
                    ? { cacheKey: responseCacheKey(job.targetKey, job.target.model, bodyOf(first)) }
                    : {}),
                  key: {
                    ...(item.choices ? { choices: item.choices } : {}),
                    ...(item.answerIndex !== undefined ? { answerIndex: item.answerIndex } : {}),
                    ...(item.answer !== undefined ? { answer: item.answer } : {}),
                    ...(item.references ? { references: item.references } : {}),
                  },
                }),
              );
              taskRecorded++;
              recorded++;
              done++;
              if (rec.error) errors++;
              if (pending.length >= job.batchSize) flush();
            },
          });
          outcomes.push({
            taskId: spec.id,
            status: ctl.signal.aborted ? 'cancelled' : 'completed',
            items: data.items.length,
            recorded: taskRecorded,
            versionHash: task.versionHash,
            datasetHash: datasetHash(data.items),
          });
        } catch (e) {
          const message =
            e instanceof EvalCapabilityError ? e.message : `task ${spec.id} failed: ${(e as Error).message}`;
          log.warn('eval task failed', { taskId: spec.id, err: message });
          // items of a task that never started count as done for progress
          done += data.items.length - taskRecorded;
          outcomes.push({
            taskId: spec.id,
            status: 'failed',
            error: message,
            items: data.items.length,
            recorded: taskRecorded,
            versionHash: task.versionHash,
          });
        }
      }
      if (ctl.signal.aborted) status = 'cancelled';
    } catch (err) {
      status = 'failed';
      reason = (err as Error).message;
      log.error('eval job failed', { err: reason });
    } finally {
      clearInterval(timer);
      unregister();
      await client.close().catch(() => undefined);
    }
    flush();
    progress();
    await Promise.all(sends);
    await send({
      ...base,
      ts: now(),
      type: 'eval.finished',
      status,
      batchCount: batchIndex,
      tasks: outcomes,
      ...(reason !== undefined ? { reason } : {}),
      accumulator: acc.encode(),
    });
    this.deps.onJobState?.(job, false);
    return { status, batchCount: batchIndex, records: recorded };
  }
}

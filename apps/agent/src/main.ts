/**
 * Composition root of the agent (STYLE.md D): the only file that reads configuration and constructs
 * adapters (Redis connections, BullMQ queue and worker, HTTP client, clock, tokenizer). Run it with
 * `tsx src/main.ts`; tests call {@link startAgent} in-process with their own config.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  agentKey,
  cancelChannel,
  cancelKey,
  QUEUES,
  type AgentInfo,
  type LoadPointJob,
} from '@inferbench/contracts';
import {
  createTokenizer,
  OpenAiCompatibleClient,
  parseTokenizerSetting,
  resolveTargetTokenizer,
  runLoadPoint,
  runLoadPointParallel,
  SystemClock,
  type Tokenizer,
} from '@inferbench/loadgen';
import { startMetricsListener, type MetricsListener } from '@inferbench/telemetry';
import { createLogger, type Logger } from './common/logger.js';
import { loadConfig, type AgentConfig } from './config.js';
import { createAgentSigner, fetchTargetApiKey } from './auth/agent-credential.js';
import { Heartbeat } from './heartbeat/heartbeat.js';
import { collectHostFacts, listGpus } from './host/host-facts.js';
import { IngestSink, type IngestQueue } from './ingest/ingest-sink.js';
import { AgentMetrics } from './metrics/agent-metrics.js';
import { createPointTelemetryStarter, type PointTelemetryDeps } from './telemetry/point-telemetry.js';
import { CancelRegistry } from './worker/cancel-registry.js';
import { LoadPointProcessor, type RunLoadPointFn } from './worker/load-point-processor.js';
import { createLoadQueueProcessor } from './worker/load-queue-consumer.js';
import { EvalProcessor, type EvalProcessorDeps } from './worker/eval-processor.js';
import { createEvalQueueProcessor } from './worker/eval-queue-consumer.js';
import { waitForCommonStart } from './worker/start-sync.js';

const AGENT_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;

/** Upper bound on HTTP connections for an open-loop level without `maxConcurrency`. */
const OPEN_LOOP_MAX_CONNECTIONS = 1024;

/** Optional overrides for tests and embedding. */
export interface StartAgentDeps {
  logger?: Logger;
  /** the load engine (default: loadgen's runLoadPoint) */
  runLoadPoint?: RunLoadPointFn;
  /** GPU listing (default: `nvidia-smi -L`) */
  listGpus?: () => Promise<string[]>;
  /** heartbeat period, ms (default AGENT_TTL_SEC/5 s) */
  heartbeatIntervalMs?: number;
  /** how long `stop()` waits for unsent events before giving up on them, ms (default 30 s) */
  drainTimeoutMs?: number;
  /** telemetry constructors (default: `@inferbench/telemetry`'s scraper and nvidia-smi/DCGM sampler) */
  telemetry?: PointTelemetryDeps;
  /** the HTTP client of an eval job (default: undici `JsonClient`); tests count requests with it */
  createEvalClient?: EvalProcessorDeps['createClient'];
}

/** A running agent. */
export interface RunningAgent {
  id: string;
  /** the agent's own Prometheus metrics (`AGENT_METRICS_PORT`); undefined when off or the port was taken */
  metricsUrl?: string;
  /** Graceful stop: take no more jobs, abort running points, flush events, remove the agent key. */
  stop(): Promise<void>;
}

/**
 * HTTP connections for a job: one per possible in-flight stream of its level (a streaming response holds
 * its connection for its whole life). Open-loop levels without a cap get OPEN_LOOP_MAX_CONNECTIONS.
 */
export function maxConnectionsFor(job: Pick<LoadPointJob, 'load'>): number {
  const load = job.load;
  switch (load.kind) {
    case 'concurrency':
      return load.concurrency;
    case 'stages':
      if (load.mode === 'concurrency') {
        return Math.max(1, Math.ceil(Math.max(load.startTarget ?? 1, ...load.stages.map((s) => s.target))));
      }
      return load.maxConcurrency ?? OPEN_LOOP_MAX_CONNECTIONS;
    case 'rate':
    case 'trace':
      return load.maxConcurrency ?? OPEN_LOOP_MAX_CONNECTIONS;
  }
}

/** Start an agent: heartbeat, cancel subscription, BullMQ worker on `load.<pool>`. */
export async function startAgent(config: AgentConfig, deps: StartAgentDeps = {}): Promise<RunningAgent> {
  const { prefix, url } = config.redis;
  const agentId = config.agent.id;
  const logger = (deps.logger ?? createLogger(config.logLevel)).child({ agentId, pool: config.agent.pool });

  // BullMQ wants maxRetriesPerRequest null on connections it blocks on; with it, commands issued while
  // Redis is down wait in ioredis' offline queue and run after the reconnect instead of failing.
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
  const subscriber = new Redis(url, { maxRetriesPerRequest: null });
  const queueConn = new Redis(url, { maxRetriesPerRequest: null });
  const workerConn = new Redis(url, { maxRetriesPerRequest: null });
  for (const [name, conn] of [
    ['redis', redis],
    ['subscriber', subscriber],
    ['queue', queueConn],
    ['worker', workerConn],
  ] as const) {
    // ioredis emits 'error' on every failed reconnect; without a listener Node would crash the process
    conn.on('error', (err: Error) =>
      logger.debug('redis connection error', { conn: name, err: err.message }),
    );
  }

  const facts = await collectHostFacts(deps.listGpus ?? listGpus);
  const startedAt = Date.now();
  const running = new Map<string, NonNullable<AgentInfo['currentJob']>>();
  const snapshot = (): AgentInfo => {
    const current = running.values().next();
    return {
      id: agentId,
      pool: config.agent.pool,
      host: facts.host,
      version: AGENT_VERSION,
      capabilities: {
        cpus: facts.cpus,
        memoryMb: facts.memoryMb,
        gpus: facts.gpus,
        labels: config.agent.labels,
      },
      state: running.size > 0 ? 'busy' : 'idle',
      currentJob: current.done ? null : current.value,
      startedAt,
      heartbeatAt: Date.now(),
    };
  };
  // with a credential, everything written to Redis for the API is signed (the API ignores unsigned agents)
  const signer = config.credential ? createAgentSigner(config.credential) : undefined;
  if (!signer) logger.warn('AGENT_TOKEN is not set: the API will ignore this agent and drop what it sends');
  const heartbeat = new Heartbeat(redis, {
    key: agentKey(prefix, agentId),
    snapshot,
    ...(signer ? { sign: (info: AgentInfo) => signer.sign(info) } : {}),
    logger,
    ...(deps.heartbeatIntervalMs === undefined ? {} : { intervalMs: deps.heartbeatIntervalMs }),
  });

  const ingestQueue = new Queue(QUEUES.ingest.name(), { connection: queueConn, prefix });
  ingestQueue.on('error', (err: Error) => logger.debug('ingest queue error', { err: err.message }));
  const rawIngest = ingestQueue as unknown as IngestQueue;
  const signedIngest: IngestQueue = signer
    ? { add: (name, data, opts) => rawIngest.add(name, signer.sign(data), opts) }
    : rawIngest;
  const sink = new IngestSink(signedIngest, { logger, encoding: config.ingestEncoding });
  const metrics = new AgentMetrics({
    enabled: config.metrics.enabled,
    agentId,
    pool: config.agent.pool,
    pendingEvents: () => sink.pendingCount,
  });

  const cancels = new CancelRegistry();
  subscriber.on('message', (channel: string, message: string) => {
    if (channel !== cancelChannel(prefix)) return;
    const r = cancels.handleMessage(message);
    if (r && r.aborted > 0) logger.info('cancel received; aborting load points', r);
  });
  await subscriber.subscribe(cancelChannel(prefix));

  const clock = new SystemClock();
  // AGENT_WORKERS: a load point runs over this many worker threads (1: in this thread, as before)
  const workers = config.agent.workers ?? 1;
  // `whitespace` (tests) is one agent-wide tokenizer; every other setting is resolved per target and model
  // (`auto`: the server's own tokenize endpoint), once, cached, before the point's load starts.
  const perTarget = config.tokenizer !== 'whitespace';
  const defaultSetting = perTarget ? parseTokenizerSetting(config.tokenizer) : undefined;
  let tokenizer: Promise<Tokenizer> | undefined;
  const processor = new LoadPointProcessor({
    agentId,
    send: (event, jobId) => metrics.trackSend(event, sink.send(event, jobId)),
    cancels,
    isRunCancelled: async (runId) => (await redis.exists(cancelKey(prefix, runId))) > 0,
    runLoadPoint:
      deps.runLoadPoint ??
      (workers > 1
        ? (input, d) =>
            runLoadPointParallel(input, d, {
              workers,
              client: {
                maxConnections: (level) => maxConnectionsFor({ load: level }),
                timeouts: config.timeouts,
              },
            })
        : runLoadPoint),
    // with worker threads, each worker accumulates its own samples and the parts are merged exactly
    engineAccumulates: !deps.runLoadPoint && workers > 1,
    createClient: (job) =>
      new OpenAiCompatibleClient({
        clock,
        maxConnections: maxConnectionsFor(job),
        timeouts: config.timeouts,
      }),
    getTokenizer: () => (tokenizer ??= Promise.resolve(createTokenizer(config.tokenizer))),
    resolveTokenizer: async (job) => {
      const setting = job.target.tokenizer ?? defaultSetting;
      if (setting === undefined) return undefined;
      return resolveTargetTokenizer(
        { ...job.target, tokenizer: setting },
        config.tokenizerDir ? { tokenizerDir: config.tokenizerDir } : {},
      );
    },
    clock,
    startTelemetry: createPointTelemetryStarter(config.telemetry, deps.telemetry),
    ...(config.apiUrl && config.credential
      ? {
          fetchApiKey: (job: LoadPointJob) =>
            fetchTargetApiKey(config.apiUrl!, config.credential!.token, job.loadPointId),
        }
      : {}),
    observePoint: () => metrics.observePoint(),
    waitForStart: (sync, shardIndex, signal) =>
      waitForCommonStart(redis, sync, shardIndex, signal, { prefix }),
    onJobState: (job, isRunning) => {
      const key = `${job.loadPointId}/${job.shard.index}`;
      if (isRunning) {
        running.set(key, {
          runId: job.runId,
          loadPointId: job.loadPointId,
          shardIndex: job.shard.index,
          attempt: job.attempt ?? 0,
        });
      } else {
        running.delete(key);
      }
      void heartbeat.beat();
    },
    logger,
  });

  await heartbeat.start();

  const worker = new Worker(
    QUEUES.load.name(config.agent.pool),
    createLoadQueueProcessor({ 'loadpoint.execute': (data) => processor.process(data) }),
    {
      connection: workerConn,
      prefix,
      concurrency: config.agent.jobConcurrency,
      autorun: true,
      // a job whose agent died must not be re-run under the same attempt (its samples would mix with the dead
      // run's): BullMQ fails it instead, and the API re-enqueues the shard as attempt + 1 (onAgentLoss)
      maxStalledCount: 0,
    },
  );
  worker.on('error', (err: Error) => logger.warn('worker error', { err: err.message }));
  worker.on('failed', (job, err) => logger.warn('job failed', { jobId: job?.id, err: err.message }));

  // accuracy evals: their own queue and worker, so an eval can run alongside a load point (same target, same time)
  const evalProcessor = new EvalProcessor({
    agentId,
    send: (event, jobId) => sink.send(event, jobId),
    cancels,
    isRunCancelled: async (runId) => (await redis.exists(cancelKey(prefix, runId))) > 0,
    logger,
    ...(deps.createEvalClient ? { createClient: deps.createEvalClient } : {}),
    ...(config.apiUrl && config.credential
      ? {
          fetchApiKey: (workItemId: string) =>
            fetchTargetApiKey(config.apiUrl!, config.credential!.token, workItemId),
        }
      : {}),
  });
  const evalWorkerConn = new Redis(url, { maxRetriesPerRequest: null });
  evalWorkerConn.on('error', (err: Error) =>
    logger.debug('redis connection error', { conn: 'eval-worker', err: err.message }),
  );
  const evalWorker = new Worker(
    QUEUES.eval.name(config.agent.pool),
    createEvalQueueProcessor({ 'eval.execute': (data) => evalProcessor.process(data) }),
    { connection: evalWorkerConn, prefix, concurrency: 1, autorun: true, maxStalledCount: 0 },
  );
  evalWorker.on('error', (err: Error) => logger.warn('eval worker error', { err: err.message }));
  evalWorker.on('failed', (job, err) => logger.warn('eval job failed', { jobId: job?.id, err: err.message }));
  const metricsListener = await startAgentMetricsListener(metrics, config, logger);
  logger.info('agent started', {
    queue: QUEUES.load.name(config.agent.pool),
    prefix,
    gpus: facts.gpus.length,
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      logger.info('agent stopping');
      // close() stops fetching jobs and waits for active ones; aborting them makes that wait short
      const closed = Promise.all([worker.close(), evalWorker.close()]);
      cancels.abortAll();
      await closed;
      const drained = await sink.drain(deps.drainTimeoutMs ?? 30_000);
      if (!drained) logger.error('ingest events still unsent at shutdown', { unsent: sink.pendingCount });
      sink.close();
      await heartbeat.stop();
      await ingestQueue.close();
      await metricsListener?.close();
      await Promise.all(
        [redis, subscriber, queueConn, workerConn, evalWorkerConn].map((c) =>
          c.quit().catch(() => c.disconnect()),
        ),
      );
      logger.info('agent stopped');
    })());

  return { id: agentId, ...(metricsListener ? { metricsUrl: metricsListener.url } : {}), stop };
}

/**
 * Serve the agent's metrics on `AGENT_METRICS_HOST:AGENT_METRICS_PORT` (none when the port is 0 or
 * `INFERBENCH_METRICS=0`). A taken port (several agents on one host) costs the metrics, not the agent: logged.
 */
async function startAgentMetricsListener(
  metrics: AgentMetrics,
  config: AgentConfig,
  logger: Logger,
): Promise<MetricsListener | undefined> {
  if (!metrics.enabled || config.metrics.port === 0) return undefined;
  try {
    const listener = await startMetricsListener({
      host: config.metrics.host,
      port: config.metrics.port,
      render: () => metrics.render(),
      onRenderError: (err) => logger.warn('metrics scrape failed', { err }),
    });
    logger.info('metrics listener started', { url: listener.url });
    return listener;
  } catch (err) {
    logger.warn('metrics listener could not start; the agent runs without it (set AGENT_METRICS_PORT)', {
      err: (err as Error).message,
      host: config.metrics.host,
      port: config.metrics.port,
    });
    return undefined;
  }
}

/** Process entry: parse env, start, stop on SIGTERM/SIGINT. */
async function runMain(): Promise<void> {
  const config = loadConfig();
  const agent = await startAgent(config);
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) {
      process.stderr.write(`second ${sig}: exiting without flushing\n`);
      process.exit(130);
    }
    signalled = true;
    agent.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`agent stop failed: ${(err as Error)?.stack ?? String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

const isEntrypoint = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isEntrypoint) {
  runMain().catch((err: unknown) => {
    process.stderr.write(`agent failed to start: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  });
}

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RequestSample } from '@inferbench/contracts';
import { LoadPointAccumulator } from '@inferbench/metrics';
import type { ClientTimeouts, Tokenizer } from '../../ports.js';
import { BUILTIN_TOKENIZERS } from '../../tokenizers/create-tokenizer.js';
import type { WorkItem } from '../../workloads/workload.js';
import { createErrorRateConstraint } from '../constraints/error-rate.constraint.js';
import type { PointProgress, StopDecision } from '../constraints/index.js';
import type {
  LoadPointEndStatus,
  RunLoadPointDeps,
  RunLoadPointInput,
  RunLoadPointResult,
  WorkerPartReport,
} from '../point-types.js';
import { createArrivals } from '../release/index.js';
import { preparePoint, runLoadPoint } from '../run-load-point.js';
import { SELF_CHECK_LIMITS, type SelfCheckReport } from '../self-check.js';
import { type Deal, dealtCount, dealWorker, splitForWorkers } from './deal.js';
import type { DealtRequest, FromWorker, SampleTexts, ToWorker, WorkerInit } from './protocol.js';

export { dealtCount, dealWorker, splitForWorkers, type Deal } from './deal.js';

/** Options of {@link runLoadPointParallel}. */
export interface ParallelOptions {
  /** worker threads; 1 (or a level too small to split) runs in this thread exactly like `runLoadPoint` */
  workers: number;
  /** each worker's HTTP client: connections for its part of the level, and the per-request timeouts */
  client: { maxConnections(level: RunLoadPointInput['load']): number; timeouts?: Partial<ClientTimeouts> };
  /** requests dealt ahead of a worker's sending (default 256) */
  aheadPerWorker?: number;
  /** open loop: how far ahead of the clock requests are dealt, µs (default 2 s) */
  horizonUs?: number;
  /** how often a worker posts its buffered samples, ms (default 20) */
  flushMs?: number;
  /** the common start is this long after every worker is ready, µs (default 20 ms) */
  startLeadUs?: number;
}

const SEVERITY: Record<LoadPointEndStatus, number> = { completed: 0, aborted: 1, cancelled: 2 };

/** Whether a worker thread can build this tokenizer itself (else the main thread counts output tokens). */
function workerTokenizerSpec(t: Tokenizer): string | undefined {
  return (BUILTIN_TOKENIZERS as readonly string[]).includes(t.name) || t.name.startsWith('hf:')
    ? t.name
    : undefined;
}

const hrNowUs = (): number => Number(process.hrtime.bigint()) / 1000;

/**
 * Runs one shard of one load point over N worker threads (node:worker_threads), each with its own event loop and
 * HTTP connection pool, for a load one event loop cannot drive. The split does not change the point:
 * - the main thread builds the one-thread engine's request sequence (same seed → same prompts, same arrival
 *   schedule) and deals request i to worker `dealWorker(deal, i)` (open loop: i mod N, with its send time; closed
 *   loop: in proportion to each worker's slots), a few hundred ahead of sending;
 * - request counts and `limits.maxRequests` are a global budget: the main thread deals no more than that many
 *   requests, so 4 workers send exactly what 1 would; `maxErrorRate` is judged on all workers' samples together;
 *   a cancel or a limit stops every worker (in-flight tails cut off as in one thread);
 * - every worker starts at one common start (an absolute `process.hrtime` instant, converted to each worker's
 *   performance.now clock), so sample times from all workers share one origin; lateness and skew are reported;
 * - samples come back in batches and go out through `deps.onSample` in this thread; each worker accumulates its
 *   own samples and the accumulators are merged exactly (`deps.accumulator`).
 * Multi-turn workloads (a turn needs the previous reply) run in this thread, with a warning.
 */
export async function runLoadPointParallel(
  input: RunLoadPointInput,
  deps: RunLoadPointDeps,
  opts: ParallelOptions,
): Promise<RunLoadPointResult> {
  if (opts.workers <= 1) return runLoadPoint(input, deps);
  const inProcess = async (why: string): Promise<RunLoadPointResult> => {
    const r = await runLoadPoint(input, deps);
    return { ...r, warnings: [why, ...r.warnings] };
  };
  if (input.workload.kind !== 'dataset' && input.workload.multiTurn)
    return inProcess('multi-turn sessions run in one thread (each turn needs the previous reply)');
  if (input.workload.kind === 'dataset' && input.workload.multiTurn)
    return inProcess('multi-turn sessions run in one thread (each turn needs the previous reply)');

  const prepared = await preparePoint(input, deps);
  if ('empty' in prepared) return prepared.empty;
  const split = splitForWorkers(prepared.load, opts.workers);
  if (!split) return runLoadPoint(input, deps);
  const { counts, workload, warnings } = prepared;
  const { deal } = split;

  // the budget: measured requests + count warm-up, and maxRequests (warm-up included), whichever is lower
  const W = counts.warmupRequests ?? 0;
  const planned = counts.requests !== undefined ? counts.requests + W : undefined;
  const cap = Math.min(planned ?? Infinity, counts.maxRequests ?? Infinity);
  const capByMax = counts.maxRequests !== undefined && counts.maxRequests < (planned ?? Infinity);
  const arrivals = createArrivals(prepared.load, {
    seed: prepared.seed,
    workload,
    trace: prepared.trace,
  });
  const staticEndUs =
    input.durationSec !== undefined && W === 0
      ? ((input.warmup?.durationSec ?? 0) + input.durationSec) * 1e6
      : undefined;

  // workers that would get no request at all are not started
  const active: number[] = [];
  for (let k = 0; k < deal.workers; k++)
    if (!(cap !== Infinity && dealtCount(deal, k, cap) === 0)) active.push(k);

  const tokenizerSpec = workerTokenizerSpec(deps.tokenizer);
  const ahead = opts.aheadPerWorker ?? 256;
  const horizonUs = opts.horizonUs ?? 2_000_000;
  const { shard: _shard, ...pointInput } = input;
  const workers = new Map<number, Worker>();
  const outstanding = new Array<number>(deal.workers).fill(0);
  const pending = new Array<DealtRequest[]>(deal.workers).fill([]).map(() => [] as DealtRequest[]);
  const inFlight = new Array<number>(deal.workers).fill(0);

  // ---- dealing ---------------------------------------------------------------------------------------------
  let nextI = 0;
  let peekT: number | null | undefined; // open loop: the next arrival's time, drawn before its prompt
  let exhausted = false;
  let startAtMainUs: number | undefined;
  const send = (k: number, m: ToWorker): void => workers.get(k)?.postMessage(m);
  const deal1 = (): boolean => {
    if (exhausted) return false;
    if (nextI >= cap) return endDealing();
    const k = dealWorker(deal, nextI);
    if (outstanding[k]! >= ahead) return false;
    let t: number | undefined;
    let item: WorkItem;
    if (arrivals) {
      if (peekT === undefined) peekT = arrivals.schedule.next();
      if (peekT === null || (staticEndUs !== undefined && peekT >= staticEndUs)) return endDealing();
      const nowRel = startAtMainUs === undefined ? 0 : hrNowUs() - startAtMainUs;
      if (peekT - nowRel > horizonUs && outstanding[k]! >= 16) return false;
      t = peekT;
      peekT = undefined;
      item = arrivals.nextItem();
    } else {
      item = workload.next();
    }
    const i = nextI++;
    outstanding[k]!++;
    if (workers.has(k)) pending[k]!.push(t === undefined ? { i, item } : { i, t, item });
    return true;
  };
  const endDealing = (): false => {
    if (!exhausted) {
      exhausted = true;
      flushDealt();
      for (const k of workers.keys()) send(k, { type: 'end' });
    }
    return false;
  };
  const flushDealt = (): void => {
    for (const [k] of workers) {
      const list = pending[k]!;
      if (list.length > 0) {
        send(k, { type: 'requests', requests: list.splice(0) });
      }
    }
  };
  const refill = (): void => {
    while (deal1());
    flushDealt();
  };

  // ---- stopping --------------------------------------------------------------------------------------------
  let decision: StopDecision | undefined;
  const stopAll = (d: StopDecision): void => {
    if (decision && SEVERITY[d.status] <= SEVERITY[decision.status]) return;
    decision = d;
    endDealing();
    for (const k of workers.keys()) send(k, { type: 'stop', decision: d });
  };
  const onAbort = (): void =>
    stopAll({ status: 'cancelled', reason: 'cancelled by the caller', cancelTail: true });

  // ---- samples ---------------------------------------------------------------------------------------------
  const n = {
    completed: 0,
    errors: 0,
    outputTokens: 0,
    admitted: 0,
    admittedMeasured: 0,
    tailCancelled: false,
  };
  const progress: PointProgress = {
    get admitted() {
      return n.admitted;
    },
    get admittedMeasured() {
      return n.admittedMeasured;
    },
    get completed() {
      return n.completed;
    },
    get errors() {
      return n.errors;
    },
    get inFlight() {
      return inFlight.reduce((a, b) => a + b, 0);
    },
    planned: planned ?? prepared.planned,
    get tailCancelled() {
      return decision?.cancelTail ?? false;
    },
  };
  const errorRate =
    input.limits.maxErrorRate !== undefined
      ? createErrorRateConstraint(input.limits.maxErrorRate)
      : undefined;
  const delaysUs: number[] = [];
  const mainAcc = deps.accumulator && !tokenizerSpec ? new LoadPointAccumulator(deps.accumulator) : undefined;
  let consumerFailed = false;
  const onSamples = (samples: RequestSample[], texts: SampleTexts[] | undefined): void => {
    if (texts) for (const t of texts) countTexts(samples, t, deps.tokenizer);
    for (const s of samples) {
      n.admitted++;
      if (!s.warmup) n.admittedMeasured++;
      if (s.errorClass !== 'cancelled') {
        n.completed++;
        if (s.errorClass !== undefined) n.errors++;
        n.outputTokens += s.outputTokens;
        if (s.scheduledUs !== undefined && !s.warmup)
          delaysUs.push(s.sentUs - s.scheduledUs - (s.clientQueueUs ?? 0));
      }
      mainAcc?.add(s);
      try {
        deps.onSample(s);
      } catch (err) {
        if (!consumerFailed) {
          consumerFailed = true;
          warnings.push(
            `the sample consumer threw (${err instanceof Error ? err.message : String(err)}); samples may be missing downstream`,
          );
        }
      }
      const d = errorRate?.onRequestDone?.(s, progress);
      if (d) stopAll(d);
    }
  };

  // ---- workers ---------------------------------------------------------------------------------------------
  const dones = new Map<number, Extract<FromWorker, { type: 'done' }>>();
  const readiness = new Map<number, Extract<FromWorker, { type: 'ready' }>>();
  let failure: Error | undefined;
  let resolveAllReady!: () => void;
  const allReady = new Promise<void>((r) => (resolveAllReady = r));
  let resolveAllDone!: () => void;
  const allDone = new Promise<void>((r) => (resolveAllDone = r));
  const fail = (err: Error): void => {
    failure ??= err;
    resolveAllReady();
    resolveAllDone();
  };
  for (const k of active) {
    const init: WorkerInit = {
      index: k,
      count: deal.workers,
      input: pointInput,
      level: split.levels[k]!,
      release: split.release,
      warmupRequests: counts.warmupRequests !== undefined ? dealtCount(deal, k, W) : undefined,
      planned: cap !== Infinity ? dealtCount(deal, k, cap) : undefined,
      requestsTotal: counts.requests,
      client: {
        maxConnections: opts.client.maxConnections(split.levels[k]!),
        ...(opts.client.timeouts ? { timeouts: opts.client.timeouts } : {}),
      },
      tokenizerSpec,
      accumulator: deps.accumulator,
      flushMs: opts.flushMs ?? 20,
    };
    const w = spawnWorker(init);
    workers.set(k, w);
    w.on('message', (m: FromWorker) => {
      switch (m.type) {
        case 'ready':
          readiness.set(k, m);
          if (readiness.size === workers.size) resolveAllReady();
          break;
        case 'samples':
          onSamples(m.samples, m.texts);
          break;
        case 'took':
          outstanding[k]! -= m.n;
          refill();
          break;
        case 'tick':
          inFlight[k] = m.inFlight;
          break;
        case 'done':
          dones.set(k, m);
          inFlight[k] = 0;
          if (dones.size === workers.size) resolveAllDone();
          break;
        case 'failed':
          fail(new Error(`worker ${k} failed: ${m.message}`));
          break;
      }
    });
    w.on('error', (err) => fail(err instanceof Error ? err : new Error(String(err))));
    w.on('exit', (code) => {
      if (!dones.has(k)) fail(new Error(`worker ${k} exited (code ${code}) before it finished`));
    });
  }
  deps.signal.addEventListener('abort', onAbort, { once: true });
  let tickTimer: NodeJS.Timeout | undefined;
  try {
    refill();
    await allReady;
    if (failure) throw failure;
    // one common start for every worker: an absolute hrtime instant, mapped onto each worker's own clock
    startAtMainUs = hrNowUs() + (opts.startLeadUs ?? 20_000);
    const startedAtEpochMs = Math.round(Date.now() + (startAtMainUs - hrNowUs()) / 1000);
    for (const k of workers.keys()) send(k, { type: 'start', startAtHrUs: startAtMainUs });
    if (deps.signal.aborted) onAbort();
    const refillTimer = arrivals ? setInterval(refill, 100) : undefined;
    if (deps.onTick) {
      const onTick = deps.onTick;
      let tSec = 0;
      const nextTick = (): void => {
        tSec++;
        // a little after the second, so that the workers' samples of that second have arrived
        const dueUs = startAtMainUs! + tSec * 1e6 + 50_000;
        tickTimer = setTimeout(
          () => {
            onTick({
              tSec,
              done: n.completed,
              errors: n.errors,
              inFlight: progress.inFlight,
              outputTokens: n.outputTokens,
              ...(progress.planned !== undefined ? { planned: progress.planned } : {}),
            });
            nextTick();
          },
          Math.max(0, (dueUs - hrNowUs()) / 1000),
        );
      };
      nextTick();
    }
    await allDone;
    if (refillTimer) clearInterval(refillTimer);
    if (failure) throw failure;
    return mergeResults({
      dones,
      readiness,
      deal,
      split,
      decision,
      capByMax,
      maxRequests: counts.maxRequests,
      warnings,
      delaysUs,
      startedAtEpochMs,
      accumulator: deps.accumulator
        ? mainAcc
          ? mainAcc.encode()
          : LoadPointAccumulator.mergeAll(
              [...dones.values()].map((d) => LoadPointAccumulator.decode(d.accumulator!)),
              deps.accumulator,
            ).encode()
        : undefined,
    });
  } finally {
    if (tickTimer) clearTimeout(tickTimer);
    deps.signal.removeEventListener('abort', onAbort);
    await Promise.all([...workers.values()].map((w) => w.terminate()));
  }
}

/** Counts a sample's output tokens in this thread (a tokenizer the workers cannot build), as `outcomeToSample` does. */
function countTexts(samples: RequestSample[], t: SampleTexts, tokenizer: Tokenizer): void {
  const s = samples.find((x) => x.idx === t.idx);
  if (!s) return;
  const reasoning = t.reasoningText === '' ? 0 : tokenizer.count(t.reasoningText);
  const output =
    (t.text === '' ? 0 : tokenizer.count(t.text)) +
    reasoning +
    (t.toolCallText === '' ? 0 : tokenizer.count(t.toolCallText));
  if (s.tokenSource === 'server') s.clientOutputTokens = output;
  else s.outputTokens = output;
  if (s.tokenSource === 'none' && output > 0) s.tokenSource = 'client';
  if (!t.serverReasoning) s.reasoningTokens = reasoning;
}

function mergeResults(a: {
  dones: Map<number, Extract<FromWorker, { type: 'done' }>>;
  readiness: Map<number, Extract<FromWorker, { type: 'ready' }>>;
  deal: Deal;
  split: NonNullable<ReturnType<typeof splitForWorkers>>;
  decision: StopDecision | undefined;
  capByMax: boolean;
  maxRequests: number | undefined;
  warnings: string[];
  delaysUs: number[];
  startedAtEpochMs: number;
  accumulator: string | undefined;
}): RunLoadPointResult {
  const parts: WorkerPartReport[] = [];
  let status: LoadPointEndStatus = 'completed';
  let reason: string | undefined;
  const raise = (s: LoadPointEndStatus, r: string | undefined): void => {
    if (SEVERITY[s] > SEVERITY[status]) {
      status = s;
      reason = r;
    }
  };
  const sum = { sent: 0, completed: 0, cancelledTail: 0, warmup: 0 };
  const workerWarnings = new Map<string, number[]>();
  for (const [k, d] of [...a.dones].sort((x, y) => x[0] - y[0])) {
    const r = d.result;
    sum.sent += r.sent;
    sum.completed += r.completed;
    sum.cancelledTail += r.cancelledTail;
    sum.warmup += r.warmup;
    raise(r.status, r.reason);
    for (const w of r.warnings) workerWarnings.set(w, [...(workerWarnings.get(w) ?? []), k]);
    const level = a.split.levels[k]!;
    const slots =
      level.kind === 'concurrency'
        ? level.concurrency
        : 'maxConcurrency' in level
          ? level.maxConcurrency
          : undefined;
    parts.push({
      index: k,
      ...(slots !== undefined ? { slots } : {}),
      sent: r.sent,
      status: r.status,
      startLateUs: d.startLateUs,
      selfCheck: r.selfCheck,
    });
  }
  if (a.decision) raise(a.decision.status, a.decision.reason);
  if (a.capByMax && status === 'completed' && a.maxRequests !== undefined && sum.sent >= a.maxRequests)
    raise('aborted', `limits.maxRequests (${a.maxRequests}) reached`);

  const warnings = [...a.warnings];
  for (const [w, ks] of workerWarnings)
    warnings.push(ks.length === a.dones.size ? w : `worker ${ks.join(', ')}: ${w}`);
  const behind = parts.filter(
    (p) =>
      (p.selfCheck.loopLagP99Ms ?? 0) > SELF_CHECK_LIMITS.loopLagP99Ms ||
      (p.selfCheck.scheduleDelayP99Ms ?? 0) > SELF_CHECK_LIMITS.scheduleDelayP99Ms ||
      (p.selfCheck.cpuPct ?? 0) > SELF_CHECK_LIMITS.cpuPctOfOneCore,
  );
  if (behind.length > 0) {
    warnings.push(
      `${behind.length} of ${parts.length} worker threads fell behind (worker ${behind.map((p) => p.index).join(', ')}): ` +
        'their loop lag, schedule delay or busy share passed the self-check limits; see each worker above.',
    );
  }
  const lates = parts.map((p) => p.startLateUs);
  const selfCheck: SelfCheckReport = { wallSec: Math.max(0, ...parts.map((p) => p.selfCheck.wallSec)) };
  if (a.delaysUs.length > 0) {
    const sorted = Float64Array.from(a.delaysUs).sort();
    const at = (q: number): number =>
      sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! / 1000;
    selfCheck.scheduleDelayP50Ms = at(0.5);
    selfCheck.scheduleDelayP99Ms = at(0.99);
    selfCheck.scheduleDelayMaxMs = sorted[sorted.length - 1]! / 1000;
  }
  const lag = parts.map((p) => p.selfCheck.loopLagP99Ms).filter((x): x is number => x !== undefined);
  if (lag.length > 0) selfCheck.loopLagP99Ms = Math.max(...lag);
  const busy = parts.map((p) => p.selfCheck.cpuPct).filter((x): x is number => x !== undefined);
  if (busy.length > 0) selfCheck.cpuPct = Math.max(...busy);
  return {
    status,
    ...(reason !== undefined ? { reason } : {}),
    ...sum,
    warnings,
    startedAtEpochMs: a.startedAtEpochMs,
    selfCheck,
    ...(a.accumulator !== undefined ? { accumulator: a.accumulator } : {}),
    workers: {
      count: parts.length,
      deal: a.deal.kind,
      startSkewUs: lates.length > 0 ? Math.max(...lates) - Math.min(...lates) : 0,
      clockMapErrorUs: Math.max(0, ...[...a.readiness.values()].map((r) => r.mapErrorUs)),
      parts,
    },
  };
}

/**
 * Starts one worker thread on `worker-entry`. From TypeScript sources (tests, `tsx`), the worker registers tsx's
 * ESM hooks before importing the entry: `--import tsx` in execArgv is not applied to a worker's own entry on Node 20.
 */
function spawnWorker(init: WorkerInit): Worker {
  const here = import.meta.url;
  const ts = here.endsWith('.ts');
  const entry = new URL(ts ? './worker-entry.ts' : './worker-entry.js', here);
  if (!ts) return new Worker(entry, { workerData: init });
  const api = pathToFileURL(
    createRequire(here)
      .resolve('tsx/esm/api')
      .replace(/index\.cjs$/, 'index.mjs'),
  ).href;
  const code =
    `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })` +
    `.catch((err) => { throw err; });`;
  return new Worker(code, { eval: true, workerData: init });
}

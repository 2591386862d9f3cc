/**
 * Entry of one worker thread of `runLoadPointParallel`: its own event loop, HTTP client (connection pool) and
 * point runner. It sends exactly the requests the main thread deals it (with their prompts and send times), starts
 * at the common start handed to every worker, and posts its samples in batches, a tick each second and, at the end,
 * its result and accumulator. No Redis, no signing: the main thread owns the output.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RequestSample } from '@inferbench/contracts';
import { LoadPointAccumulator } from '@inferbench/metrics';
import { OpenAiCompatibleClient } from '../../client/openai-client.js';
import { SystemClock } from '../../clock/system-clock.js';
import type { LlmClient, LlmOutcome, LlmRequest, Prompt, Tokenizer } from '../../ports.js';
import { createFixedConcurrency, createStagedConcurrency } from '../../strategies/concurrency.js';
import { createTokenizer } from '../../tokenizers/create-tokenizer.js';
import type { WorkItem } from '../../workloads/workload.js';
import { createDurationConstraint } from '../constraints/duration.constraint.js';
import { createWarmupPolicy, type Constraint, type StopDecision } from '../constraints/index.js';
import { PointRunner } from '../point-runner.js';
import { SelfCheck } from '../self-check.js';
import { createFedClosedLoop, createFedOpenLoop, RequestFeed } from './fed-release.js';
import type { FromWorker, SampleTexts, ToWorker, WorkerInit } from './protocol.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (m: FromWorker): void => port.postMessage(m);

/** hrtime − performance.now in µs, bracketed by two hrtime reads (the bracket bounds the error). */
function clockOffset(): { hrMinusPerfUs: number; mapErrorUs: number } {
  let best = { hrMinusPerfUs: 0, mapErrorUs: Infinity };
  for (let i = 0; i < 5; i++) {
    const a = Number(process.hrtime.bigint()) / 1000;
    const p = performance.now() * 1000;
    const b = Number(process.hrtime.bigint()) / 1000;
    if (b - a < best.mapErrorUs) best = { hrMinusPerfUs: (a + b) / 2 - p, mapErrorUs: b - a };
  }
  return best;
}

/** Counts nothing: the main thread counts output tokens from the texts posted with each sample. */
const countLater: Tokenizer = {
  name: 'count-in-main-thread',
  encode: () => [],
  decode: () => '',
  count: () => 0,
};

async function main(): Promise<void> {
  const clock = new SystemClock();
  const tokenizer = init.tokenizerSpec ? await createTokenizer(init.tokenizerSpec) : countLater;
  const http = new OpenAiCompatibleClient({
    clock,
    maxConnections: init.client.maxConnections,
    ...(init.client.timeouts ? { timeouts: init.client.timeouts } : {}),
  });
  // output texts by prompt, when the main thread counts tokens
  const textsOf = new WeakMap<Prompt, LlmOutcome>();
  const client: LlmClient = init.tokenizerSpec
    ? http
    : {
        send: async (req: LlmRequest) => {
          const o = await http.send(req);
          textsOf.set(req.prompt, o);
          return o;
        },
        close: () => http.close(),
        connectionWarnings: () => http.connectionWarnings(),
      };

  const feed = new RequestFeed((n) => post({ type: 'took', n }));
  const items = new Map<number, WorkItem>();
  const stopCtl = new AbortController();
  let remoteStop: ((d: StopDecision) => void) | undefined;
  let pendingStop: StopDecision | undefined;
  let startAtHrUs: number | undefined;
  let onStart: (() => void) | undefined;
  port.on('message', (m: ToWorker) => {
    switch (m.type) {
      case 'requests':
        for (const r of m.requests) items.set(r.i, r.item);
        feed.push(m.requests);
        break;
      case 'end':
        feed.end();
        break;
      case 'start':
        startAtHrUs = m.startAtHrUs;
        onStart?.();
        break;
      case 'stop':
        feed.end();
        if (remoteStop) remoteStop(m.decision);
        else pendingStop = m.decision;
        if (m.decision.status === 'cancelled') stopCtl.abort();
        break;
    }
  });

  const offset = clockOffset();
  post({ type: 'ready', ...offset });
  if (startAtHrUs === undefined) await new Promise<void>((r) => (onStart = r));
  const startAtUs = startAtHrUs! - offset.hrMinusPerfUs;

  const acc = init.accumulator ? new LoadPointAccumulator(init.accumulator) : undefined;
  let buffer: RequestSample[] = [];
  let texts: SampleTexts[] = [];
  const flush = (): void => {
    if (buffer.length === 0) return;
    post({ type: 'samples', samples: buffer, ...(texts.length > 0 ? { texts } : {}) });
    buffer = [];
    texts = [];
  };
  const flushTimer = setInterval(flush, init.flushMs);
  const onSample = (s: RequestSample): void => {
    const item = items.get(s.idx);
    items.delete(s.idx);
    if (!init.tokenizerSpec && item) {
      const o = textsOf.get(item.prompt);
      if (o && (o.text !== '' || o.reasoningText !== '' || o.toolCallText !== '')) {
        texts.push({
          idx: s.idx,
          text: o.text,
          reasoningText: o.reasoningText,
          toolCallText: o.toolCallText,
          serverReasoning: o.usage?.reasoningTokens !== undefined,
        });
      }
    }
    // with texts to count, the main thread completes the sample before it is accumulated
    if (acc && init.tokenizerSpec) acc.add(s);
    buffer.push(s);
    if (buffer.length >= 256) flush();
  };

  const { input, level } = init;
  const remote: Constraint = {
    name: 'main-thread',
    watch(stop) {
      remoteStop = stop;
      if (pendingStop) stop(pendingStop);
      return () => (remoteStop = undefined);
    },
  };
  const warnings: string[] = [];
  const duration = createDurationConstraint(
    {
      durationSec: input.durationSec,
      warmupDurationSec: input.warmup?.durationSec ?? 0,
      hasRequestWarmup: init.warmupRequests !== undefined && init.warmupRequests > 0,
      stagesEndUs:
        level.kind === 'stages' ? level.stages.reduce((s, st) => s + st.durationSec, 0) * 1e6 : undefined,
      isBounded:
        input.requests !== undefined ||
        input.durationSec !== undefined ||
        level.kind === 'stages' ||
        level.kind === 'trace',
      maxDurationSec: input.limits.maxDurationSec,
      requests: init.requestsTotal,
    },
    // the main thread words the point's own warnings once
    [],
  );
  let startLateUs = 0;
  const markStart = (lateUs: number): void => {
    startLateUs = lateUs;
  };
  const release =
    init.release === 'closed'
      ? createFedClosedLoop(
          level.kind === 'concurrency'
            ? createFixedConcurrency(level.concurrency, level.rampUpSec)
            : level.kind === 'stages'
              ? createStagedConcurrency(level.startTarget ?? 1, level.stages)
              : createFixedConcurrency(1),
          feed,
          markStart,
        )
      : createFedOpenLoop(feed, 'maxConcurrency' in level ? level.maxConcurrency : undefined, markStart);
  const runner = new PointRunner(
    { ...input, load: level },
    {
      client,
      clock,
      tokenizer,
      signal: stopCtl.signal,
      onSample,
      onTick: (t) => {
        flush();
        post({ type: 'tick', inFlight: t.inFlight });
      },
    },
    {
      workload: {
        notes: [],
        next: () => feedMisuse(),
        nextWithLengths: () => feedMisuse(),
        complete: () => {},
      },
      release,
      constraints: [remote, duration],
      isWarmup: createWarmupPolicy({
        warmupRequests: init.warmupRequests,
        warmupDurationSec: input.warmup?.durationSec ?? 0,
      }),
      planned: init.planned,
      warnings,
      startAtUs,
      selfCheck: new SelfCheck('thread'),
    },
  );
  const result = await runner.execute();
  clearInterval(flushTimer);
  flush();
  await http.close().catch(() => undefined);
  post({
    type: 'done',
    result,
    startLateUs,
    ...(acc && init.tokenizerSpec ? { accumulator: acc.encode() } : {}),
  });
  port.close();
}

function feedMisuse(): never {
  throw new Error('a worker thread sends only the requests it was dealt');
}

main().catch((err: unknown) => {
  post({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  port.close();
});

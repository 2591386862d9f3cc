/**
 * Producer side of bench/ingest.ts, run as a child process (forked with tsx's loader inherited through execArgv) so
 * that building and serializing ~400 KB `sample.batch` jobs never runs on the API's event loop: the benchmark then
 * measures the API's ingest, not its own load generator.
 *
 * Protocol (IPC): the parent sends one `start` message ({@link ProducerStart}); the child pre-builds one template
 * batch per shard (its samples already serialized to JSON), answers `ready`, and from then on only adds jobs: each job's
 * data is its shard's pre-serialized samples spliced with their own idx values, batchSeq and ts, byte for byte what
 * `JSON.stringify` of the same `sample.batch` event gives (checked once per shard before sending), so the API receives
 * the same jobs as from a real agent while this process spends little CPU on a machine it shares with the API. On `stop` it waits for the adds
 * in flight and answers `stopped` ({@link ProducerStopped}), then exits.
 */
import { Job, Queue, type JobJson } from 'bullmq';
import { Redis } from 'ioredis';
import { INGEST_QUEUE, type AgentEvent, type RequestSample } from '@inferbench/contracts';

/** What the producer child needs to know (the parent's `start` message). */
export interface ProducerStart {
  type: 'start';
  redisUrl: string;
  prefix: string;
  runId: string;
  loadPointId: string;
  /** one shard (and one queue connection) per producer */
  producers: number;
  batchSamples: number;
  gapsPerSample: number;
  /** the child stops adding while waiting + active jobs reach this many */
  maxBacklogBatches: number;
}

/** The child's answer to `stop`. */
export interface ProducerStopped {
  type: 'stopped';
  batchesAdded: number;
  /** the child's own CPU time (user + system) since `start`, µs */
  cpuUs: number;
}

/** One shard's 500 × 100-gap template batch: every send shallow-copies it with its own idx range. */
export function makeTemplateBatch(
  shard: number,
  batchSamples: number,
  gapsPerSample: number,
): RequestSample[] {
  const out: RequestSample[] = [];
  for (let k = 0; k < batchSamples; k++) {
    const sentUs = k * 1_000 + shard * 7;
    const gaps = Array.from({ length: gapsPerSample }, (_, g) => 8_000 + ((k * 31 + g * 17) % 9_000));
    const firstChunkUs = sentUs + 40_000 + (k % 50) * 1_000;
    out.push({
      idx: k,
      warmup: false,
      scheduledUs: sentUs - 5,
      sentUs,
      firstChunkUs,
      firstContentUs: firstChunkUs,
      endUs: firstChunkUs + gaps.reduce((a, b) => a + b, 0),
      chunkGapsUs: gaps,
      inputTokens: 256,
      outputTokens: gapsPerSample + 1,
      reasoningTokens: 0,
      tokenSource: 'server',
      httpStatus: 200,
    });
  }
  return out;
}

/** Marks job data whose JSON text was built by the producer ({@link RawJsonJob} stores that text as-is). */
const RAW_JSON = Symbol('raw JSON job data');
type RawJsonData = { [RAW_JSON]: string };

/** A BullMQ job that stores pre-serialized data instead of calling JSON.stringify on it. */
class RawJsonJob extends Job {
  override asJSON(): JobJson {
    const json = super.asJSON(); // the marker object has no enumerable keys: its own stringify is "{}"
    const raw = (this.data as Partial<RawJsonData> | undefined)?.[RAW_JSON];
    return raw === undefined ? json : { ...json, data: raw };
  }
}

/** A queue whose `add` builds {@link RawJsonJob}s (BullMQ's documented hook for extending the Job class). */
class RawJsonQueue extends Queue {
  protected override get Job(): typeof Job {
    // RawJsonJob only changes how data is serialized; the generic parameters are irrelevant to that
    return RawJsonJob as unknown as typeof Job;
  }
}

/**
 * The batch's samples as JSON fragments, each missing only its leading `{"idx":N`: splicing the idx back in gives
 * exactly what JSON.stringify writes for the sample (idx is the first key of every template sample).
 */
function serializeTails(template: readonly RequestSample[]): string[] {
  return template.map((t) => {
    const json = JSON.stringify({ ...t, idx: 0 });
    const head = '{"idx":0';
    if (!json.startsWith(head)) throw new Error('template sample does not start with idx');
    return json.slice(head.length);
  });
}

function batchJson(
  start: ProducerStart,
  shard: number,
  seq: number,
  ts: number,
  tails: readonly string[],
): string {
  const base = seq * start.batchSamples;
  const parts = new Array<string>(tails.length);
  for (let k = 0; k < tails.length; k++) parts[k] = `{"idx":${base + k}${tails[k]!}`;
  return (
    `{"v":1,"type":"sample.batch","runId":${JSON.stringify(start.runId)},"loadPointId":${JSON.stringify(start.loadPointId)},` +
    `"shardIndex":${shard},"attempt":0,"agentId":"bench-${shard}","ts":${ts},"batchSeq":${seq},"samples":[${parts.join(',')}]}`
  );
}

function batchEvent(
  start: ProducerStart,
  shard: number,
  seq: number,
  ts: number,
  template: readonly RequestSample[],
): AgentEvent {
  const base = seq * start.batchSamples;
  return {
    v: 1,
    type: 'sample.batch',
    runId: start.runId,
    loadPointId: start.loadPointId,
    shardIndex: shard,
    attempt: 0,
    agentId: `bench-${shard}`,
    ts,
    batchSeq: seq,
    samples: template.map((t, k) => ({ ...t, idx: base + k })),
  };
}

async function produce(start: ProducerStart, isStopped: () => boolean): Promise<number> {
  const conns: Redis[] = [];
  const queues: Queue[] = [];
  let batchesAdded = 0;
  const templates = Array.from({ length: start.producers }, (_, shard) =>
    makeTemplateBatch(shard, start.batchSamples, start.gapsPerSample),
  );
  const tails = templates.map(serializeTails);
  // the spliced JSON must be exactly what JSON.stringify gives for the same event, or this is not the agent's payload
  for (let shard = 0; shard < start.producers; shard++) {
    for (const seq of [0, 7]) {
      const expected = JSON.stringify(batchEvent(start, shard, seq, 1_700_000_000_000, templates[shard]!));
      if (batchJson(start, shard, seq, 1_700_000_000_000, tails[shard]!) !== expected) {
        throw new Error(`pre-serialized batch differs from JSON.stringify (shard ${shard}, seq ${seq})`);
      }
    }
  }
  for (let shard = 0; shard < start.producers; shard++) {
    const conn = new Redis(start.redisUrl, { maxRetriesPerRequest: null });
    conns.push(conn);
    queues.push(new RawJsonQueue(INGEST_QUEUE, { connection: conn, prefix: start.prefix }));
  }
  await Promise.all(queues.map((q) => q.waitUntilReady()));
  process.send?.({ type: 'ready' });
  try {
    await Promise.all(
      queues.map(async (q, shard) => {
        const shardTails = tails[shard]!;
        const inFlight = new Set<Promise<unknown>>();
        let seq = 0;
        while (!isStopped()) {
          const counts = await q.getJobCounts('waiting', 'active');
          if ((counts.waiting ?? 0) + (counts.active ?? 0) >= start.maxBacklogBatches) {
            // a full backlog drains in ~0.3 s at the target rate: polling faster only burns Redis and producer CPU
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          const data: RawJsonData = { [RAW_JSON]: batchJson(start, shard, seq, Date.now(), shardTails) };
          seq++;
          const p = q.add('sample.batch', data, { removeOnComplete: true, removeOnFail: 100 });
          inFlight.add(p);
          void p.then(() => batchesAdded++).finally(() => inFlight.delete(p));
          if (inFlight.size >= 2) await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
      }),
    );
  } finally {
    await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
    for (const c of conns) c.disconnect();
  }
  return batchesAdded;
}

/** argv marker the parent passes to fork(): tsx itself gives processes an IPC channel, so `process.send` is no test */
export const PRODUCER_CHILD_FLAG = '--ingest-producer-child';

if (process.argv.includes(PRODUCER_CHILD_FLAG)) {
  let stopped = false;
  let cpu0 = process.cpuUsage();
  let running: Promise<number> | undefined;
  process.on('message', (m: { type: string }) => {
    if (m.type === 'start' && running === undefined) {
      cpu0 = process.cpuUsage();
      running = produce(m as ProducerStart, () => stopped);
      running.catch((err: unknown) => {
        process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
        process.exit(1);
      });
    } else if (m.type === 'stop') {
      stopped = true;
      void (running ?? Promise.resolve(0)).then((batchesAdded) => {
        const c = process.cpuUsage(cpu0);
        const msg: ProducerStopped = { type: 'stopped', batchesAdded, cpuUs: c.user + c.system };
        process.send?.(msg, () => process.exit(0));
      });
    }
  });
}

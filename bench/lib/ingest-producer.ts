/**
 * Producer side of bench/ingest.ts, run as a child process (forked with tsx's loader inherited through execArgv) so
 * that building, encoding and signing `sample.batch` jobs never runs on the API's event loop: the benchmark then
 * measures the API's ingest, not its own load generator.
 *
 * Every job is signed as a real agent signs it: with the pool credential the parent created through the API
 * (`POST /agent-credentials`), by the agent's own signer (`createAgentSigner` from `@inferbench/agent`); the API drops
 * unsigned events. Two encodings (`encoding` of the start message):
 * - `columnar-v2` (what agents send): each batch is what `toCompactSampleBatch` (the agent's ingest sink) makes of the
 *   template's samples with their own idx values, signed by the agent's signer. Only the first idx of a batch differs
 *   between batches, so the payload is spliced from the template's encoding around it and the job's JSON text is
 *   written directly (both checked byte for byte against the encoder and the signer for several batches before
 *   sending), which keeps this process's CPU low on the shared machine.
 * - `json-v1` (an older agent): the template's samples are serialized to JSON once; each job's data is spliced with
 *   its own idx values, batchSeq and ts, byte for byte what `JSON.stringify` of the same event gives (checked once per
 *   shard), and its `auth` is the signer's over that text, so this process spends little CPU on a machine it shares
 *   with the API.
 *
 * Protocol (IPC): the parent sends one `start` message ({@link ProducerStart}); the child pre-builds one template
 * batch per shard, answers `ready` (with the bytes per sample of one job of each encoding), and from then on only adds
 * jobs. On `stop` it waits for the adds in flight and answers `stopped` ({@link ProducerStopped}), then exits.
 */
import { Job, Queue, type JobJson } from 'bullmq';
import { Redis } from 'ioredis';
import { createAgentSigner, type AgentSigner } from '@inferbench/agent';
import {
  bytesToBase64,
  COLUMNAR_V2,
  encodeSampleColumns,
  INGEST_QUEUE,
  parseAgentToken,
  toCompactSampleBatch,
  type RequestSample,
  type SampleBatchEncoding,
  type SampleBatchEvent,
} from '@inferbench/contracts';

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
  /** agent token of the point's pool (`ibagent.…`): every job is signed with it */
  agentToken: string;
  encoding: SampleBatchEncoding;
}

/** The child's answer to `start`, once its templates are built. */
export interface ProducerReady {
  type: 'ready';
  /** bytes of one signed job's data (JSON, as stored in Redis) per sample, in each encoding */
  jobBytesPerSample: Record<SampleBatchEncoding, number>;
}

/** The child's answer to `stop`. */
export interface ProducerStopped {
  type: 'stopped';
  batchesAdded: number;
  /** the child's own CPU time (user + system) since `start`, µs */
  cpuUs: number;
}

/**
 * One shard's 500 × 100-gap template batch: every send shallow-copies it with its own idx range. Inter-token gaps
 * are seeded pseudo-random around a per-request latency of 15–45 ms with ±25 % jitter, an occasional coalesced chunk
 * (near 0) and an occasional stall (×3): gaps that a compact encoding cannot squeeze below their real entropy.
 */
export function makeTemplateBatch(
  shard: number,
  batchSamples: number,
  gapsPerSample: number,
): RequestSample[] {
  let seed = 12_345 + shard * 7_919;
  const rnd = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const out: RequestSample[] = [];
  for (let k = 0; k < batchSamples; k++) {
    const sentUs = k * 1_000 + shard * 7;
    const itl = 15_000 + rnd() * 30_000;
    const gaps = Array.from({ length: gapsPerSample }, () => {
      const r = rnd();
      if (r < 0.02) return Math.round(rnd() * 200);
      return Math.round(itl * (0.75 + rnd() * 0.5) * (r > 0.97 ? 3 : 1));
    });
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

/** columnar-v2 `svar` (sample-batch-codec.ts) of a non-negative safe integer */
function svarBytes(v: number): number[] {
  if (v < 64) return [v << 1];
  const out = [((v % 64) << 1) | 0x80];
  let m = Math.floor(v / 64);
  while (m >= 0x80) {
    out.push((m % 128) | 0x80);
    m = Math.floor(m / 128);
  }
  out.push(m);
  return out;
}

/**
 * The columnar-v2 payload of a shard's batches as a function of their first idx: the template encoded once, split
 * around the first idx entry (the only bytes that differ between batches: idx is written as differences).
 */
function compactPayloads(template: readonly RequestSample[]): (firstIdx: number) => Uint8Array {
  const at = (base: number) => encodeSampleColumns(template.map((t, k) => ({ ...t, idx: base + k })));
  const a = at(0);
  const b = at(1_000_000);
  let head = 0;
  while (a[head] === b[head]) head++;
  const tail = a.subarray(head + svarBytes(1).length);
  const prefix = a.subarray(0, head);
  return (firstIdx) => {
    const mid = svarBytes(firstIdx + 1); // the first idx is written against −1
    const out = new Uint8Array(prefix.length + mid.length + tail.length);
    out.set(prefix, 0);
    out.set(mid, prefix.length);
    out.set(tail, prefix.length + mid.length);
    return out;
  };
}

/**
 * The columnar-v2 job data of one batch, signed, as JSON text: what `JSON.stringify` of the signed
 * `toCompactSampleBatch` of the batch gives (checked at start), without building and serializing it per batch.
 */
function compactJson(
  start: ProducerStart,
  shard: number,
  seq: number,
  ts: number,
  payload: (firstIdx: number) => Uint8Array,
  signer: AgentSigner,
): string {
  const body =
    `{"v":1,"type":"sample.batch","runId":${JSON.stringify(start.runId)},"loadPointId":${JSON.stringify(start.loadPointId)},` +
    `"shardIndex":${shard},"attempt":0,"agentId":"bench-${shard}","ts":${ts},"batchSeq":${seq},` +
    `"encoding":"${COLUMNAR_V2}","sampleCount":${start.batchSamples},"data":"${bytesToBase64(payload(seq * start.batchSamples))}"}`;
  return `${body.slice(0, -1)},"auth":${JSON.stringify(signer.authFor(body))}}`;
}

/** The json-v1 job data of one batch, signed: the spliced JSON text with the signer's `auth` appended. */
function batchJson(
  start: ProducerStart,
  shard: number,
  seq: number,
  ts: number,
  tails: readonly string[],
  signer: AgentSigner,
): string {
  const base = seq * start.batchSamples;
  const parts = new Array<string>(tails.length);
  for (let k = 0; k < tails.length; k++) parts[k] = `{"idx":${base + k}${tails[k]!}`;
  const body =
    `{"v":1,"type":"sample.batch","runId":${JSON.stringify(start.runId)},"loadPointId":${JSON.stringify(start.loadPointId)},` +
    `"shardIndex":${shard},"attempt":0,"agentId":"bench-${shard}","ts":${ts},"batchSeq":${seq},"samples":[${parts.join(',')}]}`;
  return `${body.slice(0, -1)},"auth":${JSON.stringify(signer.authFor(body))}}`;
}

function batchEvent(
  start: ProducerStart,
  shard: number,
  seq: number,
  ts: number,
  template: readonly RequestSample[],
): SampleBatchEvent {
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
  const cred = parseAgentToken(start.agentToken);
  if (!cred) throw new Error('the start message carries no agent token');
  const signer = createAgentSigner(cred);
  const conns: Redis[] = [];
  const queues: Queue[] = [];
  let batchesAdded = 0;
  const templates = Array.from({ length: start.producers }, (_, shard) =>
    makeTemplateBatch(shard, start.batchSamples, start.gapsPerSample),
  );
  const tails = templates.map(serializeTails);
  const payloads = templates.map(compactPayloads);
  // the spliced JSON must be exactly what the agent's signer gives for the same event, or this is not its payload
  for (let shard = 0; shard < start.producers; shard++) {
    for (const seq of [0, 7]) {
      const expected = JSON.stringify(
        signer.sign(batchEvent(start, shard, seq, 1_700_000_000_000, templates[shard]!)),
      );
      if (batchJson(start, shard, seq, 1_700_000_000_000, tails[shard]!, signer) !== expected) {
        throw new Error(`pre-serialized batch differs from the signed event (shard ${shard}, seq ${seq})`);
      }
    }
    // the spliced compact jobs must be exactly what the agent's ingest sink sends, signed
    for (const seq of [0, 1, 7, 300_000]) {
      const event = batchEvent(start, shard, seq, 1_700_000_000_000, templates[shard]!);
      const expected = JSON.stringify(signer.sign(toCompactSampleBatch(event)));
      const got = compactJson(start, shard, seq, 1_700_000_000_000, payloads[shard]!, signer);
      if (got !== expected)
        throw new Error(`spliced compact batch differs from the encoder's (shard ${shard}, seq ${seq})`);
    }
  }
  const probe = batchEvent(start, 0, 1, Date.now(), templates[0]!);
  const jobBytesPerSample = {
    'json-v1': Buffer.byteLength(JSON.stringify(signer.sign(probe))) / start.batchSamples,
    'columnar-v2':
      Buffer.byteLength(JSON.stringify(signer.sign(toCompactSampleBatch(probe)))) / start.batchSamples,
  };
  for (let shard = 0; shard < start.producers; shard++) {
    const conn = new Redis(start.redisUrl, { maxRetriesPerRequest: null });
    conns.push(conn);
    queues.push(new RawJsonQueue(INGEST_QUEUE, { connection: conn, prefix: start.prefix }));
  }
  await Promise.all(queues.map((q) => q.waitUntilReady()));
  const ready: ProducerReady = { type: 'ready', jobBytesPerSample };
  process.send?.(ready);
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
          const ts = Date.now();
          const data: RawJsonData = {
            [RAW_JSON]:
              start.encoding === 'json-v1'
                ? batchJson(start, shard, seq, ts, shardTails, signer)
                : compactJson(start, shard, seq, ts, payloads[shard]!, signer),
          };
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

/**
 * Sample batch encodings on the ingest queue, for one realistic batch (500 samples × 100 chunk gaps, the producer
 * template of bench/ingest.ts: 15–45 ms inter-token latency with jitter, coalesced chunks and stalls): bytes per
 * sample of the signed job as stored in Redis for `json-v1` and `columnar-v2`, and the CPU each side spends on one
 * batch apart from the COPY itself:
 * - agent: json-v1 signs the JSON (one JSON.stringify + HMAC); columnar-v2 encodes, base64s, then signs;
 * - API: parse the job's JSON (BullMQ), verify the HMAC over the body's JSON, then for columnar-v2 decode base64 and the
 *   columns (the payload's validation). json-v1 additionally pays its schema check (~1 ms a batch, not included here:
 *   the API's hot-path schema is internal to apps/api).
 * Prints one JSON object. Run from the repo root: `npx tsx bench/ingest-encoding.ts [reps=200]`.
 */
import { createHmac } from 'node:crypto';
import os from 'node:os';
import { createAgentSigner } from '@inferbench/agent';
import {
  base64ToBytes,
  decodeSampleColumns,
  encodeSampleColumns,
  toCompactSampleBatch,
  type SampleBatchEvent,
} from '@inferbench/contracts';
import { makeTemplateBatch } from './lib/ingest-producer.js';

const REPS = Number(process.argv[2] ?? 200);
const SAMPLES = 500;
const GAPS = 100;

const cred = { credentialId: 'cbench0000000000000000000', pool: 'bench', secret: 'S'.repeat(43) };
const signer = createAgentSigner(cred);
const event: SampleBatchEvent = {
  v: 1,
  type: 'sample.batch',
  runId: 'cmbench0run000000000000000',
  loadPointId: 'cmbench0point0000000000000',
  shardIndex: 0,
  attempt: 0,
  agentId: 'bench-agent-1',
  ts: 1_765_000_000_000,
  batchSeq: 12,
  samples: makeTemplateBatch(0, SAMPLES, GAPS).map((s, k) => ({ ...s, idx: 6_000 + k })),
};

/** mean µs of `f` over REPS runs after a warm-up */
function time(f: () => unknown): number {
  for (let i = 0; i < 20; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < REPS; i++) f();
  return Math.round(((performance.now() - t0) / REPS) * 1000);
}

/** what the API's ingest worker does with a job's data before storing: parse, split off auth, verify the MAC */
function verify(job: string): Record<string, unknown> {
  const { auth, ...body } = JSON.parse(job) as { auth: { mac: string } } & Record<string, unknown>;
  const mac = createHmac('sha256', cred.secret).update(JSON.stringify(body)).digest('hex');
  if (mac !== auth.mac) throw new Error('bad signature');
  return body;
}

const jsonJob = JSON.stringify(signer.sign(event));
const compactEvent = toCompactSampleBatch(event);
const compactJob = JSON.stringify(signer.sign(compactEvent));
const payload = encodeSampleColumns(event.samples);

const result = {
  benchmark: 'ingest-encoding',
  figure: {
    jobBytesPerSample: {
      'json-v1': Number((Buffer.byteLength(jsonJob) / SAMPLES).toFixed(1)),
      'columnar-v2': Number((Buffer.byteLength(compactJob) / SAMPLES).toFixed(1)),
    },
    ratio: Number((Buffer.byteLength(jsonJob) / Buffer.byteLength(compactJob)).toFixed(2)),
  },
  details: {
    batch: { samples: SAMPLES, chunkGapsPerSample: GAPS },
    columnarPayloadBytesPerSample: Number((payload.length / SAMPLES).toFixed(1)),
    columnarBytesPerGap: Number(((payload.length - SAMPLES * 20) / (SAMPLES * GAPS)).toFixed(2)),
    agentUsPerBatch: {
      'json-v1': time(() => JSON.stringify(signer.sign(event))),
      'columnar-v2': time(() => JSON.stringify(signer.sign(toCompactSampleBatch(event)))),
    },
    apiUsPerBatch: {
      'json-v1 (without its schema check)': time(() => verify(jsonJob)),
      'columnar-v2': time(() => {
        const body = verify(compactJob);
        return decodeSampleColumns(base64ToBytes(body.data as string));
      }),
    },
    reps: REPS,
  },
  machine: { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg() },
};
process.stdout.write(`${JSON.stringify(result)}\n`);

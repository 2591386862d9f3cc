/**
 * Benchmark of @inferbench/metrics: add() throughput, 8-shard merge, summary().
 * Run from the repo root: `npx tsx bench/metrics-summary.ts [samples] [gapsPerSample]`
 * (defaults 1,000,000 samples × 100 chunk gaps). Prints one JSON object.
 *
 * Samples are built from 4,096 pre-generated templates whose times are shifted per use, so the
 * benchmark measures the accumulator, not sample generation, and stays within a few hundred MB.
 */
import os from 'node:os';
import type { RequestSample } from '@inferbench/contracts';
import { createRng, LoadPointAccumulator } from '@inferbench/metrics';

const N = Number(process.argv[2] ?? 1_000_000);
const GAPS = Number(process.argv[3] ?? 100);
const SHARDS = 8;
const RATE_PER_SEC = 1000; // 1,000,000 samples span ~1,000 s → ~1,000 time-series seconds

const rng = createRng(1234);
const TEMPLATES = 4096;
const templates: Array<{ ttftUs: number; gaps: number[]; decodeUs: number; out: number; input: number }> = [];
for (let i = 0; i < TEMPLATES; i++) {
  const gaps: number[] = [];
  let decodeUs = 0;
  for (let g = 0; g < GAPS; g++) {
    const gap = 5_000 + Math.floor(-Math.log(1 - rng.next()) * 20_000);
    gaps.push(gap);
    decodeUs += gap;
  }
  templates.push({
    ttftUs: 20_000 + Math.floor(-Math.log(1 - rng.next()) * 150_000),
    gaps,
    decodeUs,
    out: GAPS + 1 + rng.nextInt(3),
    input: 100 + rng.nextInt(900),
  });
}

function sampleAt(i: number, s: RequestSample): RequestSample {
  const t = templates[i % TEMPLATES]!;
  const scheduledUs = Math.floor((i * 1e6) / RATE_PER_SEC);
  s.idx = i;
  s.scheduledUs = scheduledUs;
  s.sentUs = scheduledUs + (i % 97);
  s.firstChunkUs = s.sentUs + t.ttftUs;
  s.firstContentUs = s.firstChunkUs;
  s.endUs = s.firstChunkUs + t.decodeUs + 300;
  s.chunkGapsUs = t.gaps;
  s.outputTokens = t.out;
  s.inputTokens = t.input;
  s.errorClass = i % 50 === 0 ? 'timeout' : undefined;
  return s;
}

const slo = { ttftMs: 300, tpotMs: 40, itlMs: 150, e2eMs: 5000, percentile: 99 };
const shards = Array.from({ length: SHARDS }, () => new LoadPointAccumulator({ slo }));
const scratch: RequestSample = {
  idx: 0,
  warmup: false,
  sentUs: 0,
  endUs: 0,
  chunkGapsUs: [],
  inputTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  tokenSource: 'server',
  httpStatus: 200,
};

const cpuBefore = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < N; i++) shards[i % SHARDS]!.add(sampleAt(i, scratch));
const addMs = performance.now() - t0;
const addCpu = process.cpuUsage(cpuBefore);

const t1 = performance.now();
const encoded = shards.map((s) => s.encode());
const encodeMs = performance.now() - t1;
const t2 = performance.now();
const decoded = encoded.map((e) => LoadPointAccumulator.decode(e));
const decodeMs = performance.now() - t2;
const t3 = performance.now();
const merged = LoadPointAccumulator.mergeAll(decoded);
const mergeMs = performance.now() - t3;

// summary() twice: first call flushes staged HDR counts, second is the steady-state cost
const t4 = performance.now();
const summary = merged.summary({ includeTimeSeries: true });
const summaryFirstMs = performance.now() - t4;
const t5 = performance.now();
merged.summary();
const summaryNoSeriesMs = performance.now() - t5;
const t6 = performance.now();
merged.summary({ includeTimeSeries: true });
const summaryWithSeriesMs = performance.now() - t6;

const cpus = os.cpus();
console.log(
  JSON.stringify(
    {
      samples: N,
      gapsPerSample: GAPS,
      shards: SHARDS,
      add: {
        totalMs: round(addMs),
        samplesPerSec: Math.round((N / addMs) * 1000),
        usPerSample: round((addMs * 1000) / N, 3),
        nsPerGapUpperBound: round((addMs * 1e6) / (N * GAPS), 2),
        cpuUserMs: round(addCpu.user / 1000),
      },
      encode8ShardsMs: round(encodeMs),
      encodedBytesPerShard: Math.round(encoded.reduce((n, e) => n + e.length, 0) / SHARDS),
      decode8ShardsMs: round(decodeMs),
      merge8ShardsMs: round(mergeMs),
      summary: {
        firstCallWithSeriesMs: round(summaryFirstMs),
        noSeriesMs: round(summaryNoSeriesMs),
        withSeriesMs: round(summaryWithSeriesMs),
        timeSeriesPoints: summary.timeSeries?.length ?? 0,
      },
      check: {
        succeeded: summary.requests.succeeded,
        itlCount: summary.latency.itlMs?.count,
        ttftP99Ms: summary.latency.ttftMs?.p99,
        goodput: summary.goodput,
      },
      machine: {
        cpus: cpus.length,
        cpuModel: cpus[0]?.model,
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        loadavg1m: round(os.loadavg()[0] ?? 0, 2),
        totalMemGiB: round(os.totalmem() / 2 ** 30, 1),
      },
    },
    null,
    2,
  ),
);

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

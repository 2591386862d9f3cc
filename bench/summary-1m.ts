/**
 * Summary of a 1,000,000-sample load point the way the API finalizes it: the shards' agents each send their
 * encoded accumulator in `loadpoint.finished`; finalization decodes them, merges them exactly, computes the
 * summary (with its per-second series) and encodes the merged accumulator for `LoadPoint.histograms`. Building
 * the shard accumulators (the agents' work, spread over the point's whole duration) is not timed.
 *
 * Run from the repo root: `npx tsx bench/summary-1m.ts [samples=1000000] [shards=4]`. Prints one JSON object.
 */
import os from 'node:os';
import type { RequestSample } from '@inferbench/contracts';
import { LoadPointAccumulator } from '@inferbench/metrics';

const N = Number(process.argv[2] ?? 1_000_000);
const SHARDS = Number(process.argv[3] ?? 4);
const GAPS = 100;
const TARGET_MS = 2_000;
const slo = { ttftMs: 300, tpotMs: 40, percentile: 99 };

// agents: one accumulator per shard over its share of the samples (100 chunk gaps each, ~1,000 req/s)
const shardStates: string[] = [];
const scratch: RequestSample = {
  idx: 0,
  warmup: false,
  sentUs: 0,
  endUs: 0,
  chunkGapsUs: [],
  inputTokens: 256,
  outputTokens: GAPS + 1,
  reasoningTokens: 0,
  tokenSource: 'server',
  httpStatus: 200,
};
const gapSets = Array.from({ length: 256 }, (_, k) =>
  Array.from({ length: GAPS }, (_, g) => 5_000 + ((k * 7919 + g * 104_729) % 25_000)),
);
for (let s = 0; s < SHARDS; s++) {
  const acc = new LoadPointAccumulator({ slo });
  for (let i = s; i < N; i += SHARDS) {
    const gaps = gapSets[i % gapSets.length]!;
    scratch.idx = i;
    scratch.scheduledUs = i * 1_000;
    scratch.sentUs = scratch.scheduledUs + (i % 89);
    scratch.firstChunkUs = scratch.sentUs + 30_000 + (i % 997) * 150;
    scratch.firstContentUs = scratch.firstChunkUs;
    scratch.chunkGapsUs = gaps;
    scratch.endUs = scratch.firstChunkUs + gaps.reduce((a, b) => a + b, 0);
    scratch.errorClass = i % 100 === 0 ? 'timeout' : undefined;
    acc.add(scratch);
  }
  shardStates.push(acc.encode());
}

// API finalization, timed: decode + merge + summary + encode
const t0 = performance.now();
const merged = new LoadPointAccumulator({ slo });
for (const st of shardStates) merged.merge(LoadPointAccumulator.decode(st));
const summary = merged.summary({ slo, warnings: [], includeTimeSeries: true });
const histograms = merged.encode();
const ms = performance.now() - t0;

process.stdout.write(
  `${JSON.stringify({
    benchmark: 'summary-1m',
    figure: { finalizeMs: Number(ms.toFixed(1)) },
    target: { finalizeMs: TARGET_MS },
    met: ms < TARGET_MS,
    details: {
      samples: N,
      shards: SHARDS,
      chunkGapsPerSample: GAPS,
      summarizedRequests: summary.requests.total,
      timeSeriesSeconds: summary.timeSeries?.length ?? 0,
      shardStateBytes: shardStates.reduce((a, s) => a + s.length, 0),
      histogramsBytes: histograms.length,
      measures:
        'decode + exact merge of the shard accumulators, summary with time series, encode (what finalization does)',
    },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      node: process.version,
      loadavg: os.loadavg(),
    },
  })}\n`,
);

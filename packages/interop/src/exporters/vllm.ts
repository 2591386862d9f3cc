import type { LoadPointSummary, RequestSample, Stats } from '@inferbench/contracts';
import { isSucceeded } from '@inferbench/metrics';
import { linearPercentile } from '../util.js';

/** Options of {@link toVllmResult}. */
export interface VllmExportOptions {
  /** percentiles written as `p{P}_{metric}_ms` (default [99], vLLM's default `--metric-percentiles`) */
  percentiles?: number[];
  /** metadata keys of vLLM's result_json (`date`, `backend`, `model_id`, `tokenizer_id`, `request_rate`, …) */
  metadata?: Record<string, unknown>;
  /** goodput (req/s) to write as request_goodput; default the summary's goodput, else null as vLLM does */
  requestGoodput?: number | null;
}

type VllmMetric = 'ttft' | 'tpot' | 'itl' | 'e2el';

/**
 * A point as a vLLM `bench serve` result JSON (same keys as vLLM's `--save-result` file), so vLLM's
 * plotting scripts read it. With `samples`, every figure is computed from the raw records exactly as
 * vLLM does (numpy mean/std/median/linear percentiles over successful requests, ITL pooled) and the
 * per-request arrays of `--save-detailed` are added (`input_lens, output_lens, ttfts, itls,
 * generated_texts` (empty strings: inferbench does not keep texts), `errors`); without samples the
 * summary's HDR Stats are written (p50/p90/p95/p99/p99.9 only, HDR precision).
 * Our E2E ends at end of stream, vLLM's at the last chunk; exported e2el is ours.
 */
export function toVllmResult(
  summary: LoadPointSummary,
  samples?: readonly RequestSample[],
  opts: VllmExportOptions = {},
): Record<string, unknown> {
  const pcts = opts.percentiles ?? [99];
  const out: Record<string, unknown> = { ...opts.metadata };
  out.duration = summary.durationSec;
  out.completed = summary.requests.succeeded;
  out.failed = summary.requests.failed;
  out.total_input_tokens = summary.tokens.input;
  out.total_output_tokens = summary.tokens.output;
  out.request_throughput = summary.requestThroughput;
  out.request_goodput = opts.requestGoodput !== undefined ? opts.requestGoodput : (summary.goodput ?? null);
  out.output_throughput = summary.outputTokenThroughput;
  out.total_token_throughput = summary.totalTokenThroughput;
  if (samples) {
    const window = samples.filter((s) => !s.warmup && s.errorClass !== 'cancelled');
    const values: Record<VllmMetric, number[]> = { ttft: [], tpot: [], itl: [], e2el: [] };
    const ttfts: number[] = [];
    const itls: number[][] = [];
    for (const s of window) {
      const ok = isSucceeded(s) && s.firstChunkUs !== undefined;
      const ttft = ok ? (s.firstChunkUs! - s.sentUs) / 1e6 : 0;
      ttfts.push(ttft);
      itls.push(ok ? s.chunkGapsUs.map((g) => g / 1e6) : []);
      if (!isSucceeded(s)) continue;
      values.e2el.push((s.endUs - s.sentUs) / 1e6);
      if (s.firstChunkUs === undefined) continue;
      values.ttft.push(ttft);
      for (const g of s.chunkGapsUs) values.itl.push(g / 1e6);
      if (s.outputTokens > 1) values.tpot.push((s.endUs - s.firstChunkUs) / 1e6 / (s.outputTokens - 1));
    }
    out.input_lens = window.map((s) => s.inputTokens);
    out.output_lens = window.map((s) => (isSucceeded(s) ? s.outputTokens : 0));
    out.ttfts = ttfts;
    out.itls = itls;
    out.generated_texts = window.map(() => '');
    out.errors = window.map((s) =>
      isSucceeded(s) ? '' : (s.errorMessage ?? s.errorClass ?? `HTTP ${s.httpStatus}`),
    );
    for (const m of ['ttft', 'tpot', 'itl', 'e2el'] as const) writeExact(out, m, values[m], pcts);
  } else {
    const map: Record<VllmMetric, string> = { ttft: 'ttftMs', tpot: 'tpotMs', itl: 'itlMs', e2el: 'e2eMs' };
    for (const m of ['ttft', 'tpot', 'itl', 'e2el'] as const) {
      const st = summary.latency[map[m]];
      if (st) writeStats(out, m, st, pcts);
    }
  }
  return out;
}

/** vLLM's own computation: numpy over seconds, × 1000; `or 0` for an empty list. */
function writeExact(out: Record<string, unknown>, m: VllmMetric, secs: number[], pcts: number[]): void {
  const xs = secs.length > 0 ? [...secs].sort((a, b) => a - b) : [0];
  const n = xs.length;
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / n;
  let sq = 0;
  for (const x of xs) sq += (x - mean) ** 2;
  out[`mean_${m}_ms`] = mean * 1000;
  out[`median_${m}_ms`] = linearPercentile(xs, 50) * 1000;
  out[`std_${m}_ms`] = Math.sqrt(sq / n) * 1000;
  for (const p of pcts) out[`p${pWord(p)}_${m}_ms`] = linearPercentile(xs, p) * 1000;
}

function writeStats(out: Record<string, unknown>, m: VllmMetric, st: Stats, pcts: number[]): void {
  out[`mean_${m}_ms`] = st.mean;
  out[`median_${m}_ms`] = st.p50;
  out[`std_${m}_ms`] = st.std;
  const byP: Record<string, number> = {
    '50': st.p50,
    '90': st.p90,
    '95': st.p95,
    '99': st.p99,
    '99.9': st.p999,
  };
  for (const p of pcts) {
    const v = byP[String(p)];
    if (v !== undefined) out[`p${pWord(p)}_${m}_ms`] = v;
  }
}

/** vLLM's p_word: `str(int(p)) if int(p) == p else str(p)`. */
function pWord(p: number): string {
  return Number.isInteger(p) ? String(p) : String(p);
}

import type { RequestSample } from '@inferbench/contracts';
import { LoadPointAccumulator, SUMMARY_FIGURES, type SummaryFigure } from '@inferbench/metrics';
import { InteropError } from '../errors.js';
import type { ImportResult, ImportedPoint, ImportedStats, RebuiltFigures } from '../types.js';
import { emptyPoint, isObject, optNum, pKey, setReported, setScalar, type Json } from '../util.js';

/**
 * vLLM `benchmarks/benchmark_serving.py` and `vllm bench serve` result files (`--save-result`, with or
 * without `--save-detailed`; several results appended with `--append-result` are one JSON object per
 * line). Key names from vLLM's `benchmark()`/`main()` (result dict and `result_json`):
 * `duration, completed, failed, total_input_tokens, total_output_tokens, request_throughput,
 * request_goodput, output_throughput, total_token_throughput, {mean,median,std}_{ttft,tpot,itl,e2el}_ms,
 * p{P}_{metric}_ms`, and with `--save-detailed` the per-request arrays `input_lens, output_lens, ttfts
 * (s), itls (s, list per request), generated_texts, errors`.
 */

const VLLM_METRICS: { key: string; figure: SummaryFigure; note?: string }[] = [
  { key: 'ttft', figure: 'ttftMs' },
  {
    key: 'tpot',
    figure: 'tpotMs',
    note: 'vLLM TPOT = (latency − ttft) / (output_len − 1), latency ending at the last content chunk',
  },
  { key: 'itl', figure: 'itlMs', note: 'vLLM ITL: gaps between consecutive content chunks, pooled' },
  {
    key: 'e2el',
    figure: 'e2eMs',
    note: 'vLLM E2EL ends at the last content chunk; ours at end of stream ([DONE]/close)',
  },
];

export const VLLM_RETOKENIZED_FLAG =
  'vLLM output token counts (total_output_tokens, output_lens, output_throughput) are re-tokenized on the client from generated_texts when the server sends no usage (older versions: always); they can exceed the server count';

/** Marker keys: a vLLM result always has these. */
export function looksLikeVllm(o: Json): boolean {
  return (
    'request_throughput' in o &&
    'completed' in o &&
    ('mean_ttft_ms' in o || 'duration' in o) &&
    !('metrics' in o)
  );
}

/** Parse a vLLM file's text: one JSON object, or JSON objects one per line (--append-result). */
export function parseVllmText(text: string): Json[] {
  const trimmed = text.trim();
  try {
    const one = JSON.parse(trimmed) as unknown;
    if (Array.isArray(one)) return one.map((o, i) => asObj(o, `[${i}]`));
    return [asObj(one, '')];
  } catch (e) {
    if (e instanceof InteropError) throw e;
    const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '');
    return lines.map((l, i) => {
      try {
        return asObj(JSON.parse(l), `line ${i + 1}`);
      } catch (err) {
        if (err instanceof InteropError) throw err;
        throw new InteropError('vllm', undefined, `line ${i + 1} is not JSON`);
      }
    });
  }
}

function asObj(v: unknown, where: string): Json {
  if (!isObject(v)) throw new InteropError('vllm', where || undefined, 'expected a JSON object');
  return v;
}

export function importVllm(objects: Json[], detectedBy: 'shape' | 'forced'): ImportResult {
  if (objects.length === 0) throw new InteropError('vllm', undefined, 'no result object in the file');
  const points = objects.map((o, i) => vllmPoint(o, objects.length > 1 ? `[${i}] ` : ''));
  const first = objects[0]!;
  const bench = objects.some((o) => 'endpoint_type' in o || 'max_output_tokens_per_s' in o || 'failed' in o);
  const metadata: Record<string, unknown> = {};
  for (const k of ['date', 'backend', 'endpoint_type', 'label', 'model_id', 'tokenizer_id', 'num_prompts']) {
    if (first[k] !== undefined) metadata[k] = first[k];
  }
  const version = first.vllm_version ?? first.version;
  const result: ImportResult = {
    tool: 'vllm',
    format: bench ? 'vllm-bench-serve' : 'vllm-benchmark-serving',
    detectedBy,
    metadata,
    points,
    warnings: [],
  };
  if (typeof version === 'string') result.toolVersion = version;
  else
    result.warnings.push(
      'vLLM result files do not record the vLLM version (pass --metadata version=… to keep it)',
    );
  return result;
}

function vllmPoint(o: Json, prefix: string): ImportedPoint {
  for (const k of ['completed', 'request_throughput']) {
    if (!(k in o)) throw new InteropError('vllm', prefix + k, 'missing');
  }
  const num = (k: string) => optNum('vllm', o, k, prefix);
  const completed = num('completed')!;
  if (!Number.isInteger(completed) || completed < 0)
    throw new InteropError('vllm', prefix + 'completed', `expected a request count, got ${completed}`);

  const rate = o.request_rate;
  const maxConc = num('max_concurrency');
  const burst = num('burstiness');
  const label =
    (rate === 'inf' || rate === undefined ? 'rate=inf' : `rate=${String(rate)}`) +
    (maxConc ? `, c=${maxConc}` : '');
  const detailed = Array.isArray(o.ttfts) && Array.isArray(o.itls) && Array.isArray(o.output_lens);
  const point = emptyPoint(label, detailed ? 'samples' : 'aggregates');
  if (rate === 'inf' || typeof rate === 'number') {
    point.load = { kind: 'rate', rate: rate === 'inf' ? 'inf' : rate };
    if (maxConc !== undefined) point.load.maxConcurrency = maxConc;
    if (burst !== undefined) point.load.burstiness = burst;
  } else if (maxConc !== undefined) point.load = { kind: 'concurrency', concurrency: maxConc };

  point.requests.succeeded = completed;
  const failed = num('failed');
  if (failed !== undefined) {
    point.requests.failed = failed;
    point.requests.total = completed + failed;
    point.sources['requests.failed'] = { key: 'failed', relation: 'same' };
    if (completed + failed > 0)
      setScalar(point, 'errorRate', failed / (completed + failed), {
        key: 'failed / (completed + failed)',
        relation: 'same',
      });
  }
  point.sources['requests.succeeded'] = { key: 'completed', relation: 'same' };
  setScalar(point, 'durationSec', num('duration'), {
    key: 'duration',
    relation: 'approx',
    note: 'vLLM: wall time from the first request sent to the last response, warm-up excluded',
  });
  setScalar(point, 'requestThroughput', num('request_throughput'), {
    key: 'request_throughput',
    relation: 'same',
  });
  setScalar(point, 'outputTokenThroughput', num('output_throughput'), {
    key: 'output_throughput',
    relation: 'approx',
    note: 'output tokens may be client re-tokenized',
  });
  setScalar(point, 'totalTokenThroughput', num('total_token_throughput'), {
    key: 'total_token_throughput',
    relation: 'approx',
    note: 'output tokens may be client re-tokenized',
  });
  const goodput = num('request_goodput');
  setScalar(point, 'goodput', goodput, {
    key: 'request_goodput',
    relation: 'approx',
    note: 'vLLM SLOs (--goodput) cover ttft, tpot and e2el only',
  });
  const tin = num('total_input_tokens');
  const tout = num('total_output_tokens');
  if (tin !== undefined) {
    point.tokens.input = tin;
    point.sources['tokens.input'] = { key: 'total_input_tokens', relation: 'same' };
  }
  if (tout !== undefined) {
    point.tokens.output = tout;
    point.sources['tokens.output'] = {
      key: 'total_output_tokens',
      relation: 'approx',
      note: 'client re-tokenized',
    };
  }
  point.flags.push(VLLM_RETOKENIZED_FLAG);

  for (const m of VLLM_METRICS) {
    const stats: ImportedStats = { percentiles: {} };
    const mean = num(`mean_${m.key}_ms`);
    const std = num(`std_${m.key}_ms`);
    const median = num(`median_${m.key}_ms`);
    if (mean !== undefined) stats.mean = mean;
    if (std !== undefined) stats.std = std;
    if (median !== undefined) stats.percentiles['50'] = median;
    for (const k of Object.keys(o)) {
      const match = new RegExp(`^p(\\d+(?:\\.\\d+)?)_${m.key}_ms$`).exec(k);
      if (match) stats.percentiles[pKey(Number(match[1]))] = num(k)!;
    }
    setReported(point, m.figure, stats, {
      key: `{mean,median,std,pN}_${m.key}_ms`,
      relation: m.figure === 'e2eMs' ? 'approx' : 'same',
      ...(m.note ? { note: m.note } : {}),
    });
  }
  for (const k of ['max_output_tokens_per_s', 'max_concurrent_requests', 'rps_change_events']) {
    if (o[k] !== undefined) point.extras[k] = o[k];
  }
  if (detailed) {
    point.rebuilt = rebuildVllm(o, prefix);
    point.flags.push(
      'vLLM files hold no request start times: rebuilt samples all start at t=0, so they give distributions (TTFT, TPOT, ITL, E2E, CDFs, CIs) but no time series; duration and throughput come from the file',
      'vLLM error strings are not classified: failed requests are counted under error class `http`',
    );
  }
  return point;
}

/** Rebuild our RequestSamples from the per-request arrays and feed our accumulator. */
function rebuildVllm(o: Json, prefix: string): RebuiltFigures {
  const ttfts = o.ttfts as unknown[];
  const itls = o.itls as unknown[];
  const outLens = o.output_lens as unknown[];
  const inLens = Array.isArray(o.input_lens) ? (o.input_lens as unknown[]) : undefined;
  const errors = Array.isArray(o.errors) ? (o.errors as unknown[]) : undefined;
  const n = ttfts.length;
  for (const [name, arr] of [
    ['itls', itls],
    ['output_lens', outLens],
    ['input_lens', inLens],
    ['errors', errors],
  ] as const) {
    if (arr !== undefined && arr.length !== n)
      throw new InteropError('vllm', prefix + name, `has ${arr.length} entries, ttfts has ${n}`);
  }
  const samples: RequestSample[] = [];
  for (let i = 0; i < n; i++) {
    const err = errors?.[i];
    const failed = typeof err === 'string' ? err !== '' : err !== undefined && err !== null;
    const inputTokens = inLens ? intAt(inLens, i, prefix + 'input_lens') : 0;
    const outputTokens = intAt(outLens, i, prefix + 'output_lens');
    if (failed) {
      samples.push({
        idx: i,
        warmup: false,
        sentUs: 0,
        endUs: 0,
        chunkGapsUs: [],
        inputTokens,
        outputTokens: 0,
        reasoningTokens: 0,
        tokenSource: 'client',
        httpStatus: 0,
        errorMessage: String(err).slice(0, 2000),
      });
      continue;
    }
    const ttft = ttfts[i];
    if (typeof ttft !== 'number' || !Number.isFinite(ttft) || ttft < 0)
      throw new InteropError(
        'vllm',
        `${prefix}ttfts[${i}]`,
        `expected seconds ≥ 0, got ${JSON.stringify(ttft)}`,
      );
    const gapsS = itls[i];
    if (!Array.isArray(gapsS))
      throw new InteropError('vllm', `${prefix}itls[${i}]`, 'expected a list of seconds');
    // cumulative chunk times rounded to µs (no drift), gaps as differences
    let t = ttft;
    const first = Math.round(ttft * 1e6);
    let prev = first;
    const gaps: number[] = [];
    for (let j = 0; j < gapsS.length; j++) {
      const g = gapsS[j];
      if (typeof g !== 'number' || !Number.isFinite(g) || g < 0)
        throw new InteropError(
          'vllm',
          `${prefix}itls[${i}][${j}]`,
          `expected seconds ≥ 0, got ${JSON.stringify(g)}`,
        );
      t += g;
      const cur = Math.round(t * 1e6);
      gaps.push(cur - prev);
      prev = cur;
    }
    samples.push({
      idx: i,
      warmup: false,
      sentUs: 0,
      firstChunkUs: first,
      endUs: prev,
      chunkGapsUs: gaps,
      inputTokens,
      outputTokens,
      reasoningTokens: 0,
      tokenSource: 'client',
      httpStatus: 200,
    });
  }
  const accumulator = new LoadPointAccumulator({ timeSeries: false }).addAll(samples);
  const latency: RebuiltFigures['latency'] = {};
  for (const f of SUMMARY_FIGURES) {
    if (f === 'scheduleDelayMs' || f === 'clientQueueMs') continue;
    const s = accumulator.stats(f);
    if (s) latency[f] = s;
  }
  return { samples, accumulator, latency };
}

function intAt(arr: unknown[], i: number, name: string): number {
  const v = arr[i];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new InteropError('vllm', `${name}[${i}]`, `expected a token count, got ${JSON.stringify(v)}`);
  return v;
}

import type { SummaryFigure } from '@inferbench/metrics';
import { InteropError } from '../errors.js';
import type { FigureSource, ImportResult, ImportedStats } from '../types.js';
import { at, emptyPoint, isObject, optNum, pKey, setReported, setScalar, type Json } from '../util.js';

/**
 * inference-perf (kubernetes-sigs) lifecycle report (`summary_lifecycle_metrics.json`,
 * `stage_N_lifecycle_metrics.json`): `{benchmark_time_seconds, load_summary{count, schedule_delay,
 * send_duration, requested_rate, achieved_rate, concurrency}, successes{count, latency{request_latency,
 * normalized_time_per_output_token, time_per_output_token, time_to_first_token, inter_token_latency},
 * throughput{input_tokens_per_sec, output_tokens_per_sec, total_tokens_per_sec, requests_per_sec},
 * prompt_tokens, output_tokens, …}, failures{count, …}}`; each distribution `{mean, min, max, median,
 * p0.1 … p99.9}` in **seconds** (numpy percentiles). Names from inference_perf/reportgen/base.py.
 */

const LAT: { key: string; figure: SummaryFigure; source: Omit<FigureSource, 'key'> }[] = [
  { key: 'time_to_first_token', figure: 'ttftMs', source: { relation: 'same' } },
  { key: 'request_latency', figure: 'e2eMs', source: { relation: 'same' } },
  { key: 'normalized_time_per_output_token', figure: 'ntpotMs', source: { relation: 'same' } },
  {
    key: 'time_per_output_token',
    figure: 'tpotMs',
    source: {
      relation: 'approx',
      note: '(last token − first token)/(output tokens − 1): ends at the last token, ours at end of stream',
    },
  },
  {
    key: 'inter_token_latency',
    figure: 'itlMs',
    source: {
      relation: 'approx',
      note: 'pooled gaps between output token times; with a tokenizer configured every token of a chunk gets the chunk time (intra-chunk gaps of 0), so it is per token, ours per chunk',
    },
  },
];

export function looksLikeInferencePerf(o: Json): boolean {
  return isObject(o.successes) && isObject(o.load_summary) && 'failures' in o;
}

function dist(d: unknown, path: string): ImportedStats | undefined {
  if (d === undefined || d === null) return undefined;
  if (!isObject(d)) throw new InteropError('inference-perf', path, 'expected a distribution object');
  const s: ImportedStats = { percentiles: {} };
  for (const [k, v] of Object.entries(d)) {
    if (typeof v !== 'number') continue;
    const ms = v * 1000;
    if (k === 'mean') s.mean = ms;
    else if (k === 'min') s.min = ms;
    else if (k === 'max') s.max = ms;
    else if (k === 'median') s.percentiles['50'] = ms;
    else {
      const m = /^p(\d+(?:\.\d+)?)$/.exec(k);
      if (m) s.percentiles[pKey(Number(m[1]))] = ms;
    }
  }
  return s;
}

export function importInferencePerf(o: Json, detectedBy: 'shape' | 'forced'): ImportResult {
  const succ = o.successes;
  if (!isObject(succ)) throw new InteropError('inference-perf', 'successes', 'missing');
  const count = optNum('inference-perf', succ, 'count', 'successes.');
  if (count === undefined) throw new InteropError('inference-perf', 'successes.count', 'missing');
  const rate = optNum('inference-perf', o, 'load_summary.requested_rate');
  const conc = optNum('inference-perf', o, 'load_summary.concurrency');
  const point = emptyPoint(
    rate !== undefined ? `rate=${rate}` : conc !== undefined ? `c=${conc}` : 'summary',
    'aggregates',
  );
  if (rate !== undefined)
    point.load = { kind: 'rate', rate, ...(conc !== undefined ? { maxConcurrency: conc } : {}) };
  else if (conc !== undefined) point.load = { kind: 'concurrency', concurrency: conc };
  point.requests.succeeded = count;
  point.sources['requests.succeeded'] = { key: 'successes.count', relation: 'same' };
  const failed = optNum('inference-perf', o, 'failures.count');
  if (failed !== undefined) {
    point.requests.failed = failed;
    point.requests.total = count + failed;
    point.sources['requests.failed'] = { key: 'failures.count', relation: 'same' };
    if (count + failed > 0)
      setScalar(point, 'errorRate', failed / (count + failed), {
        key: 'failures.count / (successes.count + failures.count)',
        relation: 'same',
      });
  }
  setScalar(point, 'durationSec', optNum('inference-perf', o, 'benchmark_time_seconds'), {
    key: 'benchmark_time_seconds',
    relation: 'same',
    note: 'last end − first start over all requests',
  });
  for (const l of LAT) {
    const d = dist(at(succ, `latency.${l.key}`), `successes.latency.${l.key}`);
    if (d)
      setReported(point, l.figure, d, {
        key: `successes.latency.${l.key}`,
        ...l.source,
        note: [l.source.note, 'seconds in the file'].filter(Boolean).join('; '),
      });
  }
  const tp = (k: string) => optNum('inference-perf', succ, `throughput.${k}`, 'successes.');
  setScalar(point, 'requestThroughput', tp('requests_per_sec'), {
    key: 'successes.throughput.requests_per_sec',
    relation: 'same',
  });
  setScalar(point, 'outputTokenThroughput', tp('output_tokens_per_sec'), {
    key: 'successes.throughput.output_tokens_per_sec',
    relation: 'same',
  });
  setScalar(point, 'totalTokenThroughput', tp('total_tokens_per_sec'), {
    key: 'successes.throughput.total_tokens_per_sec',
    relation: 'same',
  });
  const gp = optNum('inference-perf', succ, 'goodput_metrics.request_goodput', 'successes.');
  setScalar(point, 'goodput', gp, {
    key: 'successes.goodput_metrics.request_goodput',
    relation: 'approx',
    note: 'inference-perf SLOs: ttft, tpot, itl, ntpot, request_latency',
  });
  const tin = optNum('inference-perf', succ, 'prompt_tokens.total', 'successes.');
  const tout = optNum('inference-perf', succ, 'output_tokens.total', 'successes.');
  if (tin !== undefined) {
    point.tokens.input = tin;
    point.sources['tokens.input'] = { key: 'successes.prompt_tokens.total', relation: 'same' };
  }
  if (tout !== undefined) {
    point.tokens.output = tout;
    point.sources['tokens.output'] = {
      key: 'successes.output_tokens.total',
      relation: 'same',
      note: 'server usage where reported, else client count',
    };
  }
  const sd = dist(at(o, 'load_summary.schedule_delay'), 'load_summary.schedule_delay');
  if (sd)
    setReported(point, 'scheduleDelayMs', sd, {
      key: 'load_summary.schedule_delay',
      relation: 'same',
      note: 'start − scheduled time, all requests; seconds in the file',
    });
  return {
    tool: 'inference-perf',
    format: 'inference-perf-report',
    detectedBy,
    metadata: {},
    points: [point],
    warnings: [],
  };
}

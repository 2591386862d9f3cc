import type { SummaryFigure } from '@inferbench/metrics';
import { InteropError } from '../errors.js';
import type { FigureSource, ImportResult, ImportedPoint, ImportedStats } from '../types.js';
import { at, emptyPoint, isObject, optNum, pKey, setReported, setScalar, type Json } from '../util.js';

/**
 * NVIDIA AIPerf exports: `profile_export_aiperf.json` (one object per metric tag
 * `{unit, avg, min, max, p1 … p99, std}`, plus `benchmark_duration`, `request_count`, `error_summary`,
 * `input_config`…) and `profile_export_aiperf.csv` (a `Metric,avg,min,max,p1,…,p99,std` section, a
 * `Metric,Value` section, optional GPU telemetry). Names from AIPerf's docs
 * (docs/tutorials/working-with-profile-exports.md, docs/metrics_reference.md).
 */

interface TagMap {
  tag: string;
  csv: string;
  figure: SummaryFigure;
  source: Omit<FigureSource, 'key'>;
}

/** AIPerf metric tag (JSON) and display name (CSV, without the unit) → our figure. */
const LATENCY_TAGS: TagMap[] = [
  { tag: 'time_to_first_token', csv: 'time to first token', figure: 'ttftMs', source: { relation: 'same' } },
  {
    tag: 'time_to_second_token',
    csv: 'time to second token',
    figure: 'ttstMs',
    source: { relation: 'same' },
  },
  {
    tag: 'time_to_first_output_token',
    csv: 'time to first output token',
    figure: 'ttftContentMs',
    source: { relation: 'same', note: 'first non-reasoning output token' },
  },
  { tag: 'request_latency', csv: 'request latency', figure: 'e2eMs', source: { relation: 'same' } },
  {
    tag: 'inter_token_latency',
    csv: 'inter token latency',
    figure: 'tpotMs',
    source: {
      relation: 'same',
      note: 'AIPerf calls TPOT "ITL": (request latency − TTFT)/(output tokens − 1)',
    },
  },
  {
    tag: 'inter_chunk_latency',
    csv: 'inter chunk latency',
    figure: 'itlMs',
    source: { relation: 'same', note: 'AIPerf inter-chunk latency = our ITL (gaps between chunks)' },
  },
  {
    tag: 'output_token_throughput_per_user',
    csv: 'output token throughput per user',
    figure: 'decodeTokensPerSec',
    source: { relation: 'same', note: '1 / AIPerf inter_token_latency' },
  },
];

const SCALAR_TAGS: {
  tag: string;
  csv: string;
  name: keyof ImportedPoint['scalars'];
  source: Omit<FigureSource, 'key'>;
}[] = [
  {
    tag: 'request_throughput',
    csv: 'request throughput',
    name: 'requestThroughput',
    source: { relation: 'same' },
  },
  {
    tag: 'output_token_throughput',
    csv: 'output token throughput',
    name: 'outputTokenThroughput',
    source: { relation: 'same' },
  },
  {
    tag: 'benchmark_duration',
    csv: 'benchmark duration',
    name: 'durationSec',
    source: { relation: 'approx', note: 'seconds' },
  },
  { tag: 'goodput', csv: 'goodput', name: 'goodput', source: { relation: 'same' } },
];

const STAT_KEYS = ['avg', 'min', 'max', 'std', 'p1', 'p5', 'p10', 'p25', 'p50', 'p75', 'p90', 'p95', 'p99'];

export function looksLikeAiperfJson(o: Json): boolean {
  return (
    (isObject(o.records) &&
      isObject((o.records as Json).request_latency ?? (o.records as Json).time_to_first_token)) ||
    ((isObject(o.request_latency) || isObject(o.time_to_first_token)) &&
      (isObject(o.input_config) || isObject(o.request_throughput)))
  );
}

export function looksLikeAiperfCsv(text: string): boolean {
  return /^\uFEFF?Metric,avg,min,max,p1,/m.test(text) || /^Metric,Value\s*$/m.test(text);
}

function statsFrom(rec: Record<string, number | undefined>): ImportedStats {
  const s: ImportedStats = { percentiles: {} };
  if (rec.avg !== undefined) s.mean = rec.avg;
  if (rec.std !== undefined) s.std = rec.std;
  if (rec.min !== undefined) s.min = rec.min;
  if (rec.max !== undefined) s.max = rec.max;
  for (const [k, v] of Object.entries(rec)) {
    const m = /^p(\d+(?:\.\d+)?)$/.exec(k);
    if (m && v !== undefined) s.percentiles[pKey(Number(m[1]))] = v;
  }
  return s;
}

export function importAiperfJson(file: Json, detectedBy: 'shape' | 'forced'): ImportResult {
  // early AIPerf releases nested the metrics under `records`
  const root = isObject(file.records) ? (file.records as Json) : file;
  const prefix = root === file ? '' : 'records.';
  const point = emptyPoint(aiperfLabel(file), 'aggregates');
  const load = aiperfLoad(file);
  if (load) point.load = load;
  let found = 0;
  for (const t of LATENCY_TAGS) {
    const rec = root[t.tag];
    if (rec === undefined || rec === null) continue;
    if (!isObject(rec))
      throw new InteropError('aiperf', prefix + t.tag, 'expected a metric object {unit, avg, …}');
    const unit = rec.unit;
    if (t.figure !== 'decodeTokensPerSec' && unit !== undefined && unit !== 'ms')
      throw new InteropError('aiperf', `${prefix}${t.tag}.unit`, `expected ms, got ${JSON.stringify(unit)}`);
    const vals: Record<string, number | undefined> = {};
    for (const k of STAT_KEYS) vals[k] = optNum('aiperf', rec, k, `${prefix}${t.tag}.`);
    setReported(point, t.figure, statsFrom(vals), { key: prefix + t.tag, ...t.source });
    found++;
  }
  for (const t of SCALAR_TAGS) {
    const rec = root[t.tag];
    if (!isObject(rec)) continue;
    setScalar(point, t.name, optNum('aiperf', rec, 'avg', `${prefix}${t.tag}.`), {
      key: `${prefix}${t.tag}.avg`,
      ...t.source,
    });
    found++;
  }
  if (found === 0)
    throw new InteropError(
      'aiperf',
      'request_latency',
      'no AIPerf metric (request_latency, time_to_first_token, …) in the file',
    );
  const count = optNum('aiperf', root, 'request_count.avg', prefix);
  if (count !== undefined) {
    point.requests.succeeded = count;
    point.sources['requests.succeeded'] = {
      key: `${prefix}request_count.avg`,
      relation: 'same',
      note: 'AIPerf request_count counts valid (successful) requests',
    };
  }
  const errs = optNum('aiperf', root, 'error_request_count.avg', prefix);
  if (errs !== undefined) {
    point.requests.failed = errs;
    point.sources['requests.failed'] = { key: `${prefix}error_request_count.avg`, relation: 'same' };
  }
  if (count !== undefined && errs !== undefined && count + errs > 0)
    setScalar(point, 'errorRate', errs / (count + errs), {
      key: 'error_request_count / (request_count + error_request_count)',
      relation: 'same',
    });
  const tin = optNum('aiperf', root, 'total_isl.avg', prefix);
  const tout = optNum('aiperf', root, 'total_osl.avg', prefix);
  if (tin !== undefined) {
    point.tokens.input = tin;
    point.sources['tokens.input'] = { key: `${prefix}total_isl.avg`, relation: 'same' };
  }
  if (tout !== undefined) {
    point.tokens.output = tout;
    point.sources['tokens.output'] = { key: `${prefix}total_osl.avg`, relation: 'same' };
  }
  if (Array.isArray(file.error_summary)) point.extras.error_summary = file.error_summary;
  const result: ImportResult = {
    tool: 'aiperf',
    format: 'aiperf-json',
    detectedBy,
    metadata: {},
    points: [point],
    warnings: [],
  };
  const version = file.aiperf_version ?? file.version;
  if (typeof version === 'string') result.toolVersion = version;
  const model = at(file, 'input_config.endpoint.model_names');
  if (Array.isArray(model)) result.metadata.model = model[0];
  for (const k of ['start_time', 'end_time', 'was_cancelled'])
    if (file[k] !== undefined) result.metadata[k] = file[k];
  return result;
}

function aiperfLoad(file: Json): ImportedPoint['load'] {
  const c = at(file, 'input_config.loadgen.concurrency');
  const r = at(file, 'input_config.loadgen.request_rate');
  if (typeof r === 'number')
    return { kind: 'rate', rate: r, ...(typeof c === 'number' ? { maxConcurrency: c } : {}) };
  if (typeof c === 'number') return { kind: 'concurrency', concurrency: c };
  return undefined;
}

function aiperfLabel(file: Json): string {
  const l = aiperfLoad(file);
  if (!l) return 'profile';
  return l.kind === 'concurrency' ? `c=${l.concurrency}` : l.kind === 'rate' ? `rate=${l.rate}` : 'profile';
}

/** Split a CSV line (quoted fields with "" escapes). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** `Time to First Token (ms)` → { name: 'time to first token', unit: 'ms' } */
function splitName(s: string): { name: string; unit: string | undefined } {
  const m = /^(.*?)\s*\(([^)]*)\)\s*$/.exec(s.trim());
  return m ? { name: m[1]!.toLowerCase(), unit: m[2] } : { name: s.trim().toLowerCase(), unit: undefined };
}

export function importAiperfCsv(text: string, detectedBy: 'shape' | 'forced'): ImportResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let header: string[] | undefined;
  const point = emptyPoint('profile', 'aggregates');
  let found = 0;
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!;
    if (line.trim() === '') {
      header = undefined;
      continue;
    }
    const f = csvFields(line);
    if (header === undefined) {
      header = f.map((h) => h.trim());
      continue;
    }
    if (header[0] !== 'Metric') continue; // telemetry section (Endpoint,GPU_Index,…)
    const { name, unit } = splitName(f[0]!);
    const num = (k: string): number | undefined => {
      const i = header!.indexOf(k);
      if (i < 0 || f[i] === undefined || f[i]!.trim() === '') return undefined;
      const v = Number(f[i]);
      if (!Number.isFinite(v))
        throw new InteropError('aiperf', `line ${li + 1} ${k}`, `not a number: ${JSON.stringify(f[i])}`);
      return v;
    };
    if (header[1] === 'Value') {
      const t = SCALAR_TAGS.find((s) => s.csv === name);
      if (t) {
        setScalar(point, t.name, num('Value'), { key: `CSV "${f[0]}"`, ...t.source });
        found++;
      } else if (name === 'request count') {
        point.requests.succeeded = num('Value')!;
        point.sources['requests.succeeded'] = { key: `CSV "${f[0]}"`, relation: 'same' };
      } else if (name === 'error request count') {
        point.requests.failed = num('Value')!;
        point.sources['requests.failed'] = { key: `CSV "${f[0]}"`, relation: 'same' };
      } else if (name === 'total isl') {
        point.tokens.input = num('Value')!;
        point.sources['tokens.input'] = { key: `CSV "${f[0]}"`, relation: 'same' };
      } else if (name === 'total osl') {
        point.tokens.output = num('Value')!;
        point.sources['tokens.output'] = { key: `CSV "${f[0]}"`, relation: 'same' };
      } else point.extras[f[0]!] = num('Value');
      continue;
    }
    const t = LATENCY_TAGS.find((x) => x.csv === name);
    if (!t) continue;
    if (t.figure !== 'decodeTokensPerSec' && unit !== 'ms')
      throw new InteropError(
        'aiperf',
        `line ${li + 1} "${f[0]}"`,
        `expected a (ms) metric, got unit ${JSON.stringify(unit)}`,
      );
    const vals: Record<string, number | undefined> = {};
    for (const k of STAT_KEYS) vals[k] = num(k);
    setReported(point, t.figure, statsFrom(vals), { key: `CSV "${f[0]}"`, ...t.source });
    found++;
  }
  if (found === 0)
    throw new InteropError(
      'aiperf',
      'Metric',
      'no AIPerf metric rows (e.g. "Request Latency (ms)") in the CSV',
    );
  return { tool: 'aiperf', format: 'aiperf-csv', detectedBy, metadata: {}, points: [point], warnings: [] };
}

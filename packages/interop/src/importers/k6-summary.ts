import { InteropError } from '../errors.js';
import { K6_COUNTERS, K6_TRENDS } from '../k6/names.js';
import type { ImportResult, ImportedStats } from '../types.js';
import { emptyPoint, isObject, optNum, pKey, setReported, setScalar, type Json } from '../util.js';

/**
 * k6 end-of-test summaries: `--summary-export` (legacy: `metrics.<name>` holds the values directly,
 * e.g. `{avg, min, med, max, "p(90)", "p(95)"}`, counters `{count, rate}`) and the `handleSummary(data)`
 * object (`metrics.<name> = {type, contains, values{…}, thresholds}`); both with `state.testRunDurationMs`
 * and `options.summaryTrendStats`. Shapes from the k6 docs (results-output/end-of-test).
 * Only the inferbench metrics written by our exported scripts (ib_ttft, ib_tpot, ib_itl, ib_e2e,
 * ib_requests_ok/failed, ib_output_tokens) are mapped: k6's built-in http_req_duration does not time
 * a streamed response's tokens and is kept in extras.
 */

export function looksLikeK6(o: Json): boolean {
  return isObject(o.metrics) && (isObject(o.state) || isObject(o.root_group)) && !Array.isArray(o.benchmarks);
}

export function importK6Summary(o: Json, detectedBy: 'shape' | 'forced'): ImportResult {
  const metrics = o.metrics;
  if (!isObject(metrics)) throw new InteropError('k6', 'metrics', 'missing');
  const handle = Object.values(metrics).some((m) => isObject(m) && isObject(m.values));
  const vals = (name: string): Json | undefined => {
    const m = metrics[name];
    if (!isObject(m)) return undefined;
    if (handle) return isObject(m.values) ? m.values : undefined;
    return m;
  };
  const point = emptyPoint('k6 test', 'aggregates');
  let mapped = 0;
  for (const [name, figure] of Object.entries(K6_TRENDS)) {
    const v = vals(name);
    if (!v) continue;
    const s: ImportedStats = { percentiles: {} };
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'number') continue;
      if (k === 'avg') s.mean = x;
      else if (k === 'min') s.min = x;
      else if (k === 'max') s.max = x;
      else if (k === 'med') s.percentiles['50'] = x;
      else {
        const m = /^p\((\d+(?:\.\d+)?)\)$/.exec(k);
        if (m) s.percentiles[pKey(Number(m[1]))] = x;
      }
    }
    setReported(point, figure, s, {
      key: `metrics.${name}`,
      relation: 'same',
      note: 'computed by the inferbench-generated k6 script with our formula (k6 clock: ms resolution)',
    });
    mapped++;
  }
  const count = (name: string, field: 'count' | 'rate') => {
    const v = vals(name);
    return v ? optNum('k6', v, field, `metrics.${name}.${handle ? 'values.' : ''}`) : undefined;
  };
  const ok = count(K6_COUNTERS.ok, 'count');
  const failed = count(K6_COUNTERS.failed, 'count');
  if (ok !== undefined) {
    point.requests.succeeded = ok;
    point.sources['requests.succeeded'] = { key: `metrics.${K6_COUNTERS.ok}.count`, relation: 'same' };
    mapped++;
  }
  if (failed !== undefined) {
    point.requests.failed = failed;
    point.sources['requests.failed'] = { key: `metrics.${K6_COUNTERS.failed}.count`, relation: 'same' };
  }
  if (ok !== undefined && failed !== undefined && ok + failed > 0) {
    point.requests.total = ok + failed;
    setScalar(point, 'errorRate', failed / (ok + failed), {
      key: 'ib_requests_failed / (ok + failed)',
      relation: 'same',
    });
  }
  const durMs = optNum('k6', o, 'state.testRunDurationMs');
  const k6Window =
    'k6 rates divide by the whole test run (testRunDurationMs, setup/teardown and ramps included), ours by first send → last end';
  setScalar(point, 'durationSec', durMs !== undefined ? durMs / 1000 : undefined, {
    key: 'state.testRunDurationMs',
    relation: 'approx',
    note: k6Window,
  });
  setScalar(point, 'requestThroughput', count(K6_COUNTERS.ok, 'rate'), {
    key: `metrics.${K6_COUNTERS.ok}.rate`,
    relation: 'approx',
    note: k6Window,
  });
  setScalar(point, 'outputTokenThroughput', count(K6_COUNTERS.outputTokens, 'rate'), {
    key: `metrics.${K6_COUNTERS.outputTokens}.rate`,
    relation: 'approx',
    note: k6Window,
  });
  const outTok = count(K6_COUNTERS.outputTokens, 'count');
  if (outTok !== undefined) {
    point.tokens.output = outTok;
    point.sources['tokens.output'] = {
      key: `metrics.${K6_COUNTERS.outputTokens}.count`,
      relation: 'same',
      note: 'server usage',
    };
  }
  const inTok = count(K6_COUNTERS.inputTokens, 'count');
  if (inTok !== undefined) {
    point.tokens.input = inTok;
    point.sources['tokens.input'] = {
      key: `metrics.${K6_COUNTERS.inputTokens}.count`,
      relation: 'same',
      note: 'server usage',
    };
  }
  for (const name of ['http_req_duration', 'http_reqs', 'http_req_failed', 'iterations', 'vus_max']) {
    const v = vals(name);
    if (v) point.extras[name] = v;
  }
  const warnings: string[] = [];
  if (mapped === 0)
    warnings.push(
      'no inferbench metrics (ib_ttft, ib_requests_ok, …) in this k6 summary: only k6 built-ins, kept unmapped in extras',
    );
  return {
    tool: 'k6',
    format: handle ? 'k6-handle-summary' : 'k6-summary-export',
    detectedBy,
    metadata: {},
    points: [point],
    warnings,
  };
}

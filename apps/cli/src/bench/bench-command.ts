import { writeFile } from 'node:fs/promises';
import type { LoadPointSummary } from '@inferbench/contracts';
import { CliError, EXIT } from '../errors.js';
import { fmtMs, fmtNum, NONE } from '../format/numbers.js';
import { LATENCY_HEADERS, latencyRows } from '../format/summary.js';
import { renderTable } from '../format/table.js';
import type { CliIo } from '../io.js';
import { formatPresetList, parseBenchOptions, type BenchCliOptions } from './bench-options.js';
import { comparisonJson, formatComparison, readComparable } from './compare.js';
import { describePlan, describeWorkload } from './describe.js';
import { formatSlo } from './parse-values.js';
import type { BenchPoint, BenchResultV2 } from './result.js';
import { noneSucceeded, runBenchPlan } from './run-bench.js';

export { parseBenchOptions, type BenchCliOptions } from './bench-options.js';

function requestLine(s: LoadPointSummary): string {
  const errs = Object.entries(s.errorsByClass)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return `requests: ${s.requests.succeeded} ok, ${s.requests.failed} failed${errs ? ` (${errs})` : ''}, ${s.requests.cancelled} cancelled, ${s.requests.warmup} warm-up, ${s.connectionRetries ?? 0} connection retries`;
}

/** The detailed view of one point: counts, throughput and the vertical latency table. */
function formatPointDetail(p: BenchPoint): string {
  const s = p.summary;
  const lines = [
    requestLine(s),
    `duration ${fmtNum(s.durationSec, 2)} s  ${fmtNum(s.requestThroughput, 3)} req/s  ${fmtNum(s.outputTokenThroughput, 1)} output tok/s  ${fmtNum(s.totalTokenThroughput, 1)} total tok/s  concurrency ${fmtNum(s.achievedConcurrency, 2)}  ${fmtNum(s.tokens.tokensPerChunk, 2)} tokens/chunk`,
  ];
  if (s.goodput !== undefined) {
    lines.push(
      `goodput ${fmtNum(s.goodput, 3)} req/s  ${fmtNum(s.tokenGoodput, 1)} tok/s  SLO attainment ${fmtNum(s.sloAttainmentPct, 1)}%`,
    );
  }
  const rows = latencyRows(s);
  const table = rows.length
    ? renderTable(LATENCY_HEADERS, rows)
    : 'no successful request: no latency figures\n';
  return `${lines.join('\n')}\n\n${table}`;
}

const lat = (s: LoadPointSummary, fig: string, q: 'p50' | 'p99'): string => {
  const st = s.latency[fig];
  return st && st.count > 0 ? fmtMs(st[q]) : NONE;
};

/** One row per point: level, status, counts, latency percentiles (ms), throughput, goodput and SLO verdict. */
export function formatPointsTable(r: BenchResultV2): string {
  const withSlo = r.config.slo !== undefined;
  const headers = [
    '#',
    'level',
    'status',
    'ok',
    'failed',
    'retries',
    'TTFT p50',
    'TTFT p99',
    'TPOT p50',
    'TPOT p99',
    'ITL p99',
    'E2E p99',
    'req/s',
    'out tok/s',
    ...(withSlo ? ['goodput/s', 'SLO'] : []),
  ];
  const rows = r.points.map((p) => {
    const s = p.summary;
    return [
      String(p.index + 1),
      p.label,
      // `!`: error rate above the plan's maxErrorRate (the warning below names the classes)
      s.errorRateExceeded ? `${p.status}!` : p.status,
      String(s.requests.succeeded),
      String(s.requests.failed),
      String(s.connectionRetries ?? 0),
      lat(s, 'ttftMs', 'p50'),
      lat(s, 'ttftMs', 'p99'),
      lat(s, 'tpotMs', 'p50'),
      lat(s, 'tpotMs', 'p99'),
      lat(s, 'itlMs', 'p99'),
      lat(s, 'e2eMs', 'p99'),
      fmtNum(s.requestThroughput, 2),
      fmtNum(s.outputTokenThroughput, 1),
      ...(withSlo
        ? [fmtNum(s.goodput, 2), p.sloPass === undefined ? NONE : p.sloPass ? 'met' : 'missed']
        : []),
    ];
  });
  return renderTable(headers, rows, { align: headers.map((_, i) => (i >= 1 && i <= 2 ? 'left' : 'right')) });
}

/** The human summary printed at the end of `bench`: one point in detail, or one row per point, then warnings. */
export function formatBenchSummary(r: BenchResultV2): string {
  const c = r.config;
  const out: string[] = [
    `${c.model} @ ${c.baseUrl} (${c.apiKind})  ${describePlan(c.plan)}  ${describeWorkload(c.workload)}  status ${r.status}${r.reason ? ` (${r.reason})` : ''}`,
  ];
  if (c.slo) out.push(`SLO: ${formatSlo(c.slo)}`);
  const single = r.points.length === 1 && c.plan.kind !== 'sla' && c.plan.kind !== 'sweep';
  if (r.points.length === 0) out.push('no load point ran');
  else if (single)
    out.push(
      `${r.points[0]!.label}: ${r.points[0]!.status}${r.points[0]!.reason ? ` (${r.points[0]!.reason})` : ''}`,
      formatPointDetail(r.points[0]!),
    );
  else out.push('', formatPointsTable(r));
  for (const p of r.points) {
    for (const w of p.summary.warnings) out.push(`! ${single ? '' : `[${p.label}] `}${w}`);
    if (!single && p.reason) out.push(`! [${p.label}] ${p.status}: ${p.reason}`);
    if (p.sloPass === false && p.sloViolations?.length)
      out.push(`  [${p.label}] SLO missed: ${p.sloViolations.join('; ')}`);
  }
  for (const n of r.notes ?? []) out.push(n);
  if (r.sla) {
    out.push(
      r.sla.bestLabel
        ? `SLA search: highest level meeting the SLO is ${r.sla.bestLabel}${r.sla.lowestFailing !== null ? ` (lowest failing: ${r.sla.lowestFailing})` : ' (no tried level failed; raise --sla-max to search higher)'}`
        : `SLA search: no level met the SLO${r.sla.lowestFailing !== null ? ` (even ${r.sla.lowestFailing} failed)` : ''}`,
    );
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

/** `inferbench bench ...`, `--compare a.json b.json` and `--list-presets`. */
export async function benchCommand(
  o: BenchCliOptions,
  json: boolean,
  io: CliIo,
  signal: AbortSignal,
): Promise<number> {
  if (o.listPresets) {
    io.stdout.write(formatPresetList());
    return EXIT.ok;
  }
  if (o.compare) {
    if (o.compare.length !== 2)
      throw new CliError('--compare takes exactly two result files: --compare a.json b.json');
    const [pa, pb] = o.compare as [string, string];
    const [a, b] = await Promise.all([readComparable(pa), readComparable(pb)]);
    io.stdout.write(
      json ? `${JSON.stringify(comparisonJson(a, b), null, 2)}\n` : formatComparison(a, b, [pa, pb]),
    );
    return EXIT.ok;
  }
  const { config, apiKey } = await parseBenchOptions(o, io.env);
  const tokenizerDir = o.tokenizerDir ?? io.env.INFERBENCH_TOKENIZER_DIR;
  if (!json)
    io.stderr.write(
      `bench ${config.model} @ ${config.baseUrl}: ${describePlan(config.plan)}; ${describeWorkload(config.workload)}\n`,
    );
  const result = await runBenchPlan({
    config,
    ...(apiKey ? { apiKey } : {}),
    ...(o.outRequests ? { outRequestsPath: o.outRequests } : {}),
    progress: io.stderr,
    signal,
    ...(tokenizerDir ? { tokenizerDir } : {}),
  });
  if (o.out) await writeFile(o.out, `${JSON.stringify(result, null, 2)}\n`);
  io.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : formatBenchSummary(result));
  if (o.out && !json) io.stderr.write(`result written to ${o.out}\n`);

  if (signal.aborted || result.status === 'cancelled') return EXIT.interrupted;
  const anySuccess = result.points.some((p) => p.summary.requests.succeeded > 0);
  const allFailedPoint = result.points.find(noneSucceeded);
  if (!anySuccess && allFailedPoint) {
    io.stderr.write(
      `no request succeeded (${allFailedPoint.label}: ${allFailedPoint.reason ?? 'every request failed'}); is ${config.baseUrl} serving model "${config.model}"?\n`,
    );
    return EXIT.error;
  }
  if (result.status === 'failed' || result.status === 'aborted') {
    io.stderr.write(`bench ${result.status}: ${result.reason ?? 'no reason given'}\n`);
    return EXIT.failed;
  }
  if (!result.points.some((p) => p.summary.requests.succeeded > 0)) {
    const first = Object.keys(result.points[0]?.summary.errorsByClass ?? {})[0];
    io.stderr.write(
      `no request succeeded${first ? ` (errors: ${first})` : ''}; is ${config.baseUrl} serving model "${config.model}"?\n`,
    );
    return EXIT.error;
  }
  return EXIT.ok;
}

import type { LoadPointSummary } from '@inferbench/contracts';
import { fmtMs, fmtNum, NONE } from './numbers.js';

/** Columns of a load-point summary row (after the identifying columns). */
export const SUMMARY_HEADERS = [
  'ok',
  'failed',
  'TTFT p50',
  'TTFT p99',
  'TPOT p50',
  'TPOT p99',
  'ITL p50',
  'ITL p99',
  'E2E p50',
  'E2E p99',
  'req/s',
  'out tok/s',
  'warnings',
];

/** Cells of {@link SUMMARY_HEADERS} for one summary (latencies in ms); dashes when there is none. */
export function summaryCells(s: LoadPointSummary | null | undefined): string[] {
  if (!s) return SUMMARY_HEADERS.map(() => NONE);
  const p = (fig: string, q: 'p50' | 'p99'): string => {
    const st = s.latency[fig];
    return st && st.count > 0 ? fmtMs(st[q]) : NONE;
  };
  return [
    String(s.requests.succeeded),
    String(s.requests.failed),
    p('ttftMs', 'p50'),
    p('ttftMs', 'p99'),
    p('tpotMs', 'p50'),
    p('tpotMs', 'p99'),
    p('itlMs', 'p50'),
    p('itlMs', 'p99'),
    p('e2eMs', 'p50'),
    p('e2eMs', 'p99'),
    fmtNum(s.requestThroughput, 2),
    fmtNum(s.outputTokenThroughput, 1),
    String(s.warnings.length),
  ];
}

/** Latency figures as a vertical table: figure, mean, p50, p90, p95, p99, max (for `bench`). */
export function latencyRows(s: LoadPointSummary): string[][] {
  const rows: string[][] = [];
  const names: [string, string][] = [
    ['ttftMs', 'TTFT (ms)'],
    ['tpotMs', 'TPOT (ms)'],
    ['itlMs', 'ITL (ms)'],
    ['e2eMs', 'E2E (ms)'],
    ['ntpotMs', 'NTPOT (ms)'],
    ['scheduleDelayMs', 'schedule delay (ms)'],
    ['clientQueueMs', 'client queue (ms)'],
  ];
  for (const [key, label] of names) {
    const st = s.latency[key];
    if (!st || st.count === 0) continue;
    rows.push([
      label,
      String(st.count),
      fmtMs(st.mean),
      fmtMs(st.p50),
      fmtMs(st.p90),
      fmtMs(st.p95),
      fmtMs(st.p99),
      fmtMs(st.max),
    ]);
  }
  return rows;
}
export const LATENCY_HEADERS = ['figure', 'n', 'mean', 'p50', 'p90', 'p95', 'p99', 'max'];

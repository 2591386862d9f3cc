import { readFile } from 'node:fs/promises';
import { describeLoadLevel } from '@inferbench/contracts';
import { CliError } from '../errors.js';
import { fmtDelta, fmtMs, fmtPctChange, NONE } from '../format/numbers.js';
import { renderTable } from '../format/table.js';
import { BenchResultSchema, type BenchResult } from './result.js';

/** Read and validate a result written by `inferbench bench --out`. */
export async function readBenchResult(path: string): Promise<BenchResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not JSON`);
  }
  const parsed = BenchResultSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new CliError(
      `${path} is not an inferbench bench result (${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'})`,
    );
  }
  return parsed.data;
}

type Better = 'lower' | 'higher' | 'none';

interface Row {
  label: string;
  pick(r: BenchResult): number | undefined;
  fmt(x: number): string;
  better: Better;
}

const stat = (fig: string, q: 'mean' | 'p50' | 'p90' | 'p99') => (r: BenchResult) => {
  const s = r.summary.latency[fig];
  return s && s.count > 0 ? s[q] : undefined;
};
const int = (x: number): string => x.toFixed(0);

const ROWS: Row[] = [
  { label: 'requests ok', pick: (r) => r.summary.requests.succeeded, fmt: int, better: 'none' },
  { label: 'requests failed', pick: (r) => r.summary.requests.failed, fmt: int, better: 'lower' },
  { label: 'error rate %', pick: (r) => r.summary.errorRate * 100, fmt: (x) => x.toFixed(2), better: 'lower' },
  { label: 'duration s', pick: (r) => r.summary.durationSec, fmt: (x) => x.toFixed(2), better: 'none' },
  { label: 'req/s', pick: (r) => r.summary.requestThroughput, fmt: (x) => x.toFixed(3), better: 'higher' },
  { label: 'output tok/s', pick: (r) => r.summary.outputTokenThroughput, fmt: (x) => x.toFixed(1), better: 'higher' },
  { label: 'total tok/s', pick: (r) => r.summary.totalTokenThroughput, fmt: (x) => x.toFixed(1), better: 'higher' },
  { label: 'TTFT mean ms', pick: stat('ttftMs', 'mean'), fmt: fmtMs, better: 'lower' },
  { label: 'TTFT p50 ms', pick: stat('ttftMs', 'p50'), fmt: fmtMs, better: 'lower' },
  { label: 'TTFT p90 ms', pick: stat('ttftMs', 'p90'), fmt: fmtMs, better: 'lower' },
  { label: 'TTFT p99 ms', pick: stat('ttftMs', 'p99'), fmt: fmtMs, better: 'lower' },
  { label: 'TPOT p50 ms', pick: stat('tpotMs', 'p50'), fmt: fmtMs, better: 'lower' },
  { label: 'TPOT p99 ms', pick: stat('tpotMs', 'p99'), fmt: fmtMs, better: 'lower' },
  { label: 'ITL p50 ms', pick: stat('itlMs', 'p50'), fmt: fmtMs, better: 'lower' },
  { label: 'ITL p99 ms', pick: stat('itlMs', 'p99'), fmt: fmtMs, better: 'lower' },
  { label: 'E2E p50 ms', pick: stat('e2eMs', 'p50'), fmt: fmtMs, better: 'lower' },
  { label: 'E2E p99 ms', pick: stat('e2eMs', 'p99'), fmt: fmtMs, better: 'lower' },
  { label: 'NTPOT p50 ms', pick: stat('ntpotMs', 'p50'), fmt: fmtMs, better: 'lower' },
  { label: 'achieved concurrency', pick: (r) => r.summary.achievedConcurrency, fmt: (x) => x.toFixed(2), better: 'none' },
  { label: 'tokens/chunk', pick: (r) => r.summary.tokens.tokensPerChunk, fmt: (x) => x.toFixed(2), better: 'none' },
];

function verdict(better: Better, a: number | undefined, b: number | undefined): string {
  if (better === 'none' || a === undefined || b === undefined || a === b) return '';
  const improved = better === 'lower' ? b < a : b > a;
  return improved ? 'better' : 'worse';
}

function describe(r: BenchResult): string {
  const c = r.config;
  const extent = c.requests !== undefined ? `${c.requests} requests` : `${c.durationSec}s`;
  return `${c.model} @ ${c.baseUrl} (${c.apiKind}), ${describeLoadLevel(c.load)}, ${extent}, in/out ${c.inputTokens}/${c.outputTokens} tokens, ${r.status}, ${r.createdAt}`;
}

/**
 * Side-by-side text of two bench results: each figure for A and B, the absolute change B − A, the
 * relative change and whether B is better or worse where the direction is clear. Differences are not
 * tested for significance here (one run each); treat small changes as noise.
 */
export function formatComparison(a: BenchResult, b: BenchResult, labels: [string, string]): string {
  const rows = ROWS.map((row) => {
    const va = row.pick(a);
    const vb = row.pick(b);
    return [
      row.label,
      va === undefined ? NONE : row.fmt(va),
      vb === undefined ? NONE : row.fmt(vb),
      fmtDelta(va, vb, row.fmt),
      fmtPctChange(va, vb),
      verdict(row.better, va, vb),
    ];
  });
  const head = [`A: ${labels[0]}`, `   ${describe(a)}`, `B: ${labels[1]}`, `   ${describe(b)}`, ''].join('\n');
  const table = renderTable(['figure', 'A', 'B', 'delta', 'delta %', ''], rows, {
    align: ['left', 'right', 'right', 'right', 'right', 'left'],
  });
  const warn = [
    ...a.summary.warnings.map((w) => `! A: ${w}`),
    ...b.summary.warnings.map((w) => `! B: ${w}`),
  ];
  return `${head}\n${table}${warn.length ? `${warn.join('\n')}\n` : ''}`;
}

/** The same comparison as JSON (for --json). */
export function comparisonJson(a: BenchResult, b: BenchResult): Record<string, { a?: number; b?: number; delta?: number; deltaPct?: number }> {
  const out: Record<string, { a?: number; b?: number; delta?: number; deltaPct?: number }> = {};
  for (const row of ROWS) {
    const va = row.pick(a);
    const vb = row.pick(b);
    out[row.label] = {
      ...(va === undefined ? {} : { a: va }),
      ...(vb === undefined ? {} : { b: vb }),
      ...(va !== undefined && vb !== undefined ? { delta: vb - va } : {}),
      ...(va !== undefined && vb !== undefined && va !== 0 ? { deltaPct: ((vb - va) / Math.abs(va)) * 100 } : {}),
    };
  }
  return out;
}

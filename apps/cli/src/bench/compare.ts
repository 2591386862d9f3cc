import { readFile } from 'node:fs/promises';
import { describeLoadLevel, type AggregatesOnlySummary, type LoadPointSummary } from '@inferbench/contracts';
import {
  importedLoadLevel,
  importResultFile,
  importSourceLabel,
  InteropError,
  storedImportedPoint,
} from '@inferbench/interop';
import { CliError } from '../errors.js';
import { fmtDelta, fmtMs, fmtPctChange, NONE } from '../format/numbers.js';
import { renderTable } from '../format/table.js';
import { describePlan, describeWorkload } from './describe.js';
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
  if ((json as { kind?: unknown } | null)?.kind !== 'inferbench.bench-result') {
    throw new CliError(`${path} is not an inferbench bench result (no "kind": "inferbench.bench-result")`);
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

/**
 * Read either side of `--compare`: an inferbench bench result, or another tool's result file (vLLM, GuideLLM,
 * AIPerf, inference-perf, k6 summary) imported with @inferbench/interop. Imported points with per-request
 * records are rebuilt into full summaries; aggregates-only ones show just the figures their file states.
 */
export async function readComparable(path: string): Promise<Compared> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let kind: unknown;
  try {
    kind = (JSON.parse(text) as { kind?: unknown } | null)?.kind;
  } catch {
    kind = undefined; // YAML, CSV or JSON lines: only peer files can be those
  }
  if (kind === 'inferbench.bench-result') return fromBenchResult(await readBenchResult(path));
  let imported;
  try {
    imported = importResultFile(text, { fileName: path });
  } catch (err) {
    if (err instanceof InteropError)
      throw new CliError(
        `${path} is neither an inferbench bench result nor a readable peer result: ${err.message}`,
      );
    throw err;
  }
  const source = importSourceLabel(imported);
  return {
    describe: `${source} file, ${imported.points.length} point(s)${imported.points.some((p) => p.detail === 'aggregates') ? ', aggregates only' : ''}`,
    points: imported.points.map((p) => {
      const level = importedLoadLevel(p);
      return {
        label: level ? describeLoadLevel(level) : p.label,
        status: 'completed',
        summary: storedImportedPoint(p).summary,
      };
    }),
  };
}

type Better = 'lower' | 'higher' | 'none';

/** A full summary, or the figures an aggregates-only peer file states. */
type AnySummary = LoadPointSummary | AggregatesOnlySummary;

interface Row {
  label: string;
  pick(s: AnySummary): number | undefined;
  fmt(x: number): string;
  better: Better;
}

const stat = (fig: string, q: 'mean' | 'p50' | 'p90' | 'p99') => (s: AnySummary) => {
  const st = s.latency[fig];
  return st && (st.count === undefined || st.count > 0) ? st[q] : undefined;
};
const int = (x: number): string => x.toFixed(0);

const ROWS: Row[] = [
  { label: 'requests ok', pick: (s) => s.requests.succeeded, fmt: int, better: 'none' },
  { label: 'requests failed', pick: (s) => s.requests.failed, fmt: int, better: 'lower' },
  {
    label: 'error rate %',
    pick: (s) => (s.errorRate === undefined ? undefined : s.errorRate * 100),
    fmt: (x) => x.toFixed(2),
    better: 'lower',
  },
  { label: 'duration s', pick: (s) => s.durationSec, fmt: (x) => x.toFixed(2), better: 'none' },
  { label: 'req/s', pick: (s) => s.requestThroughput, fmt: (x) => x.toFixed(3), better: 'higher' },
  { label: 'output tok/s', pick: (s) => s.outputTokenThroughput, fmt: (x) => x.toFixed(1), better: 'higher' },
  { label: 'total tok/s', pick: (s) => s.totalTokenThroughput, fmt: (x) => x.toFixed(1), better: 'higher' },
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
  {
    label: 'achieved concurrency',
    pick: (s) => s.achievedConcurrency,
    fmt: (x) => x.toFixed(2),
    better: 'none',
  },
  {
    label: 'tokens/chunk',
    pick: (s) => ('aggregatesOnly' in s ? undefined : s.tokens.tokensPerChunk),
    fmt: (x) => x.toFixed(2),
    better: 'none',
  },
];

function verdict(better: Better, a: number | undefined, b: number | undefined): string {
  if (better === 'none' || a === undefined || b === undefined || a === b) return '';
  const improved = better === 'lower' ? b < a : b > a;
  return improved ? 'better' : 'worse';
}

/** One load point as the comparison needs it. */
interface ComparedPoint {
  label: string;
  status: string;
  summary: AnySummary;
}

/** A result file of either version, reduced to a description line and its points. */
export interface Compared {
  describe: string;
  points: ComparedPoint[];
  /** SLA search answer, when the file holds one */
  sla?: string;
}

export function fromBenchResult(r: BenchResult): Compared {
  if (r.v === 1) {
    const c = r.config;
    const extent = c.requests !== undefined ? `${c.requests} requests` : `${c.durationSec}s`;
    return {
      describe: `${c.model} @ ${c.baseUrl} (${c.apiKind}), ${describeLoadLevel(c.load)}, ${extent}, in/out ${c.inputTokens}/${c.outputTokens} tokens, ${r.status}, ${r.createdAt}`,
      points: [{ label: describeLoadLevel(c.load), status: r.status, summary: r.summary }],
    };
  }
  const c = r.config;
  return {
    describe: `${c.model} @ ${c.baseUrl} (${c.apiKind}), ${describePlan(c.plan)}, ${describeWorkload(c.workload)}, ${r.points.length} point(s), ${r.status}, ${r.createdAt}`,
    points: r.points.map((p) => ({ label: p.label, status: p.status, summary: p.summary })),
    ...(r.sla
      ? {
          sla: r.sla.bestLabel
            ? `SLO met up to ${r.sla.bestLabel}${r.sla.lowestFailing !== null ? ` (missed at ${r.sla.lowestFailing})` : ''}`
            : 'SLO met at no level',
        }
      : {}),
  };
}

function figureTable(a: AnySummary, b: AnySummary): string {
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
  return renderTable(['figure', 'A', 'B', 'delta', 'delta %', ''], rows, {
    align: ['left', 'right', 'right', 'right', 'right', 'left'],
  });
}

/**
 * The pairs of points to compare: the single points of two one-point results whatever their levels (A/B of one
 * setting against another), else the points whose level labels match (`c=8` with `c=8`), in A's order.
 */
function pairPoints(
  a: Compared,
  b: Compared,
): { pairs: [ComparedPoint, ComparedPoint][]; onlyA: string[]; onlyB: string[] } {
  if (a.points.length === 1 && b.points.length === 1)
    return { pairs: [[a.points[0]!, b.points[0]!]], onlyA: [], onlyB: [] };
  const byLabel = new Map(b.points.map((p) => [p.label, p]));
  const pairs: [ComparedPoint, ComparedPoint][] = [];
  const onlyA: string[] = [];
  for (const p of a.points) {
    const q = byLabel.get(p.label);
    if (q) {
      pairs.push([p, q]);
      byLabel.delete(p.label);
    } else onlyA.push(p.label);
  }
  return { pairs, onlyA, onlyB: [...byLabel.keys()] };
}

/**
 * Side-by-side text of two bench results (version 1 or 2 files): for each pair of load points (matched by
 * level; two single-point results are compared directly), each figure for A and B, the absolute change B − A,
 * the relative change and whether B is better or worse where the direction is clear. Differences are not
 * tested for significance here (one run each); treat small changes as noise.
 */
export function formatComparison(a: Compared, b: Compared, labels: [string, string]): string {
  const head = [
    `A: ${labels[0]}`,
    `   ${a.describe}`,
    ...(a.sla ? [`   ${a.sla}`] : []),
    `B: ${labels[1]}`,
    `   ${b.describe}`,
    ...(b.sla ? [`   ${b.sla}`] : []),
    '',
  ].join('\n');
  const { pairs, onlyA, onlyB } = pairPoints(a, b);
  const sections: string[] = [];
  for (const [pa, pb] of pairs) {
    const title =
      pairs.length > 1 || pa.label !== pb.label
        ? `== ${pa.label === pb.label ? pa.label : `${pa.label} vs ${pb.label}`} ==\n`
        : '';
    const warn = [
      ...pa.summary.warnings.map((w) => `! A: ${w}`),
      ...pb.summary.warnings.map((w) => `! B: ${w}`),
    ];
    sections.push(
      `${title}${figureTable(pa.summary, pb.summary)}${warn.length ? `${warn.join('\n')}\n` : ''}`,
    );
  }
  if (pairs.length === 0) sections.push('no load level in common: nothing to compare point by point\n');
  const unmatched = [
    ...(onlyA.length ? [`only in A: ${onlyA.join(', ')}`] : []),
    ...(onlyB.length ? [`only in B: ${onlyB.join(', ')}`] : []),
  ];
  return `${head}\n${sections.join('\n')}${unmatched.length ? `${unmatched.join('\n')}\n` : ''}`;
}

type FigureDeltas = Record<string, { a?: number; b?: number; delta?: number; deltaPct?: number }>;

function figureJson(a: AnySummary, b: AnySummary): FigureDeltas {
  const out: FigureDeltas = {};
  for (const row of ROWS) {
    const va = row.pick(a);
    const vb = row.pick(b);
    out[row.label] = {
      ...(va === undefined ? {} : { a: va }),
      ...(vb === undefined ? {} : { b: vb }),
      ...(va !== undefined && vb !== undefined ? { delta: vb - va } : {}),
      ...(va !== undefined && vb !== undefined && va !== 0
        ? { deltaPct: ((vb - va) / Math.abs(va)) * 100 }
        : {}),
    };
  }
  return out;
}

/**
 * The same comparison as JSON (for --json). Two single-point results: `{ figure: { a, b, delta, deltaPct } }`
 * (the version-1 shape); otherwise `{ points: [{ level, a, b, figures }], onlyInA, onlyInB }`.
 */
export function comparisonJson(
  a: Compared,
  b: Compared,
):
  | FigureDeltas
  | {
      points: { level: string; a: string; b: string; figures: FigureDeltas }[];
      onlyInA: string[];
      onlyInB: string[];
    } {
  const { pairs, onlyA, onlyB } = pairPoints(a, b);
  if (a.points.length === 1 && b.points.length === 1)
    return figureJson(pairs[0]![0].summary, pairs[0]![1].summary);
  return {
    points: pairs.map(([pa, pb]) => ({
      level: pa.label,
      a: pa.status,
      b: pb.status,
      figures: figureJson(pa.summary, pb.summary),
    })),
    onlyInA: onlyA,
    onlyInB: onlyB,
  };
}

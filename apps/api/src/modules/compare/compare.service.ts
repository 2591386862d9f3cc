import { Inject, Injectable } from '@nestjs/common';
import {
  DISTRIBUTION_FIGURES,
  type AggregatesOnlySummary,
  type CompareCell,
  type CompareColumn,
  type CompareDelta,
  type CompareFigure,
  type CompareResult,
  type CompareRow,
  type Distribution,
  type DistributionFigure,
  type LoadPointSummary,
  type RequestSample,
  type RunStatus,
  type SamplesPage,
  type StoredPointSummary,
} from '@inferbench/contracts';
import {
  cdfPoints,
  decodeFigures,
  e2eMs,
  isBeyondNoise,
  maxItlMs,
  outputChunkCount,
  percentileCi,
  tpotMs,
  ttftMs,
} from '@inferbench/metrics';
import { AppError } from '../../common/errors/app-error.js';
import { RunRecordsService, type ComparedRunRow } from '../runs/run-records.service.js';
import { SamplesService, type StoredSample } from '../samples/samples.service.js';

/** Stated in every compare answer so a reader knows what "beyond noise" means. */
export const COMPARE_METHOD =
  '95 % confidence intervals of p50 and p99 are distribution-free order-statistic intervals (binomial ranks: exact for small samples, ' +
  "normal approximation for large ones) read from each load point's stored HDR histogram and widened by the histogram bucket width; " +
  'a side that too few values can bound is open. A difference is beyond noise when the two intervals do not overlap (conservative). ' +
  'ITL pools the gaps of all requests, which are not independent, so its intervals are too narrow.';

interface Item {
  raw: string;
  runId: string;
  variantId: string | null;
}

function parseItems(items: readonly string[]): Item[] {
  return items.map((raw) => {
    const [runId, variantId, extra] = raw.split(':');
    if (!runId || extra !== undefined || variantId === '') {
      throw AppError.validation([{ path: 'runs', message: `'${raw}' is not 'runId' or 'runId:variantId'` }]);
    }
    return { raw, runId, variantId: variantId ?? null };
  });
}

function delta(
  a: CompareFigure | undefined,
  b: CompareFigure | undefined,
  key: 'p50' | 'p99',
): CompareDelta | null {
  if (!a || !b) return null;
  const va = a.stats[key];
  const vb = b.stats[key];
  if (va === undefined || vb === undefined) return null;
  return {
    deltaMs: vb - va,
    deltaPct: va !== 0 ? (100 * (vb - va)) / va : null,
    beyondNoise: isBeyondNoise(key === 'p50' ? a.p50Ci : a.p99Ci, key === 'p50' ? b.p50Ci : b.p99Ci),
  };
}

/** Comparisons, distributions and the raw-samples table, all from stored aggregates except the table itself. */
@Injectable()
export class CompareService {
  constructor(
    @Inject(RunRecordsService) private readonly runs: RunRecordsService,
    @Inject(SamplesService) private readonly samples: SamplesService,
  ) {}

  async compare(itemsRaw: readonly string[], points: number): Promise<CompareResult> {
    const items = parseItems(itemsRaw);
    const pinned = items.filter((i) => i.variantId !== null).length;
    if (pinned !== 0 && pinned !== items.length) {
      throw AppError.validation([
        { path: 'runs', message: 'name a variant (runId:variantId) on every item or on none' },
      ]);
    }
    const mode = pinned ? 'variants' : 'runs';
    const runs = new Map(
      (await this.runs.findRunsWithSummaries([...new Set(items.map((i) => i.runId))])).map((r) => [r.id, r]),
    );
    const missing = items.find((i) => !runs.has(i.runId));
    if (missing) throw AppError.notFound('run', missing.runId);

    const columns: CompareColumn[] = [];
    const rows = new Map<string, CompareRow>();
    const cellCache = new Map<string, CompareCell>();
    items.forEach((item, col) => {
      const run = runs.get(item.runId)!;
      const variantLabel =
        item.variantId === null
          ? null
          : (run.loadPoints.find((p) => p.variantId === item.variantId)?.variantLabel ??
            specVariantLabel(run, item.variantId));
      if (item.variantId !== null && variantLabel === null) {
        throw AppError.validation([
          { path: 'runs', message: `variant '${item.variantId}' is not part of run '${run.id}'` },
        ]);
      }
      const source = run.source;
      columns.push({
        item: item.raw,
        runId: run.id,
        variantId: item.variantId,
        variantLabel,
        experimentId: run.experimentId,
        experimentName: run.experimentName,
        status: run.status as RunStatus,
        createdAt: run.createdAt.toISOString(),
        tags: run.tags,
        slo: run.spec.slo,
        label: [run.experimentName, run.id.slice(-6), variantLabel, source?.label]
          .filter(Boolean)
          .join(' · '),
        source: source ? { tool: source.tool, toolVersion: source.toolVersion, label: source.label } : null,
      });
      for (const p of run.loadPoints) {
        if (item.variantId !== null && p.variantId !== item.variantId) continue;
        if (p.summary === null) continue; // unreadable: the repository selects only points with one
        const key = mode === 'runs' ? `${p.variantLabel} · ${p.levelLabel}` : p.levelLabel;
        let row = rows.get(key);
        if (!row) {
          row = {
            key,
            variantLabel: mode === 'runs' ? p.variantLabel : null,
            levelLabel: p.levelLabel,
            level: p.level,
            cells: items.map(() => null),
            deltas: items.map(() => null),
          };
          rows.set(key, row);
        }
        if (row.cells[col]) continue; // the first finalized point of a key wins (adaptive plans may repeat a level)
        let cell = cellCache.get(p.id);
        if (!cell) {
          cell = toCell(p, p.summary, points);
          cellCache.set(p.id, cell);
        }
        row.cells[col] = cell;
      }
    });
    for (const row of rows.values()) {
      const first = row.cells[0];
      row.deltas = row.cells.map((c, i) => {
        if (i === 0 || !c || !first) return null;
        const d: NonNullable<CompareRow['deltas'][number]> = {};
        for (const f of DISTRIBUTION_FIGURES) {
          const p50 = delta(first.figures[f], c.figures[f], 'p50');
          const p99 = delta(first.figures[f], c.figures[f], 'p99');
          if (p50 && p99) d[f] = { p50, p99 };
        }
        return d;
      });
    }
    return {
      mode,
      columns,
      figures: [...DISTRIBUTION_FIGURES],
      rows: [...rows.values()],
      method: COMPARE_METHOD,
    };
  }

  async distribution(loadPointId: string, figure: DistributionFigure, points: number): Promise<Distribution> {
    const p = await this.runs.findPointHistograms(loadPointId);
    if (!p) throw AppError.notFound('load point', loadPointId);
    const fig = decodeFigures(p.histograms, [figure]).get(figure);
    return {
      loadPointId,
      figure,
      unit: 'ms',
      count: fig?.count ?? 0,
      points: fig ? cdfPoints(fig, points) : [],
    };
  }

  /** Only each shard's counted attempt is listed, so a retried shard's abandoned rows never show. */
  async samplesPage(loadPointId: string, limit: number, offset: number): Promise<SamplesPage> {
    const shards = await this.runs.findCountedShards(loadPointId);
    if (!shards) throw AppError.notFound('load point', loadPointId);
    const { rows, total } = await this.samples.page(loadPointId, shards, limit, offset);
    return { items: rows.map(toSampleRow), total, limit, offset };
  }
}

function specVariantLabel(run: ComparedRunRow, variantId: string): string | null {
  return run.spec.variants.find((v) => v.id === variantId)?.label ?? null;
}

type ComparedPoint = ComparedRunRow['loadPoints'][number];

function toCell(p: ComparedPoint, stored: StoredPointSummary, points: number): CompareCell {
  if ('aggregatesOnly' in stored) return toAggregatesCell(p, stored);
  const s: LoadPointSummary = stored;
  const decoded = decodeFigures(p.histograms, DISTRIBUTION_FIGURES);
  const figures: CompareCell['figures'] = {};
  for (const f of DISTRIBUTION_FIGURES) {
    const stats = s.latency[f];
    if (!stats) continue;
    const fig = decoded.get(f);
    figures[f] = {
      stats,
      p50Ci: fig ? percentileCi(fig, 50) : null,
      p99Ci: fig ? percentileCi(fig, 99) : null,
      cdf: fig ? cdfPoints(fig, points) : [],
    };
  }
  return {
    loadPointId: p.id,
    status: p.status as RunStatus,
    requestThroughput: s.requestThroughput,
    outputTokenThroughput: s.outputTokenThroughput,
    goodput: s.goodput ?? null,
    sloAttainmentPct: s.sloAttainmentPct ?? null,
    aggregatesOnly: false,
    errorRate: s.errorRate,
    succeeded: s.requests.succeeded,
    figures,
  };
}

/** An imported point whose file holds only aggregates: its figures as stated, no CDF, no interval. */
function toAggregatesCell(p: ComparedPoint, s: AggregatesOnlySummary): CompareCell {
  const figures: CompareCell['figures'] = {};
  for (const f of DISTRIBUTION_FIGURES) {
    const stats = s.latency[f];
    if (stats && Object.keys(stats).length) figures[f] = { stats, p50Ci: null, p99Ci: null, cdf: [] };
  }
  return {
    loadPointId: p.id,
    status: p.status as RunStatus,
    aggregatesOnly: true,
    requestThroughput: s.requestThroughput ?? null,
    outputTokenThroughput: s.outputTokenThroughput ?? null,
    goodput: s.goodput ?? null,
    sloAttainmentPct: null,
    errorRate: s.errorRate ?? null,
    succeeded: s.requests.succeeded ?? null,
    figures,
  };
}

function toSampleRow(r: StoredSample): SamplesPage['items'][number] {
  const s: RequestSample = {
    idx: r.idx,
    warmup: r.warmup,
    sentUs: r.sentUs,
    ...(r.firstChunkUs !== undefined ? { firstChunkUs: r.firstChunkUs } : {}),
    ...(r.firstContentUs !== undefined ? { firstContentUs: r.firstContentUs } : {}),
    endUs: r.endUs,
    chunkGapsUs: r.chunkGapsUs,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    reasoningTokens: r.reasoningTokens,
    tokenSource: r.tokenSource,
    httpStatus: r.httpStatus,
    ...(r.errorClass !== undefined ? { errorClass: r.errorClass } : {}),
  };
  return {
    shardIndex: r.shardIndex,
    idx: r.idx,
    warmup: r.warmup,
    sentUs: r.sentUs,
    endUs: r.endUs,
    httpStatus: r.httpStatus,
    errorClass: r.errorClass ?? null,
    errorMessage: r.errorMessage ?? null,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    chunks: outputChunkCount(s),
    ttftMs: ttftMs(s) ?? null,
    tpotMs: tpotMs(s) ?? null,
    // failed requests have no E2E figure; the table still shows how long they took
    e2eMs: e2eMs(s) ?? (r.endUs - r.sentUs) / 1000,
    maxItlMs: maxItlMs(s) ?? null,
  };
}

/**
 * Pure helpers behind the telemetry a run stores: merging the shards' server/GPU telemetry of one load point,
 * and turning a run's completed points into `analyzeSweep` inputs (one sweep per variant) for its bottleneck
 * hints. No Nest, no Prisma: tested in run-telemetry.spec.ts.
 */
import {
  BottleneckHintSchema,
  LoadPointTelemetrySchema,
  type BottleneckHint,
  type GpuTelemetry,
  type LoadLevel,
  type LoadPointSummary,
  type LoadPointTelemetry,
  type ServerTelemetry,
} from '@inferbench/contracts';
import { analyzeSweep, type SweepPoint } from '@inferbench/telemetry';

/**
 * One point's telemetry from its shards' `loadpoint.finished` events (index = shard index; holes for shards
 * that sent none). Returns null when no shard sent any.
 * - server: every shard scrapes the same server, so one shard's view is the server's view of the whole
 *   point; the shard with the most successful scrapes wins (ties: lowest shard index). Shards with
 *   `available: false` only win when no shard has data (their reason then says why).
 * - gpu: the first shard (by index) whose GPU telemetry is available, else the first that sent any.
 *   Shards on one host sample the same GPUs (adding them would double-count energy); shards on
 *   different hosts sample different GPUs, of which only the server's matter — one is kept either way.
 *   With several shards, energy per output token is recomputed over the whole point's output tokens
 *   (`pointOutputTokens`), since the shard's own figure divides by its share of the tokens only.
 */
export function mergeShardTelemetry(
  shards: readonly (LoadPointTelemetry | undefined)[],
  pointOutputTokens?: number,
): LoadPointTelemetry | null {
  const present = shards.filter((t): t is LoadPointTelemetry => t !== undefined);
  let server: ServerTelemetry | undefined;
  for (const t of present) {
    const s = t.server;
    if (!s) continue;
    if (!server || (s.available && (!server.available || s.scrapes > server.scrapes))) server = s;
  }
  let gpu: GpuTelemetry | undefined =
    present.find((t) => t.gpu?.available)?.gpu ?? present.find((t) => t.gpu)?.gpu;
  if (
    gpu &&
    present.length > 1 &&
    gpu.available &&
    gpu.energyJ > 0 &&
    pointOutputTokens &&
    pointOutputTokens > 0
  ) {
    gpu = { ...gpu, energyPerOutputTokenJ: gpu.energyJ / pointOutputTokens };
  }
  if (!server && !gpu) return null;
  return { ...(server ? { server } : {}), ...(gpu ? { gpu } : {}) };
}

/** Stored JSON → telemetry, or null when absent or not a valid LoadPointTelemetry (never throws). */
export function parseStoredTelemetry(json: unknown): LoadPointTelemetry | null {
  if (json === null || json === undefined) return null;
  const parsed = LoadPointTelemetrySchema.safeParse(json);
  return parsed.success && (parsed.data.server || parsed.data.gpu) ? parsed.data : null;
}

/** Stored `Run.hints` JSON → hints; invalid entries are dropped, absent hints are `[]` (never throws). */
export function parseStoredHints(json: unknown): BottleneckHint[] {
  if (!Array.isArray(json)) return [];
  return json.flatMap((h) => {
    const parsed = BottleneckHintSchema.safeParse(h);
    return parsed.success ? [parsed.data] : [];
  });
}

/**
 * The swept value of a level as a number: concurrency for closed-loop points, requests/s for open-loop
 * ones; null for staged and trace levels, which are not points on one load axis.
 */
export function levelValue(level: LoadLevel): number | null {
  if (level.kind === 'concurrency') return level.concurrency;
  if (level.kind === 'rate') return level.rate;
  return null;
}

/** What the hint computation needs of a stored point. */
export interface HintPointInput {
  variantLabel: string;
  status: string;
  level: LoadLevel;
  summary: LoadPointSummary | null;
  telemetry: LoadPointTelemetry | null;
}

/**
 * Bottleneck hints of a run: per variant, `analyzeSweep` over its completed points with a summary, sorted by
 * level (concurrency or rate; staged/trace points are left out). `inputTokensMean` = input tokens / succeeded
 * requests of the point. Variants keep their first-seen order; each hint names its variant. A variant
 * measured at a single level still gets the level-specific rules (queue, prefill, KV); knee and decode rules
 * need two levels.
 */
export function computeRunHints(points: readonly HintPointInput[]): BottleneckHint[] {
  const byVariant = new Map<string, SweepPoint[]>();
  for (const p of points) {
    if (p.status !== 'completed' || !p.summary || p.summary.requests.succeeded <= 0) continue;
    const level = levelValue(p.level);
    if (level === null) continue;
    const server = p.telemetry?.server;
    const sweepPoint: SweepPoint = {
      level,
      summary: p.summary,
      inputTokensMean: p.summary.tokens.input / p.summary.requests.succeeded,
      ...(server ? { server } : {}),
    };
    const list = byVariant.get(p.variantLabel) ?? [];
    list.push(sweepPoint);
    byVariant.set(p.variantLabel, list);
  }
  const hints: BottleneckHint[] = [];
  for (const [variant, sweep] of byVariant) {
    sweep.sort((a, b) => a.level - b.level);
    hints.push(...analyzeSweep(sweep, { variant }));
  }
  return hints;
}

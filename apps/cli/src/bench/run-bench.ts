import { createWriteStream, type WriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import {
  planMaxErrorRate,
  type LoadLevel,
  type LoadPlanSpec,
  type RequestSample,
  type SloSpec,
  type TargetConn,
} from '@inferbench/contracts';
import {
  createTokenizer,
  expandLoadPlan,
  isAdaptivePlan,
  isOverSaturated,
  nextAdaptiveLevel,
  OpenAiCompatibleClient,
  parseTokenizerSetting,
  resolveTargetTokenizer,
  runLoadPoint,
  slaSearchResult,
  SystemClock,
  type AdaptiveHistoryEntry,
  type ResolvedTokenizer,
  type Tokenizer,
} from '@inferbench/loadgen';
import {
  allFailedReason,
  annotateSummary,
  describeSloViolations,
  dominantErrorClass,
  judgeSlo,
  LoadPointAccumulator,
  markErrorRate,
} from '@inferbench/metrics';
import type { CliStream } from '../io.js';
import { DEFAULT_MAX_DURATION_SEC } from './bench-options.js';
import { pointLabel } from './describe.js';
import { ProgressBar } from './progress-bar.js';
import type {
  BenchEngineStats,
  BenchEnvironment,
  BenchPlanConfig,
  BenchPoint,
  BenchResultV2,
  BenchStatus,
} from './result.js';

const CLI_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string })
  .version;

/** Upper bound on connections for an open-loop run without --max-concurrency. */
const OPEN_LOOP_MAX_CONNECTIONS = 1024;

/** What one `runBenchPlan` call needs. */
export interface RunBenchOptions {
  config: BenchPlanConfig;
  /** never written to the result */
  apiKey?: string;
  /** write one RequestSample JSON per line here, each with its point's `point` index and `level` label */
  outRequestsPath?: string;
  /** progress bar and per-point lines (stderr) */
  progress: CliStream;
  /** stop the plan: the current point ends with a cancelled tail and no later point starts */
  signal: AbortSignal;
  /** `auto` looks for `<dir>/<model>/tokenizer.json` here when the server has no tokenize endpoint */
  tokenizerDir?: string;
}

/** Facts about this machine and process (recorded with every result). */
export function benchEnvironment(): BenchEnvironment {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    totalMemoryMb: Math.round(os.totalmem() / (1024 * 1024)),
    inferbenchVersion: CLI_VERSION,
  };
}

/** Connections the client may open for a level: its concurrency, its cap, or a generous bound for open loops. */
function maxConnectionsFor(level: LoadLevel): number {
  switch (level.kind) {
    case 'concurrency':
      return level.concurrency;
    case 'stages':
      return level.mode === 'concurrency'
        ? Math.max(1, Math.ceil(Math.max(level.startTarget ?? 1, ...level.stages.map((s) => s.target))))
        : (level.maxConcurrency ?? OPEN_LOOP_MAX_CONNECTIONS);
    default:
      return level.maxConcurrency ?? OPEN_LOOP_MAX_CONNECTIONS;
  }
}

/** Whether a finished point meets the SLO the way the SLA search judges it (for the per-point verdict). */
function pointSloVerdict(
  plan: LoadPlanSpec,
  slo: SloSpec,
  entry: AdaptiveHistoryEntry,
): { violations: string[]; pass: boolean } {
  const violations =
    entry.summary.requests.succeeded === 0
      ? ['no successful request']
      : describeSloViolations(judgeSlo(entry.distribution, slo));
  const tolerances =
    plan.kind === 'sla' || plan.kind === 'sweep'
      ? { saturationTolerance: plan.saturationTolerance, maxErrorRate: plan.maxErrorRate }
      : { saturationTolerance: 0.1, maxErrorRate: plan.limits?.maxErrorRate ?? 0.01 };
  if (isOverSaturated(entry, tolerances)) {
    violations.push(
      entry.summary.errorRate > tolerances.maxErrorRate
        ? `error rate ${(entry.summary.errorRate * 100).toFixed(1)}% > ${(tolerances.maxErrorRate * 100).toFixed(1)}%`
        : 'over-saturated (achieved rate below the offered rate)',
    );
  }
  return { violations, pass: violations.length === 0 };
}

interface PointContext {
  opts: RunBenchOptions;
  clock: SystemClock;
  tokenizer: Tokenizer;
  target: TargetConn;
  requestsOut: WriteStream | undefined;
  /** `point 2/3` or `adaptive point 4` */
  title: string;
  index: number;
}

/**
 * Runs one load point of the plan with the real engine and summarizes it exactly as the API would; returns the
 * point and its accumulator (the exact distribution the SLO judge reads).
 */
async function runPoint(
  level: LoadLevel,
  ctx: PointContext,
): Promise<{ point: BenchPoint; distribution: LoadPointAccumulator }> {
  const { config } = ctx.opts;
  const plan = config.plan;
  const label = pointLabel(level);
  const client = new OpenAiCompatibleClient({ clock: ctx.clock, maxConnections: maxConnectionsFor(level) });
  const acc = new LoadPointAccumulator({ timeSeries: true, ...(config.slo ? { slo: config.slo } : {}) });
  const bar = new ProgressBar(
    ctx.opts.progress,
    plan.requests,
    plan.durationSec,
    5,
    `${ctx.title} ${label} `,
  );
  let status: BenchStatus;
  let reason: string | undefined;
  let engine: BenchEngineStats = {
    sent: 0,
    completed: 0,
    cancelledTail: 0,
    warmup: 0,
    startedAtEpochMs: Date.now(),
  };
  let warnings: string[] = [];
  /** first message of each error class among measured requests (to name why a point failed) */
  const errorMessages = new Map<string, string>();
  try {
    const result = await runLoadPoint(
      {
        target: ctx.target,
        params: config.params,
        workload: config.workload,
        load: level,
        ...(plan.requests === undefined ? {} : { requests: plan.requests }),
        ...(plan.durationSec === undefined ? {} : { durationSec: plan.durationSec }),
        ...(plan.warmup === undefined ? {} : { warmup: plan.warmup }),
        limits: plan.limits ?? { maxDurationSec: DEFAULT_MAX_DURATION_SEC },
        seed: plan.seed ?? 1, // parseBenchOptions always sets one (fresh random unless --seed)
      },
      {
        client,
        clock: ctx.clock,
        tokenizer: ctx.tokenizer,
        signal: ctx.opts.signal,
        onSample: (s: RequestSample) => {
          acc.add(s);
          if (!s.warmup && s.errorClass && s.errorMessage && !errorMessages.has(s.errorClass))
            errorMessages.set(s.errorClass, s.errorMessage);
          ctx.requestsOut?.write(`${JSON.stringify({ ...s, point: ctx.index, level: label })}\n`);
        },
        onTick: (t) => bar.update(t),
      },
    );
    status = result.status;
    reason = result.reason;
    warnings = result.warnings;
    engine = {
      sent: result.sent,
      completed: result.completed,
      cancelledTail: result.cancelledTail,
      warmup: result.warmup,
      startedAtEpochMs: result.startedAtEpochMs,
    };
  } catch (err) {
    status = 'failed';
    reason = `load engine error: ${(err as Error)?.message ?? String(err)}`;
  } finally {
    bar.finish();
    await client.close().catch(() => undefined);
  }
  const summary = annotateSummary(
    markErrorRate(acc.summary({ warnings, includeTimeSeries: true }), planMaxErrorRate(plan)),
  ) as BenchPoint['summary'];
  if (status === 'completed') {
    // the engine ran its plan, but no request succeeded: the point measured nothing and fails, naming why
    const cls = dominantErrorClass(summary.errorsByClass);
    const allFailed = allFailedReason(summary, cls ? errorMessages.get(cls) : undefined);
    if (allFailed !== undefined) {
      status = 'failed';
      reason = allFailed;
    }
  }
  const point: BenchPoint = {
    index: ctx.index,
    label,
    level,
    status,
    ...(reason === undefined ? {} : { reason }),
    summary,
    engine,
  };
  if (config.slo) {
    const { violations, pass } = pointSloVerdict(plan, config.slo, { level, summary, distribution: acc });
    point.sloViolations = violations;
    point.sloPass = pass;
  }
  return { point, distribution: acc };
}

/** Whether some request of the point was measured and none succeeded. */
export function noneSucceeded(p: BenchPoint): boolean {
  return p.summary.requests.succeeded === 0 && p.summary.requests.failed > 0;
}

/** One line per finished point on stderr, so a log shows the plan's progress point by point. */
function pointLine(title: string, p: BenchPoint): string {
  const s = p.summary;
  const ttft = s.latency.ttftMs;
  const slo =
    p.sloPass === undefined ? '' : p.sloPass ? '  SLO met' : `  SLO missed (${p.sloViolations?.join('; ')})`;
  return `${title} ${p.label}: ${p.status}${p.reason ? ` (${p.reason})` : ''}, ${s.requests.succeeded} ok, ${s.requests.failed} failed, ${s.requestThroughput.toFixed(2)} req/s, ${s.outputTokenThroughput.toFixed(1)} tok/s, TTFT p99 ${ttft && ttft.count > 0 ? `${ttft.p99.toFixed(1)} ms` : '-'}${slo}\n`;
}

/**
 * Runs every load point of the plan locally (no API, no Redis), one after another. Static plans walk their
 * expanded levels; adaptive plans (sweep, SLA search) ask `nextAdaptiveLevel(plan, history)` after each point
 * until it returns null. A point aborted by a limit is kept and the plan goes on (an adaptive plan judges it);
 * an engine failure or the signal stops the plan.
 */
export async function runBenchPlan(opts: RunBenchOptions): Promise<BenchResultV2> {
  const { config } = opts;
  const plan = config.plan;
  const clock = new SystemClock();
  const target: TargetConn = {
    baseUrl: config.baseUrl,
    apiKind: config.apiKind,
    model: config.model,
    headers: {},
    ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
    ...(config.connection ? { connection: config.connection } : {}),
  };
  // `whitespace` is a test tokenizer; everything else is resolved for the target (auto: the server's own)
  let tokenizer: Tokenizer;
  let resolved: ResolvedTokenizer | undefined;
  if (config.tokenizer === 'whitespace') tokenizer = await createTokenizer(config.tokenizer);
  else {
    resolved = await resolveTargetTokenizer(
      { ...target, tokenizer: parseTokenizerSetting(config.tokenizer) },
      opts.tokenizerDir ? { tokenizerDir: opts.tokenizerDir } : {},
    );
    tokenizer = resolved.tokenizer;
    opts.progress.write(`${describeTokenizer(resolved)}\n`);
  }
  const adaptive = isAdaptivePlan(plan);
  const staticCount = adaptive ? undefined : expandLoadPlan(plan).length;
  let requestsOut: WriteStream | undefined;
  if (opts.outRequestsPath) requestsOut = createWriteStream(opts.outRequestsPath, { encoding: 'utf8' });

  const points: BenchPoint[] = [];
  const history: AdaptiveHistoryEntry[] = [];
  try {
    for (;;) {
      if (opts.signal.aborted) break;
      const level = nextAdaptiveLevel(plan, history);
      if (level === null) break;
      const k = points.length + 1;
      const title = staticCount === undefined ? `adaptive point ${k}` : `point ${k}/${staticCount}`;
      // words the server-backed tokenizer met in the last point's output are learned now, between points
      await resolved?.server?.learnPending().catch(() => undefined);
      const { point, distribution } = await runPoint(level, {
        opts,
        clock,
        tokenizer,
        target,
        requestsOut,
        title,
        index: points.length,
      });
      points.push(point);
      history.push({ level, summary: point.summary, distribution });
      opts.progress.write(pointLine(title, point));
      // an adaptive plan judges a point where every request failed itself (a failing level); anything else stops
      if (point.status === 'cancelled' || (point.status === 'failed' && !(adaptive && noneSucceeded(point))))
        break;
    }
  } finally {
    if (requestsOut) {
      const stream = requestsOut;
      await new Promise<void>((resolve, reject) =>
        stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
    }
  }

  let status: BenchStatus = 'completed';
  let reason: string | undefined;
  const failed = points.find((p) => p.status === 'failed' && !(adaptive && noneSucceeded(p)));
  const aborted = points.find((p) => p.status === 'aborted');
  if (opts.signal.aborted || points.some((p) => p.status === 'cancelled')) {
    status = 'cancelled';
    reason = `interrupted after ${points.length} point(s)`;
  } else if (failed) {
    status = 'failed';
    reason = `${failed.label}: ${failed.reason ?? 'failed'}`;
  } else if (aborted && !adaptive) {
    // an adaptive plan judges aborted points itself (they count as failing or saturated); a static plan reports them
    status = 'aborted';
    reason = `${aborted.label}: ${aborted.reason ?? 'aborted by a limit'}`;
  }

  const notes: string[] = [];
  if (resolved?.info.warning) notes.push(resolved.info.warning);
  const last = points[points.length - 1];
  if (plan.kind === 'sweep' && last && status === 'completed' && points.length < plan.points) {
    const entry = history[history.length - 1]!;
    if (entry.summary.errorRate > plan.maxErrorRate) {
      notes.push(
        `sweep stopped early: error rate ${(entry.summary.errorRate * 100).toFixed(1)}% at ${last.label} is above ${(plan.maxErrorRate * 100).toFixed(1)}%`,
      );
    } else if (entry.level.kind === 'rate' && isOverSaturated(entry, plan)) {
      notes.push(
        `sweep stopped early: ${last.label} is over-saturated (achieved ${entry.summary.requestThroughput.toFixed(2)} req/s < ${((1 - plan.saturationTolerance) * 100).toFixed(0)}% of the offered rate)`,
      );
    } else {
      notes.push(
        `sweep stopped after ${points.length} of ${plan.points} points (throughput stopped growing, or no headroom between one stream and saturation)`,
      );
    }
  }

  let headline: number | null = points.length ? points.length - 1 : null;
  let sla: BenchResultV2['sla'];
  if (plan.kind === 'sla') {
    const r = slaSearchResult(plan, history);
    const bestIdx = r.best === null ? -1 : history.findIndex((h) => h.level === r.best);
    if (bestIdx >= 0) headline = bestIdx;
    sla = {
      bestLabel: r.best ? pointLabel(r.best) : null,
      bestValue: r.bestValue,
      lowestFailing: r.lowestFailing,
    };
  }
  const head = headline === null ? undefined : points[headline];
  return {
    kind: 'inferbench.bench-result',
    v: 2,
    createdAt: new Date().toISOString(),
    status,
    ...(reason === undefined ? {} : { reason }),
    config,
    points,
    headline,
    ...(head ? { level: head.level, summary: head.summary } : {}),
    ...(sla ? { sla } : {}),
    ...(notes.length ? { notes } : {}),
    ...(resolved ? { tokenizer: resolved.info } : {}),
    environment: benchEnvironment(),
  };
}

/** One line on stderr: which tokenizer builds prompts and counts tokens, and the measured template overhead. */
export function describeTokenizer(r: ResolvedTokenizer): string {
  const i = r.info;
  const overhead =
    i.templateOverheadTokens === undefined
      ? ''
      : `; the server adds ${i.templateOverheadTokens} token(s) per one-message request (template)`;
  const head = `tokenizer: ${i.name} (${i.source}${i.setting === 'auto' ? ', auto' : ''}${overhead}; ${r.resolveMs.toFixed(0)} ms to set up)`;
  return i.warning ? `${head}\nwarning: ${i.warning}` : head;
}

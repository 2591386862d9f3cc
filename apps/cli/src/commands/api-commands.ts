import { ApiClient, ApiError } from '@inferbench/api-client';
import {
  describeLoadLevel,
  describeTokenizer,
  isTerminalRunStatus,
  tokenizerSettingLabel,
  type ExperimentListItem,
  type Run,
  type RunStreamEvent,
  type StartRunTrigger,
} from '@inferbench/contracts';
import { CliError, EXIT } from '../errors.js';
import { fmtDuration, fmtNum } from '../format/numbers.js';
import { SUMMARY_HEADERS, summaryCells } from '../format/summary.js';
import { renderTable } from '../format/table.js';
import type { CliIo } from '../io.js';
import { LiveDisplay } from './live-display.js';

/** Options every API command receives. */
export interface ApiCommandContext {
  api: ApiClient;
  apiUrl: string;
  json: boolean;
  io: CliIo;
}

function printJson(ctx: ApiCommandContext, value: unknown): void {
  ctx.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function shortDate(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** `inferbench experiments list` */
export async function listExperiments(ctx: ApiCommandContext): Promise<number> {
  const items = await listAllExperiments(ctx.api);
  if (ctx.json) {
    printJson(ctx, items);
    return EXIT.ok;
  }
  if (items.length === 0) {
    ctx.io.stdout.write('no experiments yet\n');
    return EXIT.ok;
  }
  const rows = items.map((e) => [
    e.id,
    e.name,
    e.tags.join(',') || '-',
    e.variants.map((v) => v.label).join(', '),
    e.lastRun ? `${e.lastRun.status} ${shortDate(e.lastRun.createdAt)}` : '-',
  ]);
  ctx.io.stdout.write(
    renderTable(['id', 'name', 'tags', 'variants', 'last run'], rows, {
      align: ['left', 'left', 'left', 'left', 'left'],
    }),
  );
  return EXIT.ok;
}

async function listAllExperiments(api: ApiClient): Promise<ExperimentListItem[]> {
  const out: ExperimentListItem[] = [];
  const limit = 500;
  for (let offset = 0; ; offset += limit) {
    const page = await api.listExperiments({ limit, offset });
    out.push(...page.items);
    if (page.items.length < limit || out.length >= page.total) return out;
  }
}

/** `inferbench targets list` */
export async function listTargets(ctx: ApiCommandContext): Promise<number> {
  const page = await ctx.api.listTargets();
  if (ctx.json) {
    printJson(ctx, page.items);
    return EXIT.ok;
  }
  if (page.items.length === 0) {
    ctx.io.stdout.write('no targets yet\n');
    return EXIT.ok;
  }
  const rows = page.items.map((t) => [
    t.id,
    t.name,
    t.baseUrl,
    t.apiKind,
    t.model,
    t.pool,
    t.hasApiKey ? 'yes' : 'no',
    t.connection,
    tokenizerSettingLabel(t.tokenizer),
  ]);
  ctx.io.stdout.write(
    renderTable(
      ['id', 'name', 'base url', 'api', 'model', 'pool', 'api key', 'connection', 'tokenizer'],
      rows,
      { align: ['left', 'left', 'left', 'left', 'left', 'left', 'left', 'left', 'left'] },
    ),
  );
  return EXIT.ok;
}

/** `inferbench agents list` */
export async function listAgents(ctx: ApiCommandContext): Promise<number> {
  const list = await ctx.api.listAgents();
  if (ctx.json) {
    printJson(ctx, list.items);
    return EXIT.ok;
  }
  if (list.items.length === 0) {
    ctx.io.stdout.write('no agents are connected (start one: pnpm --filter @inferbench/agent start)\n');
    return EXIT.ok;
  }
  const rows = list.items.map((a) => [
    a.id,
    a.pool,
    a.host,
    a.state,
    a.currentJob ? `${a.currentJob.runId}/${a.currentJob.loadPointId}#${a.currentJob.shardIndex}` : '-',
    shortDate(a.lastHeartbeatAt),
    a.version,
  ]);
  ctx.io.stdout.write(
    renderTable(['id', 'pool', 'host', 'state', 'current job', 'last heartbeat', 'version'], rows, {
      align: ['left', 'left', 'left', 'left', 'left', 'left', 'left'],
    }),
  );
  return EXIT.ok;
}

/** Find an experiment by id or exact name; a name shared by several experiments must be given as an id. */
export async function resolveExperiment(api: ApiClient, ref: string): Promise<{ id: string; name: string }> {
  const items = await listAllExperiments(api);
  const byId = items.find((e) => e.id === ref);
  if (byId) return byId;
  const byName = items.filter((e) => e.name === ref);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw new CliError(
      `${byName.length} experiments are named "${ref}"; give one of their ids: ${byName.map((e) => e.id).join(', ')}`,
    );
  }
  try {
    const e = await api.getExperiment(ref);
    return { id: e.id, name: e.name };
  } catch (err) {
    if (
      err instanceof ApiError &&
      (err.code === 'NOT_FOUND' || err.status === 404 || err.code === 'VALIDATION_FAILED')
    ) {
      throw new CliError(
        `no experiment named "${ref}" (and no experiment with that id); list them with: inferbench experiments list`,
      );
    }
    throw err;
  }
}

export interface RunStartOptions {
  wait: boolean;
  trigger: StartRunTrigger;
  metadata: Record<string, string>;
  /** polling period when the live stream is unavailable, ms */
  pollIntervalMs?: number;
}

/** `inferbench run start <experiment>` */
export async function startRun(
  ctx: ApiCommandContext,
  ref: string,
  opts: RunStartOptions,
  signal?: AbortSignal,
): Promise<number> {
  const exp = await resolveExperiment(ctx.api, ref);
  const run = await ctx.api.startRun(exp.id, { trigger: opts.trigger, metadata: opts.metadata });
  if (!opts.wait) {
    if (ctx.json) printJson(ctx, run);
    else
      ctx.io.stdout.write(
        `started run ${run.id} of "${exp.name}" (${run.loadPoints.length} load points)\nfollow it: inferbench run get ${run.id}\n`,
      );
    return EXIT.ok;
  }
  if (!ctx.json)
    ctx.io.stderr.write(`started run ${run.id} of "${exp.name}" (${run.loadPoints.length} load points)\n`);
  const final = await waitForRun(ctx, run, opts.pollIntervalMs ?? 2_000, signal);
  if (!final) {
    ctx.io.stderr.write(
      `stopped waiting; run ${run.id} goes on. Check it with: inferbench run get ${run.id}\n`,
    );
    return EXIT.interrupted;
  }
  return reportRun(ctx, final);
}

/** `inferbench run get <id>` */
export async function getRun(ctx: ApiCommandContext, id: string): Promise<number> {
  const run = await ctx.api.getRun(id);
  if (ctx.json) {
    printJson(ctx, run);
    return EXIT.ok;
  }
  printRunHeader(ctx, run);
  printSummaryTable(ctx, run);
  return EXIT.ok;
}

/** `inferbench run cancel <id>` */
export async function cancelRun(ctx: ApiCommandContext, id: string): Promise<number> {
  const run = await ctx.api.cancelRun(id);
  if (ctx.json) printJson(ctx, run);
  else ctx.io.stdout.write(`run ${run.id}: ${run.status}\n`);
  return EXIT.ok;
}

function printRunHeader(ctx: ApiCommandContext, run: Run): void {
  const meta = Object.entries(run.metadata)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  ctx.io.stdout.write(
    [
      `run ${run.id}  experiment "${run.experimentName}" (${run.experimentId})`,
      `status ${run.status}  trigger ${run.trigger}${meta ? `  ${meta}` : ''}`,
      `created ${shortDate(run.createdAt)}  started ${shortDate(run.startedAt)}  finished ${shortDate(run.finishedAt)}`,
      ...(run.error ? [`error: ${run.error}`] : []),
      '',
    ].join('\n'),
  );
}

/** The per-load-point table printed at the end of a run, then each warning in full. */
export function printSummaryTable(ctx: ApiCommandContext, run: Run): void {
  const points = [...run.loadPoints].sort((a, b) => a.ordinal - b.ordinal);
  const rows = points.map((lp) => [
    lp.variantLabel,
    lp.levelLabel || describeLoadLevel(lp.level),
    // `!`: the point's error rate exceeded the plan's maxErrorRate (the warning below names the classes)
    lp.summary?.errorRateExceeded ? `${lp.status}!` : lp.status,
    ...summaryCells(lp.summary),
  ]);
  ctx.io.stdout.write(
    renderTable(['variant', 'level', 'status', ...SUMMARY_HEADERS], rows, {
      align: ['left', 'left', 'left'],
    }),
  );
  ctx.io.stdout.write('latencies in ms (TTFT/TPOT/ITL/E2E as defined in METRICS.md)\n');
  for (const line of tokenizerLines(points)) ctx.io.stdout.write(`${line}\n`);
  for (const lp of points) {
    if (lp.error) ctx.io.stdout.write(`! ${lp.variantLabel} ${lp.levelLabel}: ${lp.error}\n`);
    for (const w of lp.summary?.warnings ?? [])
      ctx.io.stdout.write(`! ${lp.variantLabel} ${lp.levelLabel}: ${w}\n`);
    const retries = lp.summary?.connectionRetries ?? 0;
    if (retries > 0)
      ctx.io.stdout.write(
        `  ${lp.variantLabel} ${lp.levelLabel}: ${retries} connection retries (requests re-sent after the server closed a reused connection; not errors)\n`,
      );
  }
}

/**
 * Which client-side tokenizer built the prompts and counted tokens: one line per variant when all its points used
 * the same one, else one per point. Points whose agent did not say are left out.
 */
function tokenizerLines(points: Run['loadPoints']): string[] {
  const byVariant = new Map<string, { level: string; what: string }[]>();
  for (const lp of points) {
    if (!lp.tokenizer) continue;
    const list = byVariant.get(lp.variantLabel) ?? [];
    list.push({ level: lp.levelLabel || describeLoadLevel(lp.level), what: describeTokenizer(lp.tokenizer) });
    byVariant.set(lp.variantLabel, list);
  }
  const lines: string[] = [];
  for (const [variant, list] of byVariant) {
    if (new Set(list.map((x) => x.what)).size === 1) lines.push(`tokenizer ${variant}: ${list[0]!.what}`);
    else for (const x of list) lines.push(`tokenizer ${variant} ${x.level}: ${x.what}`);
  }
  return lines;
}

function reportRun(ctx: ApiCommandContext, run: Run): number {
  if (ctx.json) printJson(ctx, run);
  else {
    ctx.io.stdout.write('\n');
    printRunHeader(ctx, run);
    printSummaryTable(ctx, run);
  }
  const failedPoints = run.loadPoints.filter((lp) => lp.status === 'failed');
  if (run.status === 'completed' && failedPoints.length === 0) return EXIT.ok;
  if (run.status === 'completed') {
    ctx.io.stderr.write(
      `run ${run.id} completed with ${failedPoints.length} failed load point(s): ${failedPoints.map((lp) => `${lp.variantLabel} ${lp.levelLabel}: ${lp.error ?? 'no reason given'}`).join('; ')}\n`,
    );
    return EXIT.failed;
  }
  if (run.status === 'cancelled') {
    ctx.io.stderr.write(`run ${run.id} was cancelled${run.error ? `: ${run.error}` : ''}\n`);
    return EXIT.cancelled;
  }
  ctx.io.stderr.write(`run ${run.id} ${run.status}${run.error ? `: ${run.error}` : ''}\n`);
  return EXIT.failed;
}

/**
 * Follow a run until it ends: the SSE stream drives a live line per load point; if the stream cannot be
 * opened or breaks before the run ends, poll `GET /runs/:id` every `pollIntervalMs`. Resolves with the
 * final run, or undefined when `signal` aborted first.
 */
export async function waitForRun(
  ctx: ApiCommandContext,
  initial: Run,
  pollIntervalMs: number,
  signal?: AbortSignal,
  /** `onEvent`: every live event (while polling: a `loadpoint.status` per observed change), e.g. for `ci`'s abortOnFail */
  hooks: { onEvent?: (e: RunStreamEvent) => void } = {},
): Promise<Run | undefined> {
  const display = new LiveDisplay(ctx.io.stderr);
  const labels = new Map(
    initial.loadPoints.map((lp) => [
      lp.id,
      `${lp.variantLabel} ${lp.levelLabel || describeLoadLevel(lp.level)}`,
    ]),
  );
  const statuses = new Map(initial.loadPoints.map((lp) => [lp.id, lp.status as string]));
  const progress = new Map<
    string,
    { done: number; planned?: number; errors: number; tokPerSec: number; elapsedSec: number }
  >();
  const render = (lpId: string, isFinal = false): void => {
    if (ctx.json) return;
    const label = labels.get(lpId) ?? lpId;
    const status = statuses.get(lpId) ?? 'running';
    const p = progress.get(lpId);
    const parts = [`${label.padEnd(24)} ${status.padEnd(9)}`];
    if (p) {
      parts.push(
        `${p.done}${p.planned !== undefined ? `/${p.planned}` : ''} done`,
        `${p.errors} errors`,
        `${fmtNum(p.tokPerSec, 0)} tok/s`,
        fmtDuration(p.elapsedSec),
      );
    }
    display.set(lpId, parts.join('  '), isFinal);
  };
  for (const lp of initial.loadPoints) render(lp.id);

  const streamCtl = new AbortController();
  const onEvent = (e: RunStreamEvent): void => {
    hooks.onEvent?.(e);
    if (e.type === 'loadpoint.progress') {
      progress.set(e.loadPointId, {
        done: e.totals.done,
        ...(e.totals.planned === undefined ? {} : { planned: e.totals.planned }),
        errors: e.totals.errors,
        tokPerSec: e.window.outputTokens,
        elapsedSec: e.totals.elapsedSec,
      });
      if (statuses.get(e.loadPointId) === 'queued') statuses.set(e.loadPointId, 'running');
      render(e.loadPointId);
    } else if (e.type === 'loadpoint.status') {
      statuses.set(e.loadPointId, e.status);
      render(e.loadPointId, true);
    } else if (e.type === 'run.status' && isTerminalRunStatus(e.status)) {
      streamCtl.abort();
    }
  };

  const onOuterAbort = (): void => streamCtl.abort();
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    try {
      // Aborting a fetch while its body is being iterated can leave the iteration pending forever (seen
      // with Node 20's fetch), so the stream is raced against our own abort instead of awaited alone.
      const stopped = new Promise<void>((resolve) => {
        if (streamCtl.signal.aborted) resolve();
        streamCtl.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      const following = ctx.api.followRun(initial.id, onEvent, streamCtl.signal);
      following.catch(() => undefined);
      await Promise.race([following, stopped]);
    } catch (err) {
      if (signal?.aborted) return undefined;
      if (!streamCtl.signal.aborted && !ctx.json) {
        display.log(
          `live stream unavailable (${(err as Error).message}); polling every ${Math.round(pollIntervalMs / 1000)} s`,
        );
      }
    }
    // the stream ended (run over, or connection lost): poll until the run is terminal
    let failures = 0;
    for (;;) {
      if (signal?.aborted) return undefined;
      let run: Run;
      try {
        run = await ctx.api.getRun(initial.id);
        failures = 0;
      } catch (err) {
        // a restarting API should not end a CI job at once; give it about a minute
        if (++failures > 30) throw err;
        await sleep(pollIntervalMs, signal);
        continue;
      }
      for (const lp of run.loadPoints) {
        const changed = statuses.get(lp.id) !== lp.status;
        statuses.set(lp.id, lp.status);
        if (changed) {
          render(lp.id, true);
          hooks.onEvent?.({ type: 'loadpoint.status', runId: run.id, loadPointId: lp.id, status: lp.status });
        }
      }
      if (isTerminalRunStatus(run.status)) {
        display.done();
        return run;
      }
      await sleep(pollIntervalMs, signal);
    }
  } finally {
    signal?.removeEventListener('abort', onOuterAbort);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

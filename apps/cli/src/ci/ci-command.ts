import { appendFile, writeFile } from 'node:fs/promises';
import { ApiError } from '@inferbench/api-client';
import {
  isTerminalPointStatus,
  type Run,
  type RunEvaluation,
  type RunStreamEvent,
} from '@inferbench/contracts';
import {
  describeThresholdResult,
  judgeThreshold,
  parseThresholds,
  summaryValues,
  thresholdApplies,
  type ParsedThreshold,
} from '@inferbench/metrics';
import { waitForRun, printSummaryTable, type ApiCommandContext } from '../commands/api-commands.js';
import { CliError, EXIT } from '../errors.js';
import { applyFile } from './apply.js';
import { EXIT_CONFIG, loadCiFile, type CiFile } from './config-file.js';
import { ciContext, ciMetadata, defaultIdempotencyKey } from './git-env.js';
import { junitXml, markdownSummary } from './reports.js';

/** Exit codes of `inferbench ci` (documented in apps/cli/README.md and the README's "CI pipelines"). */
export const CI_EXIT = {
  passed: 0,
  /** a threshold or the baseline gate failed (also: a threshold with abortOnFail cancelled the run) */
  thresholds: 1,
  /** the run failed or was cancelled (from outside), or a load point failed */
  runFailed: 2,
  /** usage or configuration error (bad flag, bad file, the API rejected the experiment) */
  config: EXIT_CONFIG,
  /** the API could not be reached, or refused the credentials (401/403) */
  unreachable: 4,
} as const;

export interface CiOptions {
  file: string;
  idempotencyKey?: string;
  junit?: string;
  summaryMd?: string;
  maxRegression: Record<string, number>;
  /** false: no baseline gate even when the file sets one */
  baseline: boolean;
  setBaseline?: boolean;
  meta: Record<string, string>;
  webUrl?: string;
  pollIntervalMs?: number;
}

/** 401/403 and unreachable → exit 4, with the reason. */
function authOrNetwork(err: unknown, apiUrl: string): unknown {
  if (err instanceof ApiError && (err.status === 401 || err.status === 403))
    return new CliError(
      `the inferbench API at ${apiUrl} refused the credentials (${err.status} ${err.code}): set INFERBENCH_TOKEN to a token with access`,
      CI_EXIT.unreachable,
    );
  return err;
}

/** `inferbench apply -f <file>...`: upsert the files' targets and experiments. */
export async function applyCommand(ctx: ApiCommandContext, files: string[]): Promise<number> {
  const parsed: CiFile[] = [];
  for (const f of files) parsed.push(await loadCiFile(f, ctx.io.env));
  const out = [];
  try {
    for (const f of parsed) {
      const r = await applyFile(ctx.api, f);
      out.push({
        file: f.path,
        targets: r.targets,
        experiment: r.experiment && {
          id: r.experiment.experiment.id,
          name: r.experiment.experiment.name,
          action: r.experiment.action,
        },
      });
      if (!ctx.json) {
        for (const t of r.targets) ctx.io.stdout.write(`target "${t.name}" ${t.action} (${t.id})\n`);
        if (r.experiment)
          ctx.io.stdout.write(
            `experiment "${r.experiment.experiment.name}" ${r.experiment.action} (${r.experiment.experiment.id})\n`,
          );
      }
    }
  } catch (err) {
    throw authOrNetwork(err, ctx.apiUrl);
  }
  if (ctx.json) ctx.io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return EXIT.ok;
}

/**
 * `inferbench ci -f <file>`: apply the file, start a run (idempotent, with git metadata), follow it live (cancelling
 * it when an `abortOnFail` threshold fails), judge it through `POST /runs/:id/evaluate`, write JUnit and Markdown.
 */
export async function ciCommand(
  ctx: ApiCommandContext,
  opts: CiOptions,
  signal?: AbortSignal,
): Promise<number> {
  const started = Date.now();
  const file = await loadCiFile(opts.file, ctx.io.env);
  if (!file.experiment)
    throw new CliError(`${opts.file}: ci needs an experiment (name, variants)`, CI_EXIT.config);
  const maxRegression = { ...file.maxRegression, ...opts.maxRegression };
  const gate = opts.baseline && Object.keys(maxRegression).length > 0;
  const { thresholds } = parseThresholds(file.thresholds);
  const ci = ciContext(ctx.io.env);
  const key = opts.idempotencyKey ?? defaultIdempotencyKey(ci, file.sha256);

  let run: Run;
  let exp;
  try {
    const applied = await applyFile(ctx.api, file);
    exp = applied.experiment!.experiment;
    run = await ctx.api.startRun(exp.id, {
      trigger: 'ci',
      metadata: { ...ciMetadata(ci), ...opts.meta },
      ...(key ? { idempotencyKey: key } : {}),
    });
  } catch (err) {
    throw authOrNetwork(err, ctx.apiUrl);
  }
  const reused = Date.parse(run.createdAt) < started - 1000;
  ctx.io.stderr.write(
    `${reused ? 'following the run an earlier attempt started' : 'started run'} ${run.id} of "${exp.name}" (${run.loadPoints.length} load points${key ? `, idempotency key ${key}` : ''})\n`,
  );

  // abortOnFail: error_rate from live progress (after 20 requests), every threshold at each finished point
  const abortable = thresholds.filter((t) => t.abortOnFail);
  let abortedBy: string | undefined;
  const runStart = Date.parse(run.startedAt ?? run.createdAt);
  const abortNow = (t: ParsedThreshold, what: string): void => {
    if (abortedBy !== undefined || Date.now() - runStart < t.delayAbortMs) return;
    abortedBy = what;
    ctx.io.stderr.write(`threshold crossed with abortOnFail: ${what}; cancelling run ${run.id}\n`);
    ctx.api.cancelRun(run.id).catch(() => undefined);
  };
  const live = new Map<string, Map<number, { done: number; errors: number }>>();
  const labels = new Map(run.loadPoints.map((lp) => [lp.id, lp]));
  const checking = new Set<string>();
  const onEvent = (e: RunStreamEvent): void => {
    if (!abortable.length || abortedBy !== undefined) return;
    if (e.type === 'loadpoint.progress') {
      const lp = labels.get(e.loadPointId);
      if (!lp) return;
      const shards = live.get(e.loadPointId) ?? new Map();
      shards.set(e.shardIndex, { done: e.totals.done, errors: e.totals.errors });
      live.set(e.loadPointId, shards);
      const done = [...shards.values()].reduce((a, s) => a + s.done, 0);
      const errors = [...shards.values()].reduce((a, s) => a + s.errors, 0);
      if (done < 20) return;
      for (const t of abortable) {
        if (t.metric !== 'error_rate' || !thresholdApplies(t, lp.variantLabel, lp.levelLabel)) continue;
        const j = judgeThreshold(t, { latency: () => undefined, scalar: () => errors / done });
        if (!j.pass)
          abortNow(
            t,
            `${lp.variantLabel} ${lp.levelLabel}: ${describeThresholdResult(t, j.observed)} (live)`,
          );
      }
    } else if (
      e.type === 'loadpoint.status' &&
      isTerminalPointStatus(e.status) &&
      !checking.has(e.loadPointId)
    ) {
      checking.add(e.loadPointId);
      void ctx.api
        .getRun(run.id)
        .then((r) => {
          const lp = r.loadPoints.find((p) => p.id === e.loadPointId);
          if (!lp?.summary) return;
          for (const t of abortable) {
            if (!thresholdApplies(t, lp.variantLabel, lp.levelLabel)) continue;
            const j = judgeThreshold(t, summaryValues(lp.summary));
            // a percentile a summary does not hold (p97) is judged at the end, from the histograms
            if (!j.pass && j.observed !== undefined)
              abortNow(t, `${lp.variantLabel} ${lp.levelLabel}: ${describeThresholdResult(t, j.observed)}`);
          }
        })
        .catch(() => undefined);
    }
  };

  let final: Run | undefined;
  try {
    final = await waitForRun(ctx, run, opts.pollIntervalMs ?? 2_000, signal, { onEvent });
  } catch (err) {
    throw authOrNetwork(err, ctx.apiUrl);
  }
  if (!final) {
    ctx.io.stderr.write(`stopped waiting; run ${run.id} goes on\n`);
    return EXIT.interrupted;
  }

  let ev: RunEvaluation;
  try {
    ev = await ctx.api.evaluateRun(final.id, {
      thresholds: file.thresholds,
      ...(gate ? { baseline: { maxRegression } } : {}),
      ...(abortedBy !== undefined ? { abortedBy } : {}),
    });
  } catch (err) {
    throw authOrNetwork(err, ctx.apiUrl);
  }

  const failedPoints = final.loadPoints.filter((lp) => lp.status === 'failed');
  // aborted by our own threshold: 1; failed or cancelled from outside (or a failed point): 2; else the verdicts
  const exitCode =
    abortedBy !== undefined
      ? CI_EXIT.thresholds
      : final.status !== 'completed' || failedPoints.length
        ? CI_EXIT.runFailed
        : ev.pass
          ? CI_EXIT.passed
          : CI_EXIT.thresholds;

  if (!ctx.json) {
    ctx.io.stdout.write('\n');
    printSummaryTable(ctx, final);
    ctx.io.stdout.write('\n');
    for (const v of ev.thresholds)
      ctx.io.stdout.write(
        `${v.pass ? 'ok  ' : 'FAIL'} ${v.variantLabel} ${v.levelLabel}  ${v.metric} ${v.threshold}  observed ${v.observed === null ? (v.note ?? 'no data') : `${round(v.observed)}${v.unit === 'ratio' ? '' : ` ${v.unit}`}`}\n`,
      );
    if (ev.baseline?.skipped) ctx.io.stdout.write(`baseline gate skipped: ${ev.baseline.skipped}\n`);
    for (const c of ev.baseline?.checks ?? [])
      ctx.io.stdout.write(
        `${c.pass ? 'ok  ' : 'FAIL'} ${c.variantLabel} ${c.levelLabel}  ${c.rule} vs baseline: ${c.baseline === null ? '-' : round(c.baseline)} → ${c.current === null ? '-' : round(c.current)} ${c.unit}${c.worsePct === null ? '' : ` (${c.worsePct.toFixed(1)} % worse, tolerance ${c.tolerancePct} %, beyond noise: ${c.beyondNoise ?? 'n/a'})`}\n`,
      );
  } else
    ctx.io.stdout.write(
      `${JSON.stringify({ run: final.id, status: final.status, exitCode, evaluation: ev }, null, 2)}\n`,
    );

  const runUrl = `${(opts.webUrl ?? ctx.io.env.INFERBENCH_WEB_URL ?? ctx.apiUrl).replace(/\/+$/, '')}/runs/${final.id}`;
  if (opts.junit) await writeFile(opts.junit, junitXml(final, ev));
  const md = markdownSummary(final, ev, { runUrl, exitCode });
  if (opts.summaryMd) await writeFile(opts.summaryMd, md);
  if (ctx.io.env.GITHUB_STEP_SUMMARY)
    await appendFile(ctx.io.env.GITHUB_STEP_SUMMARY, md).catch(() => undefined);

  if (exitCode === CI_EXIT.passed && opts.setBaseline) {
    await ctx.api.setBaseline(final.experimentId, final.id);
    ctx.io.stderr.write(`run ${final.id} is now the baseline of "${final.experimentName}"\n`);
  }
  const verdict =
    exitCode === 0
      ? 'passed'
      : exitCode === 1
        ? abortedBy
          ? `failed: aborted by ${abortedBy}`
          : 'failed: thresholds or baseline regression'
        : `run ${final.status}${final.error ? `: ${final.error}` : failedPoints.length ? ` with ${failedPoints.length} failed load point(s)` : ''}`;
  ctx.io.stderr.write(
    `inferbench ci: ${verdict} (run ${final.id}, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  return exitCode;
}

function round(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

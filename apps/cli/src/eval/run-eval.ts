import type { EvalItem, EvalTaskSpec } from '@inferbench/contracts';
import {
  aggregateTask,
  checkCapability,
  datasetHash,
  EvalCapabilityError,
  loadDataset,
  PreparedTask,
  probeFor,
  runTask,
  suiteScore,
  wilsonInterval,
  type EvalItemRecord,
  type Interval,
  type TaskSummary,
} from '@inferbench/evals';
import { CliError, EXIT } from '../errors.js';
import type { CliStream } from '../io.js';
import { benchEnvironment } from '../bench/run-bench.js';
import type { EvalConfig } from './eval-options.js';
import { errorClassOf, HttpModelCaller } from './model-call.js';
import { EvalProgress } from './progress.js';
import type { EvalResultFile, EvalTaskResult } from './result.js';

export interface RunEvalOptions {
  config: EvalConfig;
  /** progress line and notes (stderr) */
  progress: CliStream;
  /** Ctrl-C: stop taking items, keep every finished one */
  signal: AbortSignal;
}

/** The unreachable target, as an error with its own exit code. */
export class TargetUnreachableError extends CliError {
  constructor(baseUrl: string, error: string) {
    super(
      `cannot reach the target at ${baseUrl} (${error}); is the server running, and is --base-url right?`,
      EXIT.unreachable,
    );
  }
}

interface Loaded {
  spec: EvalTaskSpec;
  task: PreparedTask;
  items: EvalItem[];
}

/** Metrics whose per-item value is right/wrong, so a Wilson interval of the task score is valid. */
function scoreInterval(
  spec: EvalTaskSpec,
  summary: TaskSummary,
  records: readonly EvalItemRecord[],
): Interval | null {
  const n = records.length;
  switch (summary.primaryMetric) {
    case 'accuracy':
      return summary.accuracy.wilson95;
    case 'exact_match':
      if (spec.repeats > 1) return null;
      return wilsonInterval(
        records.reduce((a, r) => a + (r.scores.exact_match ?? 0), 0),
        n,
      );
    case 'parse_failure_rate':
      return wilsonInterval(n - summary.noAnswer - summary.invalid, n);
    default:
      return null;
  }
}

function meanSampleLatency(records: readonly EvalItemRecord[]): number | null {
  let sum = 0;
  let count = 0;
  for (const r of records)
    for (const s of r.samples)
      if (typeof s.latencyMs === 'number') {
        sum += s.latencyMs;
        count++;
      }
  return count > 0 ? sum / count : null;
}

const isCancelled = (r: EvalItemRecord): boolean =>
  r.error !== undefined && errorClassOf(r.error) === 'cancelled';

async function loadTasks(config: EvalConfig): Promise<Loaded[]> {
  const out: Loaded[] = [];
  for (const spec of config.tasks) {
    let items: EvalItem[];
    let train: EvalItem[];
    try {
      ({ items, train } = await loadDataset(spec.dataset, config.suiteDir));
    } catch (err) {
      throw new CliError(
        `task ${spec.id}: cannot load dataset ${spec.dataset.source}: ${(err as Error).message}`,
      );
    }
    try {
      out.push({ spec, task: new PreparedTask(spec, train), items });
    } catch (err) {
      throw new CliError(`task ${spec.id}: ${(err as Error).message}`);
    }
  }
  return out;
}

function taskResult(
  l: Loaded,
  records: EvalItemRecord[],
  status: EvalTaskResult['status'],
  reason: string | undefined,
): EvalTaskResult {
  const summary = aggregateTask(l.spec, records);
  const errorsByClass: Record<string, number> = {};
  for (const r of records)
    if (r.error) errorsByClass[errorClassOf(r.error)] = (errorsByClass[errorClassOf(r.error)] ?? 0) + 1;
  return {
    taskId: l.spec.id,
    ...(l.spec.description ? { description: l.spec.description } : {}),
    scoringMode: l.spec.scoring.mode,
    versionHash: l.task.versionHash,
    templateId: l.task.templateId,
    datasetHash: datasetHash(l.items),
    planned: l.items.length,
    status,
    ...(reason ? { reason } : {}),
    scoreInterval: records.length > 0 ? scoreInterval(l.spec, summary, records) : null,
    meanLatencyMs: meanSampleLatency(records),
    errorsByClass,
    summary: { ...summary, templateHash: l.task.versionHash },
  };
}

/**
 * Run the suite: reach the target, probe every task's scoring mode first (an unsupported one fails the run before
 * any item, never a silent fallback), then the tasks one after another with `concurrency` items in flight.
 * Interrupted: the finished items are kept (the items cut short are dropped, not counted as wrong).
 */
export async function runEval(opts: RunEvalOptions): Promise<EvalResultFile> {
  const { config, signal } = opts;
  const started = performance.now();
  const loaded = await loadTasks(config);
  const caller = new HttpModelCaller({
    baseUrl: config.baseUrl,
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    headers: config.headers,
    concurrency: config.concurrency,
    timeoutMs: config.timeoutSec * 1000,
    signal,
  });
  const notes = [...config.notes];
  const tasks: EvalTaskResult[] = [];
  const allRecords: EvalItemRecord[] = [];
  let status: EvalResultFile['status'] = 'completed';
  let reason: string | undefined;
  try {
    const reach = await caller.reach();
    if (reach.error) throw new TargetUnreachableError(config.baseUrl, reach.error);
    if (reach.models && reach.models.length > 0 && !reach.models.includes(config.model))
      notes.push(`the server lists ${reach.models.join(', ')}, not "${config.model}"`);

    // capability probes first: nothing runs when a task's scoring mode is unsupported
    const unsupported: Array<{ l: Loaded; reason: string }> = [];
    for (const l of loaded) {
      if (!probeFor(l.task)) continue;
      try {
        await checkCapability(l.task, caller.call, config.model);
      } catch (err) {
        if (err instanceof EvalCapabilityError) unsupported.push({ l, reason: err.reason });
        else throw err;
      }
    }
    if (unsupported.length > 0) {
      status = 'failed';
      reason = unsupported.map((u) => `${u.l.spec.id}: ${u.reason}`).join('; ');
      for (const l of loaded) {
        const u = unsupported.find((x) => x.l === l);
        tasks.push(
          taskResult(
            l,
            [],
            u ? 'failed' : 'cancelled',
            u ? u.reason : 'not run: another task is unsupported',
          ),
        );
      }
    } else {
      const progress = new EvalProgress(
        opts.progress,
        loaded.reduce((a, l) => a + l.items.length, 0),
      );
      try {
        for (const l of loaded) {
          if (signal.aborted) {
            tasks.push(taskResult(l, [], 'cancelled', 'interrupted before the task started'));
            continue;
          }
          progress.setTask(l.spec.id);
          const order = new Map(l.items.map((it, i) => [it.id, i]));
          const got: EvalItemRecord[] = [];
          let taskStatus: EvalTaskResult['status'] = 'completed';
          let taskReason: string | undefined;
          try {
            await runTask(l.task, l.items, caller.call, {
              model: config.model,
              concurrency: config.concurrency,
              skipProbe: true,
              signal,
              onRecord: (r) => {
                if (signal.aborted && isCancelled(r)) return;
                got.push(r);
                progress.item(r.parseStatus !== 'ok', r.error !== undefined);
              },
            });
          } catch (err) {
            if (!(err instanceof EvalCapabilityError)) throw err;
            // the probe passed but an item's response shows the capability missing after all
            taskStatus = 'failed';
            taskReason = err.reason;
          }
          got.sort((a, b) => order.get(a.itemId)! - order.get(b.itemId)!);
          if (taskStatus === 'completed' && signal.aborted && got.length < l.items.length) {
            taskStatus = 'cancelled';
            taskReason = `interrupted after ${got.length} of ${l.items.length} items`;
          }
          if (taskStatus === 'completed' && got.length > 0 && got.every((r) => r.error !== undefined)) {
            const first = got[0]!.error!;
            taskStatus = 'failed';
            taskReason = `every item failed (${errorClassOf(first)}): ${first}`;
          }
          tasks.push(taskResult(l, got, taskStatus, taskReason));
          allRecords.push(...got);
        }
      } finally {
        progress.finish();
      }
      const failed = tasks.filter((t) => t.status === 'failed');
      if (failed.length > 0) {
        status = 'failed';
        reason = failed.map((t) => `${t.taskId}: ${t.reason}`).join('; ');
      } else if (signal.aborted) {
        status = 'cancelled';
        reason = `interrupted after ${allRecords.length} item(s)`;
      }
    }
  } finally {
    await caller.close();
  }
  const scored = tasks.filter((t) => t.summary.n > 0);
  const suite = suiteScore(scored.map((t) => ({ taskId: t.taskId, score: t.summary.score, n: t.summary.n })));
  const env = benchEnvironment();
  return {
    kind: 'inferbench.eval-result',
    v: 1,
    tool: { name: 'inferbench', version: env.inferbenchVersion },
    createdAt: new Date().toISOString(),
    status,
    ...(reason ? { reason } : {}),
    target: {
      baseUrl: config.baseUrl,
      api: config.api,
      headerNames: Object.keys(config.headers),
      hasApiKey: config.apiKey !== undefined,
    },
    model: config.model,
    suite: { name: config.suite.name, version: config.suite.version ?? null, source: config.suiteSource },
    config: {
      concurrency: config.concurrency,
      limit: config.limit,
      seed: config.seed,
      tasks: config.taskFilter,
      timeoutSec: config.timeoutSec,
    },
    durationSec: (performance.now() - started) / 1000,
    tasks,
    suiteScore: {
      meanOfTasks: suite.meanOfTasks,
      itemWeighted: suite.itemWeighted,
      items: scored.reduce((a, t) => a + t.summary.n, 0),
    },
    records: allRecords as unknown as EvalResultFile['records'],
    ...(notes.length ? { notes } : {}),
    environment: env,
  };
}

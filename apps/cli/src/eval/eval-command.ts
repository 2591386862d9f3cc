import { writeFile } from 'node:fs/promises';
import { CliError, EXIT } from '../errors.js';
import type { CliIo } from '../io.js';
import { compareEvalResults, evalComparisonJson, formatEvalComparison, readEvalResult } from './compare.js';
import { parseEvalOptions, type EvalCliOptions } from './eval-options.js';
import { formatEvalSummary } from './format.js';
import { runEval } from './run-eval.js';

export type { EvalCliOptions } from './eval-options.js';

/** Default drop the "items needed" column is sized for, in points. */
export const DEFAULT_DROP_POINTS = 5;

function parseDrop(v: string | undefined): number {
  if (v === undefined) return DEFAULT_DROP_POINTS / 100;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x <= 0 || x > 100)
    throw new CliError(`--drop must be a number of points in (0, 100], got "${v}"`);
  return x / 100;
}

/**
 * `inferbench eval ...`: run a suite against a server and print (and with --out write) the result;
 * `--compare a.json b.json` compares two result files; `--compare a.json` with a run compares A with this run.
 * Exit codes: 0 ok; 1 usage error; 2 failed (a task's scoring mode unsupported, or every item of a task failed);
 * 4 target unreachable; 130 interrupted (partial results are printed and written).
 */
export async function evalCommand(
  o: EvalCliOptions,
  json: boolean,
  io: CliIo,
  signal: AbortSignal,
): Promise<number> {
  const drop = parseDrop(o.drop);
  if (o.compare && o.baseUrl === undefined) {
    if (o.compare.length !== 2)
      throw new CliError(
        '--compare takes two result files (--compare a.json b.json), or one with a run (--base-url ... --compare a.json)',
      );
    const [pa, pb] = o.compare as [string, string];
    const [a, b] = await Promise.all([readEvalResult(pa), readEvalResult(pb)]);
    const c = compareEvalResults(a, b, drop);
    io.stdout.write(
      json ? `${JSON.stringify(evalComparisonJson(c), null, 2)}\n` : formatEvalComparison(c, [pa, pb]),
    );
    return EXIT.ok;
  }
  if (o.compare && o.compare.length !== 1)
    throw new CliError('with a run, --compare takes one baseline result file (this run is B)');
  const baseline = o.compare ? await readEvalResult(o.compare[0]!) : undefined;

  const config = await parseEvalOptions(o, io.env);
  if (!json)
    io.stderr.write(
      `eval ${config.model} @ ${config.baseUrl}: suite ${config.suite.name} (${config.suiteSource}), ${config.tasks.length} task(s), concurrency ${config.concurrency}${config.limit !== null ? `, limit ${config.limit}` : ''}, seed ${config.seed}\n`,
    );
  const result = await runEval({ config, progress: io.stderr, signal });
  if (o.out) await writeFile(o.out, `${JSON.stringify(result, null, 2)}\n`);
  if (json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else io.stdout.write(formatEvalSummary(result));
  if (baseline && result.records.length > 0) {
    const c = compareEvalResults(baseline, result, drop);
    if (json) io.stdout.write(`${JSON.stringify(evalComparisonJson(c), null, 2)}\n`);
    else io.stdout.write(`\n${formatEvalComparison(c, [o.compare![0]!, o.out ?? 'this run'])}`);
  }
  if (o.out && !json) io.stderr.write(`result written to ${o.out}\n`);

  if (signal.aborted || result.status === 'cancelled') {
    io.stderr.write(`eval interrupted: ${result.records.length} finished item(s) kept\n`);
    return EXIT.interrupted;
  }
  if (result.status === 'failed') {
    for (const t of result.tasks)
      if (t.status === 'failed') io.stderr.write(`eval failed: task ${t.taskId}: ${t.reason ?? 'failed'}\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}

import path from 'node:path';
import type { EvalSuite, EvalTaskSpec } from '@inferbench/contracts';
import { BUILTIN_SUITES, BUILTIN_SUITES_DIR, loadBuiltinSuite, loadSuiteFile } from '@inferbench/evals';
import { CliError } from '../errors.js';

/** Raw commander options of `inferbench eval` (strings as typed). */
export interface EvalCliOptions {
  baseUrl?: string;
  model?: string;
  api?: string;
  apiKey?: string;
  header?: string[];
  suite?: string;
  tasks?: string;
  concurrency?: string;
  limit?: string;
  seed?: string;
  timeout?: string;
  out?: string;
  compare?: string[];
  drop?: string;
}

/** Default generation seed sent with every request whose task sets none (fixed: reruns ask the same). */
export const DEFAULT_EVAL_SEED = 1234;
export const DEFAULT_EVAL_CONCURRENCY = 8;
export const DEFAULT_EVAL_TIMEOUT_SEC = 300;

export interface EvalConfig {
  baseUrl: string;
  model: string;
  api: 'chat' | 'completions' | null;
  apiKey?: string;
  headers: Record<string, string>;
  suite: EvalSuite;
  /** `builtin:mini` or the file path as given */
  suiteSource: string;
  /** folder relative dataset paths of the suite resolve against */
  suiteDir: string;
  /** selected tasks, with --limit, --seed and --api applied */
  tasks: EvalTaskSpec[];
  taskFilter: string[] | null;
  concurrency: number;
  limit: number | null;
  seed: number;
  timeoutSec: number;
  notes: string[];
}

function int(flag: string, v: string, min: number): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isInteger(x) || x < min)
    throw new CliError(`${flag} must be an integer >= ${min}, got "${v}"`);
  return x;
}

/** `k:v` (or `k=v`) pairs of repeated --header flags. */
export function parseHeaders(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const i = v.search(/[:=]/);
    const key = i > 0 ? v.slice(0, i).trim() : '';
    if (!key || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key))
      throw new CliError(`--header expects name:value, got "${v}"`);
    out[key.toLowerCase()] = v.slice(i + 1).trim();
  }
  return out;
}

async function loadSuite(source: string): Promise<{ suite: EvalSuite; label: string; dir: string }> {
  if ((BUILTIN_SUITES as readonly string[]).includes(source) || source.startsWith('builtin:')) {
    const name = source.replace(/^builtin:/, '');
    if (!(BUILTIN_SUITES as readonly string[]).includes(name))
      throw new CliError(`unknown built-in suite "${name}" (known: ${BUILTIN_SUITES.join(', ')})`);
    return {
      suite: await loadBuiltinSuite(name as (typeof BUILTIN_SUITES)[number]),
      label: `builtin:${name}`,
      dir: BUILTIN_SUITES_DIR,
    };
  }
  const abs = path.resolve(source);
  try {
    return { suite: await loadSuiteFile(abs), label: source, dir: path.dirname(abs) };
  } catch (err) {
    const e = err as { code?: string; issues?: Array<{ path: PropertyKey[]; message: string }> };
    if (e.code === 'ENOENT')
      throw new CliError(
        `--suite: no built-in suite or file "${source}" (built-in: ${BUILTIN_SUITES.join(', ')})`,
      );
    if (Array.isArray(e.issues))
      throw new CliError(
        `--suite: ${source} is not a valid suite:\n${e.issues.map((i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('\n')}`,
      );
    throw new CliError(`--suite: cannot read ${source}: ${(err as Error).message}`);
  }
}

/**
 * A task as this run sends it: `--limit` caps its items, `--seed` fills the generation seed (the default only
 * where the task sets none), `--api` switches the prompt format of generation tasks (likelihood scoring always
 * needs /v1/completions). Seed and format are part of the version hash, so results stay comparable only when
 * both runs sent the same.
 */
function applyOverrides(
  t: EvalTaskSpec,
  o: { limit: number | null; seed: number; seedGiven: boolean; api: EvalConfig['api'] },
  notes: string[],
): EvalTaskSpec {
  const dataset =
    o.limit === null ? t.dataset : { ...t.dataset, limit: Math.min(t.dataset.limit ?? Infinity, o.limit) };
  const generation =
    o.seedGiven || t.generation.seed === undefined ? { ...t.generation, seed: o.seed } : t.generation;
  let prompt = t.prompt;
  if (o.api !== null) {
    const want = o.api === 'chat' ? 'chat' : 'completion';
    if (t.scoring.mode === 'loglikelihood') {
      if (want === 'chat')
        notes.push(`${t.id}: likelihood scoring always uses /v1/completions (--api chat ignored)`);
    } else if (t.prompt.format !== want) prompt = { ...t.prompt, format: want };
  }
  return { ...t, dataset, generation, prompt };
}

/** Validate the flags of a run and load the suite. */
export async function parseEvalOptions(
  o: EvalCliOptions,
  env: Record<string, string | undefined>,
): Promise<EvalConfig> {
  if (!o.baseUrl) throw new CliError('--base-url is required (e.g. --base-url http://127.0.0.1:8000/v1)');
  let url: URL;
  try {
    url = new URL(o.baseUrl);
  } catch {
    throw new CliError(`--base-url is not a URL: "${o.baseUrl}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`--base-url must be http(s), got "${o.baseUrl}"`);
  if (!o.model) throw new CliError('--model is required (the model name the server serves)');
  let api: EvalConfig['api'] = null;
  if (o.api !== undefined) {
    if (o.api !== 'chat' && o.api !== 'completions')
      throw new CliError(`--api must be chat or completions, got "${o.api}"`);
    api = o.api;
  }
  const concurrency =
    o.concurrency === undefined ? DEFAULT_EVAL_CONCURRENCY : int('--concurrency', o.concurrency, 1);
  const limit = o.limit === undefined ? null : int('--limit', o.limit, 1);
  const seedGiven = o.seed !== undefined;
  const seed = o.seed === undefined ? DEFAULT_EVAL_SEED : int('--seed', o.seed, 0);
  const timeoutSec = o.timeout === undefined ? DEFAULT_EVAL_TIMEOUT_SEC : int('--timeout', o.timeout, 1);
  const headers = parseHeaders(o.header);
  const apiKey = o.apiKey ?? env.INFERBENCH_BENCH_API_KEY ?? env.OPENAI_API_KEY;

  const { suite, label, dir } = await loadSuite(o.suite ?? 'mini');
  let taskFilter: string[] | null = null;
  let specs = suite.tasks;
  if (o.tasks !== undefined) {
    taskFilter = o.tasks
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (taskFilter.length === 0) throw new CliError('--tasks expects task ids, e.g. --tasks arith,capitals');
    const known = new Set(suite.tasks.map((t) => t.id));
    const unknown = taskFilter.filter((id) => !known.has(id));
    if (unknown.length)
      throw new CliError(
        `--tasks: no task ${unknown.map((u) => `"${u}"`).join(', ')} in suite ${suite.name} (tasks: ${[...known].join(', ')})`,
      );
    const want = new Set(taskFilter);
    specs = suite.tasks.filter((t) => want.has(t.id));
  }
  const judge = specs.filter((t) => t.scoring.mode === 'judge').map((t) => t.id);
  if (judge.length)
    throw new CliError(
      `task(s) ${judge.join(', ')} use LLM-as-judge scoring, which needs a judge target; the CLI has none yet (leave them out with --tasks)`,
    );
  const notes: string[] = [];
  const tasks = specs.map((t) => applyOverrides(t, { limit, seed, seedGiven, api }, notes));
  return {
    baseUrl: o.baseUrl,
    model: o.model,
    api,
    ...(apiKey ? { apiKey } : {}),
    headers,
    suite,
    suiteSource: label,
    suiteDir: dir,
    tasks,
    taskFilter,
    concurrency,
    limit,
    seed,
    timeoutSec,
    notes,
  };
}

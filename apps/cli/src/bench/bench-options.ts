import { InteropError, k6ScenariosToLoadPlan } from '@inferbench/interop';
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  LoadPlanSpecSchema,
  WorkloadSpecSchema,
  type LoadPlanSpec,
  type RequestParams,
  type SloSpec,
  type WorkloadSpec,
} from '@inferbench/contracts';
import { BUILTIN_DATASETS, parseTrace, WORKLOAD_PRESETS } from '@inferbench/loadgen';
import type { z } from 'zod';
import { CliError } from '../errors.js';
import type { BenchPlanConfig } from './result.js';
import {
  parseDurationSec,
  parseLengthDist,
  parseNumberList,
  parseSloExpression,
  parseStages,
} from './parse-values.js';

/** Raw commander options of `inferbench bench` (strings as typed, parsed here). */
export interface BenchCliOptions {
  baseUrl?: string;
  model?: string;
  api?: string;
  apiKey?: string;
  connection?: string;
  // load plan
  plan?: string;
  concurrency?: string;
  rampUp?: string;
  rate?: string;
  arrival?: string;
  burstiness?: string;
  maxConcurrency?: string;
  stages?: string;
  stageMode?: string;
  stageStart?: string;
  trace?: string;
  speedup?: string;
  sweep?: boolean;
  sweepPoints?: string;
  sweepMode?: string;
  sla?: string;
  slaMode?: string;
  slaMin?: string;
  slaMax?: string;
  slo?: string;
  // extent and limits
  requests?: string;
  duration?: string;
  warmup?: string;
  seed?: string;
  maxDuration?: string;
  maxRequests?: string;
  maxErrorRate?: string;
  // workload
  workload?: string;
  preset?: string;
  dataset?: string;
  datasetFormat?: string;
  inputTokens?: string;
  outputTokens?: string;
  sharedPrefix?: string;
  turns?: string;
  // request parameters
  ignoreEos?: boolean;
  temperature?: string;
  tokenizer?: string;
  tokenizerDir?: string;
  // output
  out?: string;
  outRequests?: string;
  compare?: string[];
  listPresets?: boolean;
}

/** Default hard stop per load point when neither the flag nor the plan file gives one. */
export const DEFAULT_MAX_DURATION_SEC = 3600;
/** Measured requests per point when neither --requests nor --duration (nor the plan) says how long. */
export const DEFAULT_REQUESTS = 100;

function num(
  name: string,
  v: string,
  opts: { int?: boolean; min?: number; positive?: boolean; max?: number } = {},
): number {
  const x = Number(v);
  const bad =
    v.trim() === '' ||
    !Number.isFinite(x) ||
    (opts.int && !Number.isInteger(x)) ||
    (opts.min !== undefined && x < opts.min) ||
    (opts.max !== undefined && x > opts.max) ||
    (opts.positive && x <= 0);
  if (bad) {
    const range = opts.positive ? ' > 0' : opts.min !== undefined ? ` >= ${opts.min}` : '';
    const upper = opts.max !== undefined ? `${range ? ' and' : ''} <= ${opts.max}` : '';
    throw new CliError(
      `--${name} must be ${opts.int ? 'an integer' : 'a number'}${range}${upper}, got "${v}"`,
    );
  }
  return x;
}

/** zod issues as indented `path: message` lines (the path names the field of the file or plan). */
function issueLines(error: z.ZodError): string {
  return error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
}

async function readJsonFile(file: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`${flag}: cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${flag}: ${file} is not JSON (${(err as Error).message})`);
  }
}

/** Checks a trace file now, so a bad line is reported before any load is sent. Returns its absolute path. */
async function checkTraceFile(source: string, flag: string): Promise<string> {
  if (source.startsWith('builtin:')) return source;
  const abs = path.resolve(source);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    throw new CliError(`${flag}: cannot read ${source}: ${(err as Error).message}`);
  }
  try {
    if (parseTrace(text).length === 0) throw new Error('no entries');
  } catch (err) {
    throw new CliError(`${flag}: ${source}: ${(err as Error).message}`);
  }
  return abs;
}

async function checkDatasetSource(source: string, flag: string): Promise<string> {
  if (source.startsWith('builtin:')) {
    const name = source.slice('builtin:'.length);
    if (!(BUILTIN_DATASETS as readonly string[]).includes(name)) {
      throw new CliError(
        `${flag}: unknown built-in dataset "${name}" (known: ${BUILTIN_DATASETS.map((n) => `builtin:${n}`).join(', ')})`,
      );
    }
    return source;
  }
  const abs = path.resolve(source);
  try {
    await readFile(abs, { encoding: 'utf8', flag: 'r' });
  } catch (err) {
    throw new CliError(`${flag}: cannot read ${source}: ${(err as Error).message}`);
  }
  return abs;
}

const has = (v: unknown): boolean => v !== undefined && v !== false;

/** Names of the given flags among `flags` (keys of the options, shown as --kebab-case). */
function given(o: BenchCliOptions, flags: (keyof BenchCliOptions)[]): string[] {
  return flags
    .filter((k) => has(o[k]))
    .map((k) => `--${String(k).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
}

function onlyWith(
  o: BenchCliOptions,
  flags: (keyof BenchCliOptions)[],
  allowed: boolean,
  where: string,
): void {
  if (allowed) return;
  const bad = given(o, flags);
  if (bad.length) throw new CliError(`${bad[0]} only applies ${where}`);
}

function choice<T extends string>(flag: string, v: string | undefined, choices: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (!(choices as readonly string[]).includes(v))
    throw new CliError(`${flag} must be ${choices.join(' or ')}, got "${v}"`);
  return v as T;
}

/** The workload and request parameters from --workload / --preset / --dataset / the synthetic flags. */
async function buildWorkload(o: BenchCliOptions): Promise<{ workload: WorkloadSpec; params: RequestParams }> {
  const sources = given(o, ['workload', 'preset', 'dataset']);
  if (sources.length > 1) throw new CliError(`give one workload source, not ${sources.join(' and ')}`);
  const synthFlags: (keyof BenchCliOptions)[] = [
    'inputTokens',
    'outputTokens',
    'sharedPrefix',
    'turns',
    'datasetFormat',
  ];
  let workload: unknown;
  let params: RequestParams = {};
  if (o.workload !== undefined || o.preset !== undefined) {
    const src = o.workload !== undefined ? '--workload' : '--preset';
    const bad = given(o, synthFlags);
    if (bad.length)
      throw new CliError(`${bad[0]} cannot be combined with ${src} (the workload is defined there)`);
    if (o.workload !== undefined) {
      workload = await readJsonFile(o.workload, '--workload');
      const parsed = WorkloadSpecSchema.safeParse(workload);
      if (!parsed.success)
        throw new CliError(`--workload: ${o.workload} is not a valid workload:\n${issueLines(parsed.error)}`);
      workload = parsed.data;
    } else {
      const preset = (
        WORKLOAD_PRESETS as Record<string, (typeof WORKLOAD_PRESETS)[keyof typeof WORKLOAD_PRESETS]>
      )[o.preset!];
      if (!preset) {
        throw new CliError(
          `unknown preset "${o.preset}" (known: ${Object.keys(WORKLOAD_PRESETS).join(', ')}; see --list-presets)`,
        );
      }
      workload = preset.workload;
      params = { ...preset.params };
    }
  } else if (o.dataset !== undefined) {
    if (o.inputTokens !== undefined)
      throw new CliError("--input-tokens does not apply to --dataset (the dataset's prompts set the input)");
    if (o.sharedPrefix !== undefined)
      throw new CliError('--shared-prefix only applies to synthetic prompts (without --dataset)');
    workload = {
      kind: 'dataset',
      source: await checkDatasetSource(o.dataset, '--dataset'),
      format: choice(
        '--dataset-format',
        o.datasetFormat,
        ['prompts', 'chat', 'sharegpt'] as const,
        'prompts',
      ),
      ...(o.outputTokens === undefined
        ? {}
        : { outputTokens: parseLengthDist(o.outputTokens, '--output-tokens') }),
      ...(o.turns === undefined
        ? {}
        : { multiTurn: { maxTurns: num('turns', o.turns, { int: true, min: 1 }) } }),
    };
  } else {
    if (o.datasetFormat !== undefined) throw new CliError('--dataset-format only applies with --dataset');
    let sharedPrefix: { groups: number; prefixTokens: number } | undefined;
    if (o.sharedPrefix !== undefined) {
      const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(o.sharedPrefix);
      if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) {
        throw new CliError(
          `--shared-prefix takes groups:tokens with both >= 1 (e.g. 8:2000), got "${o.sharedPrefix}"`,
        );
      }
      sharedPrefix = { groups: Number(m[1]), prefixTokens: Number(m[2]) };
    }
    workload = {
      kind: 'synthetic',
      inputTokens: parseLengthDist(o.inputTokens ?? '256', '--input-tokens'),
      outputTokens: parseLengthDist(o.outputTokens ?? '128', '--output-tokens'),
      ...(sharedPrefix ? { sharedPrefix } : {}),
      ...(o.turns === undefined ? {} : { multiTurn: { turns: parseLengthDist(o.turns, '--turns') } }),
    };
  }
  if (o.ignoreEos) params = { ...params, ignoreEos: true };
  if (o.temperature !== undefined)
    params = { ...params, temperature: num('temperature', o.temperature, { min: 0, max: 10 }) };
  const parsed = WorkloadSpecSchema.safeParse(workload);
  if (!parsed.success) throw new CliError(`invalid workload:\n${issueLines(parsed.error)}`);
  return { workload: parsed.data, params };
}

const ARRIVALS = ['poisson', 'constant', 'gamma'] as const;
const MODES = ['rate', 'concurrency'] as const;

/** k6 `options` JSON (with `scenarios`), not an inferbench plan (which has `kind`). */
function isK6Options(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || 'kind' in raw) return false;
  return 'scenarios' in raw;
}

/** The load plan from --plan / a load flag / the preset, before extent and limit overrides (raw, unvalidated). */
async function buildPlanBase(
  o: BenchCliOptions,
): Promise<{ plan: Record<string, unknown>; from: string; slo?: SloSpec }> {
  const loadFlags = given(o, ['plan', 'concurrency', 'rate', 'stages', 'trace', 'sweep', 'sla']);
  if (loadFlags.length > 1) throw new CliError(`give one load plan, not ${loadFlags.join(' and ')}`);
  const which = loadFlags[0];
  onlyWith(o, ['rampUp'], which === '--concurrency', 'with --concurrency');
  onlyWith(o, ['stageMode', 'stageStart'], which === '--stages', 'with --stages');
  onlyWith(o, ['speedup'], which === '--trace', 'with --trace');
  onlyWith(o, ['sweepPoints', 'sweepMode'], which === '--sweep', 'with --sweep');
  onlyWith(o, ['slaMode', 'slaMin', 'slaMax'], which === '--sla', 'with --sla');
  const stageRate = which === '--stages' && o.stageMode === 'rate';
  const sweepRate = which === '--sweep' && (o.sweepMode ?? 'rate') === 'rate';
  const slaRate = which === '--sla' && o.slaMode === 'rate';
  onlyWith(
    o,
    ['arrival', 'burstiness'],
    which === '--rate' || stageRate || sweepRate || slaRate,
    'to open-loop (rate) plans',
  );
  onlyWith(
    o,
    ['maxConcurrency'],
    which === '--rate' || stageRate || which === '--trace' || which === '--sweep',
    'with --rate, --stages (rate mode), --trace or --sweep',
  );

  const openLoop = (): Record<string, unknown> => ({
    arrival: choice('--arrival', o.arrival, ARRIVALS, 'poisson'),
    ...(o.burstiness === undefined
      ? {}
      : { burstiness: num('burstiness', o.burstiness, { positive: true }) }),
  });
  const cap = (): Record<string, unknown> =>
    o.maxConcurrency === undefined
      ? {}
      : { maxConcurrency: num('max-concurrency', o.maxConcurrency, { int: true, min: 1 }) };

  switch (which) {
    case '--plan': {
      let raw = await readJsonFile(o.plan!, '--plan');
      let from = o.plan!;
      // k6 options (`{ scenarios: {...} }`) instead of an inferbench plan: convert it
      if (isK6Options(raw)) {
        try {
          const converted = k6ScenariosToLoadPlan(raw);
          raw = converted.plan;
          from = `${o.plan!} (k6 scenarios${converted.notes.length ? `; ${converted.notes.join('; ')}` : ''})`;
        } catch (err) {
          if (err instanceof InteropError)
            throw new CliError(
              `--plan: ${o.plan} holds k6 options that have no inferbench plan: ${err.message}`,
            );
          throw err;
        }
      }
      const parsed = LoadPlanSpecSchema.safeParse(raw);
      if (!parsed.success)
        throw new CliError(`--plan: ${o.plan} is not a valid load plan:\n${issueLines(parsed.error)}`);
      const plan = parsed.data as Record<string, unknown> & LoadPlanSpec;
      if (plan.kind === 'trace' && plan.source !== undefined)
        plan.source = await checkTraceFile(plan.source, '--plan (trace source)');
      return { plan, from };
    }
    case '--concurrency':
      return {
        plan: {
          kind: 'concurrency',
          levels: parseNumberList(o.concurrency!, '--concurrency', (x) =>
            Number.isInteger(x) && x >= 1 ? null : 'an integer >= 1',
          ),
          ...(o.rampUp === undefined ? {} : { rampUpSec: parseDurationSec(o.rampUp, '--ramp-up') }),
        },
        from: 'the command line',
      };
    case '--rate':
      return {
        plan: {
          kind: 'rate',
          levels: parseNumberList(o.rate!, '--rate', (x) => (x > 0 ? null : 'a number > 0')),
          ...openLoop(),
          ...cap(),
        },
        from: 'the command line',
      };
    case '--stages':
      return {
        plan: {
          kind: 'stages',
          mode: choice('--stage-mode', o.stageMode, MODES, 'concurrency'),
          stages: parseStages(o.stages!),
          ...(o.stageStart === undefined
            ? {}
            : { startTarget: num('stage-start', o.stageStart, { min: 0 }) }),
          ...(o.stageMode === 'rate' ? openLoop() : {}),
          ...cap(),
        },
        from: 'the command line',
      };
    case '--trace':
      return {
        plan: {
          kind: 'trace',
          source: await checkTraceFile(o.trace!, '--trace'),
          speedup: o.speedup === undefined ? 1 : num('speedup', o.speedup, { positive: true }),
          ...cap(),
        },
        from: 'the command line',
      };
    case '--sweep': {
      const mode = choice('--sweep-mode', o.sweepMode, MODES, 'rate');
      return {
        plan: {
          kind: 'sweep',
          mode,
          ...(o.sweepPoints === undefined
            ? {}
            : { points: num('sweep-points', o.sweepPoints, { int: true, min: 3, max: 50 }) }),
          ...(mode === 'rate' ? openLoop() : {}),
          ...cap(),
        },
        from: 'the command line',
      };
    }
    case '--sla': {
      const slo = parseSloExpression(o.sla!, '--sla');
      const mode = choice('--sla-mode', o.slaMode, MODES, 'concurrency');
      if (mode === 'rate' && o.slaMax === undefined)
        throw new CliError('--sla-mode rate needs --sla-max <req/s> (the highest rate to try)');
      const max = o.slaMax === undefined ? 256 : num('sla-max', o.slaMax, { positive: true });
      return {
        plan: {
          kind: 'sla',
          mode,
          slo,
          max,
          ...(o.slaMin === undefined ? {} : { min: num('sla-min', o.slaMin, { positive: true }) }),
          ...(mode === 'rate' ? openLoop() : {}),
        },
        from: 'the command line',
        slo,
      };
    }
    default:
      if (o.preset !== undefined) {
        const preset = WORKLOAD_PRESETS[o.preset as keyof typeof WORKLOAD_PRESETS];
        return {
          plan: structuredClone(preset.loadPlan) as Record<string, unknown>,
          from: `preset ${o.preset}`,
        };
      }
      return { plan: { kind: 'concurrency', levels: [1] }, from: 'the command line' };
  }
}

/** Validate and convert the command-line options (and the files they name) into a {@link BenchPlanConfig}. */
export async function parseBenchOptions(
  o: BenchCliOptions,
  env: Record<string, string | undefined>,
): Promise<{ config: BenchPlanConfig; apiKey?: string }> {
  if (!o.baseUrl) throw new CliError('--base-url is required (e.g. --base-url http://127.0.0.1:8000)');
  try {
    const u = new URL(o.baseUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new CliError(`--base-url must be an http(s) URL, got "${o.baseUrl}"`);
  }
  if (!o.model) throw new CliError('--model is required (the model name the server serves)');
  const apiKind = o.api ?? 'chat';
  if (apiKind !== 'chat' && apiKind !== 'completions')
    throw new CliError(`--api must be chat or completions, got "${apiKind}"`);

  const connection = o.connection ?? 'keep-alive';
  if (connection !== 'keep-alive' && connection !== 'close')
    throw new CliError(`--connection must be keep-alive or close, got "${connection}"`);

  const { workload, params } = await buildWorkload(o);
  const base = await buildPlanBase(o);
  const plan = base.plan;

  // extent: flags replace the plan's own extent; a plan without any gets a short bounded default
  const requests = o.requests === undefined ? undefined : num('requests', o.requests, { int: true, min: 1 });
  const durationSec = o.duration === undefined ? undefined : parseDurationSec(o.duration, '--duration');
  if (durationSec !== undefined && !(durationSec > 0)) throw new CliError('--duration must be > 0');
  if (requests !== undefined || durationSec !== undefined) {
    delete plan.requests;
    delete plan.durationSec;
    if (requests !== undefined) plan.requests = requests;
    if (durationSec !== undefined) plan.durationSec = durationSec;
  } else if (
    plan.kind !== 'stages' &&
    plan.kind !== 'trace' &&
    plan.requests === undefined &&
    plan.durationSec === undefined
  ) {
    plan.requests = DEFAULT_REQUESTS;
  }
  if (o.warmup !== undefined) {
    const w = num('warmup', o.warmup, { int: true, min: 0 });
    if (w > 0) plan.warmup = { requests: w };
    else delete plan.warmup;
  }
  if (o.seed !== undefined) plan.seed = num('seed', o.seed, { int: true });
  // A fresh seed per invocation unless one is given: the same seed sends the same prompts, and a server with
  // prefix caching would answer a repeated benchmark from cache. The seed is recorded in --out for replays.
  else if (plan.seed === undefined) plan.seed = randomInt(1, 2 ** 31 - 1);
  const limits: Record<string, unknown> = { ...(plan.limits as Record<string, unknown> | undefined) };
  if (o.maxDuration !== undefined) limits.maxDurationSec = parseDurationSec(o.maxDuration, '--max-duration');
  else limits.maxDurationSec ??= DEFAULT_MAX_DURATION_SEC;
  if (o.maxRequests !== undefined)
    limits.maxRequests = num('max-requests', o.maxRequests, { int: true, min: 1 });
  if (o.maxErrorRate !== undefined) {
    const rate = num('max-error-rate', o.maxErrorRate, { min: 0, max: 1 });
    limits.maxErrorRate = rate;
    // the adaptive plans judge points by their own threshold: keep them consistent with the limit
    if (plan.kind === 'sweep' || plan.kind === 'sla') plan.maxErrorRate = rate;
  }
  plan.limits = limits;

  const parsed = LoadPlanSpecSchema.safeParse(plan);
  if (!parsed.success)
    throw new CliError(`invalid load plan (from ${base.from}):\n${issueLines(parsed.error)}`);
  const finalPlan = parsed.data;

  let slo: SloSpec | undefined = finalPlan.kind === 'sla' ? finalPlan.slo : undefined;
  if (o.slo !== undefined) {
    if (slo)
      throw new CliError('--slo cannot be combined with an SLA search (its SLO is the one searched for)');
    slo = parseSloExpression(o.slo, '--slo');
  }

  const apiKey = o.apiKey ?? env.INFERBENCH_BENCH_API_KEY ?? env.OPENAI_API_KEY;
  const config: BenchPlanConfig = {
    baseUrl: o.baseUrl,
    model: o.model,
    apiKind,
    plan: finalPlan,
    workload,
    params,
    ...(slo ? { slo } : {}),
    ...(o.preset !== undefined ? { preset: o.preset } : {}),
    tokenizer: o.tokenizer ?? 'auto',
    hasApiKey: Boolean(apiKey),
    ...(connection === 'close' ? { connection } : {}),
  };
  return { config, ...(apiKey ? { apiKey } : {}) };
}

/** `--list-presets`: one block per preset (name, title, description, workload and plan in one line each). */
export function formatPresetList(): string {
  const out: string[] = [];
  for (const [name, p] of Object.entries(WORKLOAD_PRESETS)) {
    out.push(
      `${name} — ${p.title}`,
      `  ${p.description}`,
      `  workload: ${JSON.stringify(p.workload)}`,
      `  plan: ${JSON.stringify(p.loadPlan)}`,
      '',
    );
  }
  return `${out.join('\n')}Use one with --preset <name>; --requests/--duration/--warmup and a load flag (e.g. --concurrency 4) override its plan.\n`;
}

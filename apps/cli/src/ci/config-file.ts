import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateExperimentRequestSchema,
  CreateTargetRequestSchema,
  ThresholdsSpecSchema,
  type ThresholdsSpec,
} from '@inferbench/contracts';
import { parseRegressionRule, parseThresholds } from '@inferbench/metrics';
import YAML from 'yaml';
import { z } from 'zod';
import { CliError } from '../errors.js';

/** Exit code of a usage or configuration error of `ci` / `apply`. */
export const EXIT_CONFIG = 3;

/** A target in a file: the API's create body, plus `apiKeyEnv` (the key is read from that variable, never the file). */
const FileTargetSchema = z.looseObject({
  name: z.string().trim().min(1),
  apiKeyEnv: z.string().min(1).optional(),
});

/** A variant names its target by `target` (a name, from this file or the API) or by `targetId`. */
const FileVariantSchema = z.looseObject({
  label: z.string().trim().min(1),
  target: z.string().trim().min(1).optional(),
  targetId: z.string().trim().min(1).optional(),
});

const FileWebhookSchema = z.looseObject({ url: z.string(), secretEnv: z.string().min(1).optional() });

const PercentSchema = z.union([
  z.number().min(0),
  z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*%?\s*$/, 'a tolerance like 10% or 10')
    .transform((s) => Number(s.replace('%', ''))),
]);

/** The experiment-as-code file: the API's experiment create body plus `targets`, `thresholds` and `baseline`. */
const FileSchema = z.looseObject({
  targets: z.array(FileTargetSchema).default([]),
  name: z.string().trim().min(1).optional(),
  variants: z.array(FileVariantSchema).optional(),
  webhooks: z.array(FileWebhookSchema).optional(),
  thresholds: ThresholdsSpecSchema.optional(),
  baseline: z.object({ maxRegression: z.record(z.string(), PercentSchema).default({}) }).optional(),
});

export interface ParsedTarget {
  name: string;
  /** the create body (the API validates it again) */
  body: Record<string, unknown>;
}

export interface ParsedExperiment {
  name: string;
  /** the create body with `targetId` left to resolve from each variant's `target` name */
  body: Record<string, unknown>;
  variants: { label: string; targetName?: string; targetId?: string; rest: Record<string, unknown> }[];
}

export interface CiFile {
  path: string;
  /** sha256 of the file's bytes (part of the default idempotency key) */
  sha256: string;
  targets: ParsedTarget[];
  experiment: ParsedExperiment | null;
  thresholds: ThresholdsSpec;
  /** `ttft.p95` → percent */
  maxRegression: Record<string, number>;
}

function configError(file: string, lines: string[]): CliError {
  return new CliError(
    [`${file}: invalid configuration`, ...lines.map((l) => `  ${l}`)].join('\n'),
    EXIT_CONFIG,
  );
}

function issuesOf(err: z.ZodError, prefix = ''): string[] {
  return err.issues.map(
    (i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(file)'}: ${i.message}`,
  );
}

/** Read and check a file (YAML or JSON, by content). Secrets come from the environment (`apiKeyEnv`, `secretEnv`). */
export async function loadCiFile(file: string, env: Record<string, string | undefined>): Promise<CiFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT_CONFIG);
  }
  let raw: unknown;
  try {
    raw =
      path.extname(file) === '.json'
        ? JSON.parse(bytes.toString('utf8'))
        : YAML.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new CliError(`${file}: not valid YAML/JSON: ${(err as Error).message}`, EXIT_CONFIG);
  }
  const parsed = FileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw configError(file, issuesOf(parsed.error));
  const f = parsed.data;
  const problems: string[] = [];

  const targets: ParsedTarget[] = f.targets.map((t, i) => {
    const { apiKeyEnv, ...body } = t;
    if (apiKeyEnv !== undefined) {
      const key = env[apiKeyEnv];
      if (!key) problems.push(`targets.${i}.apiKeyEnv: ${apiKeyEnv} is not set`);
      else body.apiKey = key;
    }
    const check = CreateTargetRequestSchema.safeParse(body);
    if (!check.success) problems.push(...issuesOf(check.error, `targets.${i}`));
    return { name: t.name, body };
  });

  let experiment: ParsedExperiment | null = null;
  if (f.name !== undefined || f.variants !== undefined) {
    const { targets: _t, thresholds: _th, baseline: _b, variants = [], webhooks, ...rest } = f;
    const fileTargets = new Set(targets.map((t) => t.name));
    const vs = variants.map((v, i) => {
      const { label, target, targetId, ...vrest } = v;
      if (!target && !targetId) problems.push(`variants.${i}: name its target (target: <name>) or targetId`);
      if (target && targetId) problems.push(`variants.${i}: give target or targetId, not both`);
      return {
        label,
        ...(target ? { targetName: target } : {}),
        ...(targetId ? { targetId } : {}),
        rest: vrest,
      };
    });
    const hooks = webhooks?.map((w, i) => {
      const { secretEnv, ...h } = w;
      if (secretEnv !== undefined) {
        const s = env[secretEnv];
        if (!s) problems.push(`webhooks.${i}.secretEnv: ${secretEnv} is not set`);
        else h.secret = s;
      }
      return h;
    });
    const body = { ...rest, ...(hooks ? { webhooks: hooks } : {}) };
    // the API checks again; checking here (targets by placeholder) reports every field before anything is written
    const check = CreateExperimentRequestSchema.safeParse({
      ...body,
      variants: vs.map((v) => ({ ...v.rest, label: v.label, targetId: v.targetId ?? 'placeholder' })),
    });
    if (!check.success) problems.push(...issuesOf(check.error));
    void fileTargets;
    experiment = { name: String(f.name ?? ''), body, variants: vs };
  }

  const thresholds = f.thresholds ?? {};
  problems.push(...parseThresholds(thresholds).errors.map((e) => `thresholds.${e}`));
  const maxRegression: Record<string, number> = {};
  for (const [k, v] of Object.entries(f.baseline?.maxRegression ?? {})) {
    const r = parseRegressionRule(k, v);
    if (typeof r === 'string') problems.push(`baseline.maxRegression.${r}`);
    else maxRegression[k] = v;
  }
  if (problems.length) throw configError(file, problems);
  if (!experiment && targets.length === 0)
    throw configError(file, ['(file): no experiment (name, variants) and no targets']);
  return {
    path: file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    targets,
    experiment,
    thresholds,
    maxRegression,
  };
}

/** `--max-regression ttft.p95=10%` (repeatable) → record; a bad one is a usage error. */
export function parseMaxRegressionFlag(value: string, prev: Record<string, number>): Record<string, number> {
  const m = /^([^=]+)=\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(value);
  if (!m)
    throw new CliError(`--max-regression expects figure=percent (ttft.p95=10%), got "${value}"`, EXIT_CONFIG);
  const r = parseRegressionRule(m[1]!, Number(m[2]));
  if (typeof r === 'string') throw new CliError(`--max-regression ${r}`, EXIT_CONFIG);
  return { ...prev, [r.key]: r.tolerancePct };
}

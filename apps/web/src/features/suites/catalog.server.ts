import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { EvalTaskSpec } from '@inferbench/contracts';
import {
  BUILTIN_SUITES,
  BUILTIN_SUITES_DIR,
  loadDataset,
  parseSuite,
  taskVersionHash,
} from '@inferbench/evals';
import type { SuiteCatalog, SuiteInfo, SuiteTaskInfo } from './types';

/**
 * Server only: the built-in suites read with `@inferbench/evals` (parse, version hash, dataset item counts).
 * `EVALS_SUITES_DIR` overrides where the suite files are read from.
 */
function suitesDir(): string {
  const candidates = [
    process.env.EVALS_SUITES_DIR,
    BUILTIN_SUITES_DIR,
    // `next start` runs in apps/web
    path.resolve(process.cwd(), '../../packages/evals/suites'),
  ].filter((d): d is string => Boolean(d));
  return candidates.find((d) => existsSync(path.join(d, `${BUILTIN_SUITES[0]}.yaml`))) ?? candidates[0]!;
}

function reading(t: EvalTaskSpec): string {
  const s = t.scoring;
  switch (s.mode) {
    case 'generate': {
      const e = s.extract;
      const detail = 'which' in e ? ` (${e.which})` : e.kind === 'json_field' ? ` (${e.path})` : '';
      return `${e.kind}${detail}`;
    }
    case 'next_token':
      return `top-${s.topLogprobs} logprobs of the first token`;
    case 'loglikelihood':
      return s.normalize === 'chars'
        ? 'option log-likelihood, acc_norm (per char)'
        : 'option log-likelihood, acc';
    case 'assert':
      return s.assertions.map((a) => a.kind).join(', ');
    case 'judge':
      return `judge verdict (${s.verdict})`;
  }
}

async function itemCount(t: EvalTaskSpec): Promise<number | null> {
  if (!t.dataset.source.startsWith('builtin:')) return null;
  try {
    return (await loadDataset({ ...t.dataset, trainSource: undefined })).items.length;
  } catch {
    return null;
  }
}

async function readSuite(name: (typeof BUILTIN_SUITES)[number], dir: string): Promise<SuiteInfo> {
  const yaml = await readFile(path.join(dir, `${name}.yaml`), 'utf8');
  const suite = parseSuite(yaml);
  const tasks = await Promise.all(
    suite.tasks.map(async (t): Promise<SuiteTaskInfo> => ({
      id: t.id,
      description: t.description ?? null,
      datasetSource: t.dataset.source,
      items: await itemCount(t),
      scoringMode: t.scoring.mode,
      reading: reading(t),
      metrics: [...t.metrics],
      fewShot:
        t.fewShot.mode === 'zero' || t.fewShot.k === 0 ? 'zero-shot' : `${t.fewShot.mode}, k=${t.fewShot.k}`,
      circular: t.circular,
      repeats: t.repeats,
      versionHash: taskVersionHash(t),
    })),
  );
  return {
    name,
    title: suite.name,
    description: suite.description ?? null,
    version: suite.version ?? null,
    yaml,
    tasks,
  };
}

let cached: Promise<SuiteCatalog> | undefined;

/** Every built-in suite; read once per server process (the files ship with the build). */
export function loadSuiteCatalog(): Promise<SuiteCatalog> {
  cached ??= (async () => {
    const dir = suitesDir();
    const out: SuiteCatalog = { suites: [], errors: [] };
    for (const name of BUILTIN_SUITES) {
      try {
        out.suites.push(await readSuite(name, dir));
      } catch (err) {
        out.errors.push({ name, error: (err as Error).message });
      }
    }
    return out;
  })();
  return cached;
}

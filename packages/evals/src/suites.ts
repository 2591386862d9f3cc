import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { EvalSuiteSchema, type EvalSuite } from '@inferbench/contracts';

/** Parse a suite file's text (YAML or JSON; JSON is YAML) and validate it with the contracts schema. */
export function parseSuite(text: string): EvalSuite {
  return EvalSuiteSchema.parse(YAML.parse(text));
}

export async function loadSuiteFile(file: string): Promise<EvalSuite> {
  return parseSuite(await readFile(file, 'utf8'));
}

/** Folder of the built-in suites shipped with this package. */
export const BUILTIN_SUITES_DIR = fileURLToPath(new URL('../suites/', import.meta.url));

/** Names of the built-in suites (`<name>.yaml` in the suites folder). */
export const BUILTIN_SUITES = ['mini', 'mini-likelihood'] as const;

export async function loadBuiltinSuite(name: (typeof BUILTIN_SUITES)[number]): Promise<EvalSuite> {
  return loadSuiteFile(path.join(BUILTIN_SUITES_DIR, `${name}.yaml`));
}

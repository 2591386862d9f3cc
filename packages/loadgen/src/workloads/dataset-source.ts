import { readFile } from 'node:fs/promises';

/** Datasets shipped with the package, addressable as `builtin:<name>`. */
export const BUILTIN_DATASETS = ['mini-chat'] as const;

/**
 * Reads a dataset or trace: `builtin:<name>` from the package's src/data folder, anything else as a file path
 * (UTF-8). The agent may pass its own loader (e.g. to restrict paths) to `runLoadPoint` instead.
 */
export async function defaultLoadDataset(source: string): Promise<string> {
  if (source.startsWith('builtin:')) {
    const name = source.slice('builtin:'.length);
    if (!(BUILTIN_DATASETS as readonly string[]).includes(name)) {
      throw new Error(`unknown built-in dataset "${name}" (known: ${BUILTIN_DATASETS.join(', ')})`);
    }
    return readFile(new URL(`../data/${name}.jsonl`, import.meta.url), 'utf8');
  }
  return readFile(source, 'utf8');
}

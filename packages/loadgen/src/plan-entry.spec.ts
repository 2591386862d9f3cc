import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as planEntry from './plan.js';

const PKG_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES_DIR = resolve(PKG_DIR, '..');
/** What a plan-only consumer (the API) must not load. */
const HEAVY = ['undici', 'gpt-tokenizer', '@huggingface/tokenizers'];

/** Workspace packages by name → their folder. */
const workspace = new Map(
  readdirSync(PACKAGES_DIR)
    .filter((d) => existsSync(join(PACKAGES_DIR, d, 'package.json')))
    .map((d) => {
      const pkg = JSON.parse(readFileSync(join(PACKAGES_DIR, d, 'package.json'), 'utf8')) as { name: string };
      return [pkg.name, join(PACKAGES_DIR, d)] as const;
    }),
);

function exportTarget(pkgDir: string, subpath: string): string {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    exports: Record<string, string>;
  };
  const target = pkg.exports[subpath];
  if (typeof target !== 'string') throw new Error(`${pkgDir} does not export ${subpath}`);
  return join(pkgDir, target);
}

function resolveRelative(fromFile: string, spec: string): string {
  const base = resolve(dirname(fromFile), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && candidate.endsWith('.ts')) return candidate;
  }
  throw new Error(`cannot resolve ${spec} from ${fromFile}`);
}

/** Module specifiers a file loads at run time: static imports/re-exports (not `import type`) and `import()`. */
function runtimeSpecifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  const statement = /(?:^|[;\n])\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g;
  for (const m of code.matchAll(statement)) {
    if (m[2]) continue; // `import type` / `export type`: erased
    if (m[1] === 'export' && !m[3]) continue;
    out.push(m[4]!);
  }
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

/**
 * Walks the run-time module graph of an entry file through relative imports and workspace packages
 * (`@inferbench/*`, via their package.json exports); returns every third-party package it reaches.
 */
function externalPackages(entry: string): Set<string> {
  const seen = new Set<string>();
  const external = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of runtimeSpecifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        todo.push(resolveRelative(file, spec));
        continue;
      }
      if (spec.startsWith('node:')) continue;
      const parts = spec.split('/');
      const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
      const pkgDir = workspace.get(name);
      if (pkgDir) {
        const sub = spec.slice(name.length);
        todo.push(exportTarget(pkgDir, sub ? `.${sub}` : '.'));
      } else {
        external.add(name);
      }
    }
  }
  return external;
}

describe('@inferbench/loadgen/plan entry point', () => {
  it('is exported by package.json and offers the plan helpers', () => {
    expect(exportTarget(PKG_DIR, './plan')).toBe(join(PKG_DIR, 'src', 'plan.ts'));
    for (const fn of [
      'expandLoadPlan',
      'isAdaptivePlan',
      'nextAdaptiveLevel',
      'slaSearchResult',
      'shardLoadLevel',
    ]) {
      expect(typeof (planEntry as Record<string, unknown>)[fn], fn).toBe('function');
    }
  });

  it('does not load the HTTP client or the tokenizer libraries', () => {
    const reached = externalPackages(exportTarget(PKG_DIR, './plan'));
    for (const heavy of HEAVY) expect(reached, heavy).not.toContain(heavy);
  });

  it('the walker does see them from the main entry point (control)', () => {
    const reached = externalPackages(exportTarget(PKG_DIR, '.'));
    for (const heavy of HEAVY) expect(reached, heavy).toContain(heavy);
  });
});

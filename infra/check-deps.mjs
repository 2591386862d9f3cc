#!/usr/bin/env node
// Checks the package and module boundaries in .dependency-cruiser.cjs over the whole repository and
// exits 1 on a violation (part of `pnpm lint` and infra/test.sh). Also imported by
// tests/architecture, which runs the same check over fixture trees.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The folders that hold code, relative to the tree's root. */
export const CODE_ROOTS = ['apps', 'packages', 'tests', 'bench'];

/**
 * Cruises the code under `baseDir` (the repository root unless a fixture tree is given) with the
 * repository's rules and returns one entry per violation, e.g.
 * `{ rule: 'web-never-imports-db', from: 'apps/web/src/x.ts', to: 'packages/db/src/index.ts' }`.
 */
export async function checkDependencies(baseDir = ROOT) {
  const config = createRequire(import.meta.url)(path.join(ROOT, '.dependency-cruiser.cjs'));
  const roots = CODE_ROOTS.filter((dir) => existsSync(path.join(baseDir, dir)));
  const previousDir = process.cwd();
  // dependency-cruiser resolves the cruised paths and `baseDir` against the working directory.
  process.chdir(baseDir);
  try {
    const { output } = await cruise(
      roots,
      {
        ...config.options,
        baseDir,
        validate: true,
        ruleSet: { forbidden: config.forbidden },
        outputType: 'json',
      },
      // The dashboard imports its own files as `@/…` (the `paths` of apps/web/tsconfig.json). A
      // wildcard alias, so that `@inferbench/x` is not taken for an alias of `@`.
      { alias: { '@/*': path.join(baseDir, 'apps/web/src/*') } },
    );
    const result = typeof output === 'string' ? JSON.parse(output) : output;
    return result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
  } finally {
    process.chdir(previousDir);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const violations = await checkDependencies();
  for (const v of violations) console.error(`  ${v.rule}: ${v.from} → ${v.to}`);
  const took = ((Date.now() - started) / 1000).toFixed(1);
  if (violations.length > 0) {
    console.error(
      `dependency rules: ${violations.length} violation(s) (docs/architecture.md#dependency-rules)`,
    );
    process.exit(1);
  }
  console.log(`dependency rules: no violations (${took} s)`);
}

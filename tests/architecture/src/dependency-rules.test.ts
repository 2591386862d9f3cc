// The package and module boundaries of .dependency-cruiser.cjs: each rule fires on a deliberately
// violating file of fixtures/tree (and not on the allowed imports beside it), and the real tree
// breaks none of them.
import { cp, mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDependencies, type DependencyViolation } from '../../../infra/check-deps.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '../../..');
const FIXTURE = path.join(HERE, '../fixtures/tree');

/** The fixture's workspace packages, linked into its node_modules as pnpm would. */
const FIXTURE_PACKAGES = {
  '@inferbench/db': 'packages/db',
  '@inferbench/metrics': 'packages/metrics',
  '@inferbench/sim': 'apps/sim',
};

describe('dependency rules on a violating fixture tree', () => {
  let tree: string;
  let violations: DependencyViolation[];

  beforeAll(async () => {
    // A copy outside the repository, so the fixture's own node_modules links resolve its packages.
    tree = await realpath(await mkdtemp(path.join(os.tmpdir(), 'ib-deps-')));
    await cp(FIXTURE, tree, { recursive: true });
    await mkdir(path.join(tree, 'node_modules/@inferbench'), { recursive: true });
    for (const [name, dir] of Object.entries(FIXTURE_PACKAGES)) {
      await symlink(path.join(tree, dir), path.join(tree, 'node_modules', name), 'dir');
    }
    await symlink(
      await realpath(path.join(REPO_ROOT, 'packages/contracts/node_modules/zod')),
      path.join(tree, 'node_modules/zod'),
      'dir',
    );
    violations = await checkDependencies(tree);
  });
  afterAll(async () => {
    if (tree) await rm(tree, { recursive: true, force: true });
  });

  it('reports exactly the marked violations, one per rule', () => {
    const byRule = [...violations].sort(
      (a, b) => a.rule.localeCompare(b.rule) || a.from.localeCompare(b.from),
    );
    expect(byRule).toEqual([
      {
        rule: 'api-infra-below-modules',
        from: 'apps/api/src/infra/queue.ts',
        to: 'apps/api/src/modules/runs/runs.service.ts',
      },
      {
        rule: 'api-modules-talk-through-services',
        from: 'apps/api/src/modules/compare/compare.service.ts',
        to: 'apps/api/src/modules/runs/runs.repository.ts',
      },
      {
        rule: 'contracts-only-zod',
        from: 'packages/contracts/src/index.ts',
        to: 'packages/metrics/src/index.ts',
      },
      { rule: 'metrics-pure', from: 'packages/metrics/src/index.ts', to: 'fs' },
      { rule: 'no-app-imports-app', from: 'apps/agent/src/main.ts', to: 'apps/sim/src/index.ts' },
      {
        rule: 'no-unresolvable',
        from: 'apps/api/src/modules/runs/run-stats.ts',
        to: '@inferbench/metrics/src/mean.js',
      },
      {
        rule: 'package-by-name-only',
        from: 'packages/loadgen/src/index.ts',
        to: 'packages/metrics/src/mean.ts',
      },
      {
        rule: 'packages-never-import-apps',
        from: 'packages/telemetry/src/scraper.ts',
        to: 'apps/sim/src/index.ts',
      },
      { rule: 'web-never-imports-db', from: 'apps/web/src/app/page.tsx', to: 'packages/db/src/index.ts' },
    ]);
  });

  it('lets tests start an app through its entry point', () => {
    const fromTests = violations.filter((v) => /\.(spec|test)\.ts$/.test(v.from));
    expect(fromTests).toEqual([]);
  });
});

describe('dependency rules on the repository', () => {
  it('finds no violation', async () => {
    expect(await checkDependencies(REPO_ROOT)).toEqual([]);
  });
});

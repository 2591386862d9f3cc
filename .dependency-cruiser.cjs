// Package and module boundaries, checked by dependency-cruiser (`pnpm lint`, infra/test.sh).
// Run it with `node infra/check-deps.mjs` (it adds the web app's `@/` alias); the rules and their
// reasons are listed in docs/architecture.md#dependency-rules, and a test in tests/architecture checks
// that each rule fires on a violating fixture and that the real tree has no violations.
//
// Paths are relative to the repository root. dependency-cruiser parses with the TypeScript compiler
// API, which TypeScript 7 no longer ships, so pnpm-workspace.yaml gives it its own typescript 6
// (packageExtensions). `tsPreCompilationDeps` keeps type-only imports: `import type` crosses a
// boundary just like a value import.

/** Test code: may start another app through its entry point (the simulator, `startApi`, `startAgent`). */
const TEST_FILE = '(\\.(spec|test)\\.tsx?$|/test/|/testing/|/e2e/|^tests/|^bench/)';
/** A resolved file inside the npm package NAME (in pnpm's store too: node_modules/.pnpm/x@1/node_modules/x/). */
const npm = (name) => `(^|/)node_modules/${name}/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'package-by-name-only',
      severity: 'error',
      comment:
        'Another workspace package or app is imported by its package name (`@inferbench/x`), never by a ' +
        'relative path into its folder: its package.json `exports` is its public surface.',
      from: { path: '^((apps|packages|tests)/[^/]+|bench)/' },
      to: { dependencyTypes: ['local'], path: '^((apps|packages|tests)/[^/]+|bench)/', pathNot: '^$1/' },
    },
    {
      name: 'no-app-imports-app',
      severity: 'error',
      comment:
        'Apps are processes that talk over HTTP and Redis, not libraries of each other. Shared code ' +
        'belongs in a package. Test code may start another app through its entry point.',
      from: { path: '^apps/([^/]+)/', pathNot: TEST_FILE },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'packages-never-import-apps',
      severity: 'error',
      comment: 'Dependencies point from apps to packages. Package tests may start the simulator app.',
      from: { path: '^packages/', pathNot: TEST_FILE },
      to: { path: '^apps/' },
    },
    {
      name: 'contracts-only-zod',
      severity: 'error',
      comment: 'packages/contracts is zod schemas and nothing else, so every process can load it.',
      from: { path: '^packages/contracts/', pathNot: TEST_FILE },
      to: { pathNot: ['^packages/contracts/', npm('zod')] },
    },
    {
      name: 'metrics-pure',
      severity: 'error',
      comment:
        'packages/metrics is pure math: zod, the contracts types, and hdr-histogram-js (pure ' +
        'computation, the one allowed exception). No IO, no Node built-ins, no other package.',
      from: { path: '^packages/metrics/', pathNot: TEST_FILE },
      to: {
        pathNot: ['^packages/metrics/', '^packages/contracts/', npm('zod'), npm('hdr-histogram-js')],
      },
    },
    {
      name: 'web-never-imports-db',
      severity: 'error',
      comment: 'The dashboard reads data through the API (api-client), never from the database.',
      from: { path: '^apps/web/' },
      to: { path: ['^packages/db/', '^prisma/', npm('@prisma'), npm('pg')] },
    },
    {
      name: 'api-modules-talk-through-services',
      severity: 'error',
      comment:
        "A module of apps/api never imports another module's repository: it calls that module's " +
        'exported service, so each table has one owning module.',
      from: { path: '^apps/api/src/modules/([^/]+)/' },
      to: { path: '^apps/api/src/modules/[^/]+/.*\\.repository\\.ts$', pathNot: '^apps/api/src/modules/$1/' },
    },
    {
      name: 'api-infra-below-modules',
      severity: 'error',
      comment: 'apps/api/src/infra (Prisma, Redis, queues) is used by modules and never uses them.',
      from: { path: '^apps/api/src/infra/' },
      to: { path: '^apps/api/src/modules/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment:
        'An import the checker cannot resolve would escape every rule above (and is usually an ' +
        "import of a package's non-exported internals).",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    parser: 'tsc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: {
      path: [
        'node_modules',
        '(^|/)(dist|\\.next|\\.next-[^/]+|\\.turbo|generated|test-artifacts)/',
        '^bench/results/',
        '^tests/architecture/fixtures/',
        '\\.d\\.ts$',
      ],
    },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'node', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};

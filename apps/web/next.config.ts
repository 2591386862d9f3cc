import type { NextConfig } from 'next';

/**
 * Workspace packages (`@inferbench/*`) ship TypeScript source written NodeNext-style, i.e. relative imports
 * end in `.js` while the file on disk is `.ts`. webpack's `extensionAlias` lets `./common.js` resolve to
 * `./common.ts`; Turbopack has no equivalent yet, so builds use `next build --webpack`.
 */
const nextConfig: NextConfig = {
  // NEXT_DIST_DIR lets a test or benchmark build into its own folder, so concurrent builds and `next start`s
  // of the same checkout do not overwrite each other's output.
  distDir: process.env.NEXT_DIST_DIR ?? '.next',
  transpilePackages: ['@inferbench/contracts', '@inferbench/api-client', '@inferbench/evals'],
  // The type check runs separately (`pnpm typecheck`): TypeScript 7 has no JS API for Next to call.
  typescript: { ignoreBuildErrors: true },
  // gzip would buffer the SSE proxy stream (`/api/runs/:id/events`); the proxy also sets `no-transform`.
  compress: false,
  poweredByHeader: false,
  webpack(config: { resolve: { extensionAlias?: Record<string, string[]> }; module: { rules: unknown[] } }) {
    config.resolve.extensionAlias = {
      ...config.resolve.extensionAlias,
      '.js': ['.ts', '.tsx', '.js'],
      '.mjs': ['.mts', '.mjs'],
    };
    // @inferbench/evals (read on the server by the suites catalog) locates its suite and data folders with
    // `new URL('../suites/', import.meta.url)`. Left alone, webpack treats that as an asset import of a folder and
    // fails; with `url: false` it keeps the expression and `import.meta.url` becomes the source file's own URL, so
    // the folders resolve to the package in this checkout.
    config.module.rules.push({ test: /[\\/]packages[\\/]evals[\\/]src[\\/]/, parser: { url: false } });
    return config;
  },
};

export default nextConfig;

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
  transpilePackages: ['@inferbench/contracts', '@inferbench/api-client'],
  // The type check runs separately (`pnpm typecheck`): TypeScript 7 has no JS API for Next to call.
  typescript: { ignoreBuildErrors: true },
  // gzip would buffer the SSE proxy stream (`/api/runs/:id/events`); the proxy also sets `no-transform`.
  compress: false,
  poweredByHeader: false,
  webpack(config: { resolve: { extensionAlias?: Record<string, string[]> } }) {
    config.resolve.extensionAlias = {
      ...config.resolve.extensionAlias,
      '.js': ['.ts', '.tsx', '.js'],
      '.mjs': ['.mts', '.mjs'],
    };
    return config;
  },
};

export default nextConfig;

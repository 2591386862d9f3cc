import { defineConfig } from 'vitest/config';
// fixtures/ holds deliberately broken manifests: read by the tests, never collected as tests.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 30_000 },
});

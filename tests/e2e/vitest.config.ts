import { defineConfig } from 'vitest/config';
// Whole-stack tests start real processes; run files one at a time and allow for cold tsx starts.
export default defineConfig({
  test: {
    include: ['src/**/*.e2e.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});

import { defineConfig } from 'vitest/config';

/**
 * Unit specs (`src/**\/*.spec.ts`) and the browser test (`test/*.browser.test.ts`, which starts the whole
 * stack, `next start` and Chromium, hence the long timeouts and one file at a time).
 */
export default defineConfig({
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.browser.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});

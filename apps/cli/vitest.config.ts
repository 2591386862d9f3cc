import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.spec.ts', 'src/**/*.int.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});

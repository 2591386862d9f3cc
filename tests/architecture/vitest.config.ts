import { defineConfig } from 'vitest/config';
// fixtures/ holds deliberately violating source files (some named like tests): never collect them.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 60_000 },
});

import { defineConfig } from 'vitest/config';

// The behaviour tests measure real latencies; running spec files one at a time keeps the
// 2-core CI machine from adding tens of ms of scheduling noise to them.
export default defineConfig({
  test: { include: ['src/**/*.spec.ts'], fileParallelism: false, testTimeout: 20_000 },
});

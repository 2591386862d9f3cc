import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_TEST_TOKEN } from './test-api.js';

/** The real launcher, as users run it. */
export const CLI_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/inferbench.js');

/**
 * Run `node bin/inferbench.js ...args` with a minimal env; resolves with exit code and output (never rejects).
 * INFERBENCH_TOKEN defaults to the tests' token (testing/test-api.ts); a test that sets its own keeps it.
 */
export function runInferbench(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      {
        env: { PATH: process.env.PATH ?? '', INFERBENCH_TOKEN: CLI_TEST_TOKEN, ...env },
        timeout: 50_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real launcher, as users run it. */
export const CLI_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/inferbench.js');

/** Run `node bin/inferbench.js ...args` with a minimal env; resolves with exit code and output (never rejects). */
export function runInferbench(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 50_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

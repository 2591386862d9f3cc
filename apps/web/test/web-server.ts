import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/web, wherever the test runs from. */
export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NEXT_BIN = path.join(WEB_DIR, 'node_modules/next/dist/bin/next');
/** Build folder (next.config.ts reads the same NEXT_DIST_DIR; default `.next`). */
const DIST_DIR = process.env.NEXT_DIST_DIR ?? '.next';

export interface WebServer {
  url: string;
  logs: string[];
  stop(): Promise<void>;
}

/**
 * Build the app when there is no production build yet (`.next/BUILD_ID`); set WEB_TEST_REBUILD=1 to force a
 * fresh build after changing the code.
 */
export function ensureBuilt(timeoutMs = 300_000): void {
  if (existsSync(path.join(WEB_DIR, DIST_DIR, 'BUILD_ID')) && process.env.WEB_TEST_REBUILD !== '1') return;
  const r = spawnSync(process.execPath, [NEXT_BIN, 'build', '--webpack'], {
    cwd: WEB_DIR,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (r.status !== 0)
    throw new Error(`next build failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
}

/** `next start` of the built app on `port`, pointed at `apiUrl`; resolves once it answers, within `timeoutMs`. */
export async function startWeb(opts: {
  port: number;
  apiUrl: string;
  timeoutMs?: number;
}): Promise<WebServer> {
  const url = `http://127.0.0.1:${opts.port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [NEXT_BIN, 'start', '-p', String(opts.port), '-H', '127.0.0.1'],
    {
      cwd: WEB_DIR,
      env: { ...process.env, API_URL: opts.apiUrl, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: string[] = [];
  const keep = (b: Buffer) => {
    logs.push(...b.toString().split('\n').filter(Boolean));
    if (logs.length > 300) logs.splice(0, logs.length - 300);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(force);
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`next start exited (${exitCode}):\n${logs.join('\n')}`);
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, logs, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`next start did not answer within ${opts.timeoutMs ?? 60_000} ms:\n${logs.join('\n')}`);
}

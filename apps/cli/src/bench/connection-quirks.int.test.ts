/**
 * `inferbench bench` (a real child process) against servers that close kept-alive connections without saying
 * so: llama.cpp's llama-server (closes after every streamed response although it answers `Keep-Alive:
 * timeout=5, max=100`) and one that closes connections at random after 1–5 responses. A request that found
 * its reused connection closed is re-sent, never reported as a failure; genuine failures still are.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startQuirkServer, type QuirkServer } from '@inferbench/loadgen/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInferbench } from '../testing/run-cli-process.js';
import { BenchResultV2Schema, type BenchResultV2 } from './result.js';

let dir: string;
const servers: QuirkServer[] = [];
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-cli-conn-'));
});
afterAll(async () => {
  for (const s of servers) await s.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function bench(
  server: QuirkServer,
  name: string,
  extra: string[],
  allFail = false,
): Promise<{ code: number | null; stdout: string; result: BenchResultV2 }> {
  const out = path.join(dir, `${name}.json`);
  const r = await runInferbench([
    'bench',
    '--base-url',
    server.url,
    '--model',
    'quirk',
    '--tokenizer',
    'whitespace',
    '--input-tokens',
    '8',
    '--output-tokens',
    '8',
    '--out',
    out,
    ...extra,
  ]);
  if (!allFail) expect(r.stderr).not.toMatch(/inferbench:/);
  const result = BenchResultV2Schema.parse(JSON.parse(await readFile(out, 'utf8')));
  return { code: r.code, stdout: r.stdout, result };
}

describe('inferbench bench against servers that close kept-alive connections silently', () => {
  for (const connectionQuirk of ['close-after-stream', 'random-close'] as const) {
    it(`${connectionQuirk}: 0 false errors at c=1, 4 and 256; retries reported`, async () => {
      const server = await startQuirkServer({ connectionQuirk });
      servers.push(server);
      const { code, stdout, result } = await bench(server, connectionQuirk, [
        '--concurrency',
        '1,4,256',
        '--requests',
        '300',
      ]);
      expect(code).toBe(0);
      expect(result.points.map((p) => p.label)).toEqual(['c=1', 'c=4', 'c=256']);
      for (const p of result.points) {
        expect(p.summary.requests.succeeded).toBe(300);
        expect(p.summary.requests.failed).toBe(0);
        expect(p.summary.connectionRetries).toBeGreaterThanOrEqual(0);
        expect(p.summary.warnings.join('\n')).toContain('switched to one connection per request');
      }
      expect(stdout).toMatch(/#\s+level\s+status\s+ok\s+failed\s+retries\s+TTFT p50/);
      expect(server.connections.silentCloses).toBeGreaterThan(0);
    });
  }

  it('--connection close: one connection per request, nothing to retry', async () => {
    const server = await startQuirkServer({ connectionQuirk: 'close-after-stream' });
    servers.push(server);
    const { code, stdout, result } = await bench(server, 'close', [
      '--connection',
      'close',
      '--concurrency',
      '4',
      '--requests',
      '40',
    ]);
    expect(code).toBe(0);
    expect(result.config.connection).toBe('close');
    expect(result.summary?.requests.failed).toBe(0);
    expect(result.summary?.connectionRetries).toBe(0);
    expect(result.summary?.warnings.join('\n') ?? '').not.toContain('switched');
    expect(stdout).toContain('requests: 40 ok, 0 failed, 0 cancelled, 0 warm-up, 0 connection retries');
    expect(server.connections.accepted).toBe(40);
    expect(server.requests.every((r) => r.headers.connection === 'close')).toBe(true);
  });

  it('genuine failures stay errors: reset mid-stream is truncated, a refused connection is connect', async () => {
    const server = await startQuirkServer({ scenario: 'destroy-mid' });
    servers.push(server);
    const { result } = await bench(server, 'mid', ['--concurrency', '2', '--requests', '10'], true);
    expect(result.summary?.requests.failed).toBe(10);
    expect(result.summary?.errorsByClass).toEqual({ truncated: 10 });
    expect(result.summary?.connectionRetries).toBe(0);

    const gone = await startQuirkServer({});
    await gone.close();
    const { result: refused } = await bench(gone, 'refused', ['--concurrency', '2', '--requests', '6'], true);
    expect(refused.summary?.requests.succeeded).toBe(0);
    expect(refused.summary?.errorsByClass.connect).toBeGreaterThan(0);
    expect(refused.summary?.connectionRetries).toBe(0);
  });
});

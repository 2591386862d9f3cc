/**
 * Issue 9, "Connections", through the platform (API → queue → a real agent process): servers that close
 * kept-alive connections without saying so, running in this test process. llama.cpp's llama-server closes the
 * connection after every streamed response although it answers `Keep-Alive: timeout=5, max=100`; before the
 * fix, every second request of a c=1 run failed with `connect: other side closed`.
 */
import { ApiClient } from '@inferbench/api-client';
import type { Run } from '@inferbench/contracts';
import { startStack, type Stack } from '@inferbench/testing/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// the quirk server is loadgen's test server (a real node:http server)
import { startQuirkServer, type QuirkServer, type QuirkServerOptions } from '@inferbench/loadgen/testing';

describe('platform runs against servers that close kept-alive connections', () => {
  let stack: Stack;
  let api: ApiClient;
  const servers: QuirkServer[] = [];

  beforeAll(async () => {
    stack = await startStack({ agents: 1, sim: false });
    api = new ApiClient({ baseUrl: stack.apiUrl, token: stack.token });
  });
  afterAll(async () => {
    await stack?.stop();
    for (const s of servers) await s.close();
  });

  async function server(opts: QuirkServerOptions): Promise<QuirkServer> {
    const s = await startQuirkServer(opts);
    servers.push(s);
    return s;
  }

  async function runToEnd(experimentId: string, expected = 'completed'): Promise<Run> {
    const started = await api.startRun(experimentId, { trigger: 'ci' });
    let run = started;
    const deadline = Date.now() + 150_000;
    while (!['completed', 'failed', 'cancelled'].includes(run.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      run = await api.getRun(started.id);
    }
    if (run.status !== expected)
      throw new Error(`run ended ${run.status}: ${run.error}\n${stack.dumpLogs()}`);
    return run;
  }

  it('0 false errors at c=1, 4 and 256 for both quirks; retries in the summary; the switch in the warnings', async () => {
    const llama = await server({ connectionQuirk: 'close-after-stream' });
    const random = await server({ connectionQuirk: 'random-close', seed: 5 });
    const closeMode = await server({ connectionQuirk: 'close-after-stream' });
    const tLlama = await api.createTarget({ name: 'llama-like', baseUrl: llama.url, model: 'q' });
    const tRandom = await api.createTarget({ name: 'random-close', baseUrl: random.url, model: 'q' });
    const tClose = await api.createTarget({
      name: 'one connection per request',
      baseUrl: closeMode.url,
      model: 'q',
      connection: 'close',
      headers: { 'x-team': 'infra' },
    });
    expect(tClose.connection).toBe('close');
    expect(tClose.headers).toEqual({ 'x-team': 'infra' });
    expect(tLlama.connection).toBe('keep-alive');

    const requests = 300;
    const exp = await api.createExperiment({
      name: 'connection quirks',
      workload: {
        kind: 'synthetic',
        inputTokens: { kind: 'fixed', value: 8 },
        outputTokens: { kind: 'fixed', value: 8 },
      },
      loadPlan: { kind: 'concurrency', levels: [1, 4, 256], requests, seed: 1 },
      variants: [
        { targetId: tLlama.id, label: 'llama', params: {} },
        { targetId: tRandom.id, label: 'random', params: {} },
        { targetId: tClose.id, label: 'close', params: {} },
      ],
    });
    const run = await runToEnd(exp.id);
    expect(run.loadPoints).toHaveLength(9);
    for (const p of run.loadPoints) {
      const s = p.summary!;
      expect(p.status).toBe('completed');
      expect({ point: `${p.variantLabel} ${p.levelLabel}`, failed: s.requests.failed }).toEqual({
        point: `${p.variantLabel} ${p.levelLabel}`,
        failed: 0,
      });
      expect(s.requests.succeeded).toBe(requests);
      expect(typeof s.connectionRetries).toBe('number');
      const switched = s.warnings.some((w) => w.includes('switched to one connection per request'));
      expect(switched).toBe(p.variantLabel !== 'close');
      if (p.variantLabel === 'close') expect(s.connectionRetries).toBe(0);
    }
    expect(llama.connections.silentCloses).toBeGreaterThan(0);
    expect(random.connections.silentCloses).toBeGreaterThan(0);
    // `connection: close`: one connection per request, the header says so, the custom header still travels
    // the load's requests (the agent may also probe the target: /tokenize, a max_tokens 1 request)
    const completions = closeMode.requests.filter((r) => r.body.max_tokens === 8);
    expect(completions).toHaveLength(3 * requests);
    expect(new Set(completions.map((r) => r.remotePort)).size).toBe(3 * requests);
    expect(completions.every((r) => r.headers.connection === 'close')).toBe(true);
    expect(completions.every((r) => r.headers['x-team'] === 'infra')).toBe(true);
  });

  it('genuine failures stay errors: a stream reset mid-response is truncated, never re-sent', async () => {
    const broken = await server({ scenario: 'destroy-mid' });
    const t = await api.createTarget({ name: 'breaks mid-stream', baseUrl: broken.url, model: 'q' });
    const exp = await api.createExperiment({
      name: 'mid-stream resets',
      workload: {
        kind: 'synthetic',
        inputTokens: { kind: 'fixed', value: 8 },
        outputTokens: { kind: 'fixed', value: 8 },
      },
      loadPlan: { kind: 'concurrency', levels: [4], requests: 20, seed: 1 },
      variants: [{ targetId: t.id, label: 'broken', params: {} }],
    });
    // a point whose every request failed fails the run; its summary is still stored
    const run = await runToEnd(exp.id, 'failed');
    const s = run.loadPoints[0]!.summary!;
    expect(s.requests.failed).toBe(20);
    expect(s.errorsByClass).toEqual({ truncated: 20 });
    expect(s.connectionRetries).toBe(0);
    expect(broken.requests.filter((r) => r.body.max_tokens === 8)).toHaveLength(20);
  });
});

/**
 * The run page in a real browser over the real stack: API + agent + simulator (child processes over the
 * local PostgreSQL and Redis), the BUILT dashboard under `next start`, and Debian's Chromium driven by
 * playwright-core. The run is started by clicking "Start run", so the proxy's POST, the navigation, the live
 * refresh (SSE or polling) and the summary rendering are all exercised.
 */
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ApiClient } from '@inferbench/api-client';
import { describeTokenizer, isTerminalRunStatus } from '@inferbench/contracts';
import type { Stack } from '@inferbench/testing/stack';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startBrowserStack, type BrowserStack } from './browser-stack';
import type { WebServer } from './web-server';

// `sim-fixed`: first token 50 ms after arrival, then one token every 10 ms (see tests/e2e).
const SIM_TTFT_MS = 50;
const SIM_TPOT_MS = 10;
const TTFT_SLACK_MS = 25;
const TPOT_SLACK_MS = 3;

describe('run page', () => {
  let b: BrowserStack | undefined;
  let stack: Stack | undefined;
  let web: WebServer | undefined;
  let page: Page;

  beforeAll(async () => {
    b = await startBrowserStack();
    ({ stack, web, page } = b);
  });

  afterAll(async () => {
    await b?.close();
  });

  it('starts a run from the experiment page and shows the completed summary', async () => {
    const api = new ApiClient({ baseUrl: stack!.apiUrl, token: stack!.token });
    const target = await api.createTarget({
      name: 'sim fixed',
      baseUrl: `${stack!.simUrl}/v1`,
      apiKind: 'chat',
      model: 'sim-fixed',
    });
    const outputTokens = 16;
    const exp = await api.createExperiment({
      name: 'browser test experiment',
      description: 'Two concurrency levels against the fixed-latency simulator.',
      tags: ['browser'],
      workload: {
        kind: 'synthetic',
        inputTokens: { kind: 'fixed', value: 32 },
        outputTokens: { kind: 'fixed', value: outputTokens },
      },
      loadPlan: { kind: 'concurrency', levels: [1, 4], requests: 16, warmup: { requests: 1 }, seed: 7 },
      slo: { ttftMs: 500, percentile: 99 },
      variants: [
        { targetId: target.id, label: 'fixed', params: { maxTokens: outputTokens, ignoreEos: true } },
      ],
    });

    // The list shows the experiment (server-rendered through API_URL).
    await page.goto(`${web!.url}/experiments`);
    await expect.poll(() => page.getByRole('link', { name: 'browser test experiment' }).count()).toBe(1);

    await page.goto(`${web!.url}/experiments/${exp.id}`);
    await page.getByRole('heading', { name: 'browser test experiment' }).waitFor();
    expect(await page.getByText('Closed loop at concurrency 1, 4').count()).toBe(1);
    // The live run page must open the SSE stream through the proxy (status and content type as the API sent them).
    const eventStream = page.waitForResponse(
      (r) => /\/api\/runs\/[^/]+\/events$/.test(new URL(r.url()).pathname),
      {
        timeout: 30_000,
      },
    );
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/[^/]+$/, { timeout: 30_000 });
    const runId = new URL(page.url()).pathname.split('/').pop()!;
    const sse = await eventStream;
    expect(new URL(sse.url()).pathname).toBe(`/api/runs/${runId}/events`);
    expect(sse.status()).toBe(200);
    expect(sse.headers()['content-type']).toContain('text/event-stream');

    // No reload from here on: the page must notice completion by itself (SSE, or the 2 s polling fallback).
    const status = page.getByTestId('run-status');
    try {
      await expect.poll(() => status.textContent(), { timeout: 100_000, interval: 500 }).toBe('completed');
    } catch (err) {
      await page
        .screenshot({ path: path.join(ARTIFACTS, 'run-page-timeout.png'), fullPage: true })
        .catch(() => undefined);
      throw new Error(
        `run ${runId} did not show completed: ${String(err)}\n${stack!.dumpLogs()}\n--- web ---\n${web!.logs.join('\n')}`,
      );
    }

    const summaries = page.getByTestId('point-summary');
    await expect.poll(() => summaries.count()).toBe(2);
    const run = await api.getRun(runId);
    expect(run.status).toBe('completed');
    expect(run.trigger).toBe('web');

    // TTFT and TPOT rows of the first summary show the simulator's delays in ms.
    const first = summaries.first();
    const cells = async (figure: string) =>
      (await first.locator(`tr[data-figure="${figure}"] td`).allTextContents()).map((t) => t.trim());
    const ttftRow = await cells('ttftMs');
    const tpotRow = await cells('tpotMs');
    expect(ttftRow[0]).toBe('TTFT');
    expect(tpotRow[0]).toBe('TPOT');
    const ttftP50Ms = Number(ttftRow[2]);
    const tpotP50Ms = Number(tpotRow[2]);
    expect(ttftP50Ms).toBeGreaterThanOrEqual(SIM_TTFT_MS - 1);
    expect(ttftP50Ms).toBeLessThan(SIM_TTFT_MS + TTFT_SLACK_MS);
    expect(tpotP50Ms).toBeGreaterThan(SIM_TPOT_MS - TPOT_SLACK_MS);
    expect(tpotP50Ms).toBeLessThan(SIM_TPOT_MS + TPOT_SLACK_MS);
    // The page shows the same p50 the API computed (formatted to the page's precision).
    const apiTtftP50 = run.loadPoints[0]!.summary!.latency.ttftMs!.p50;
    expect(Math.abs(ttftP50Ms - apiTtftP50)).toBeLessThan(0.1);
    expect(await first.getByText(/req\/s/).count()).toBeGreaterThan(0);
    expect(await first.getByText(/tok\/s/).count()).toBeGreaterThan(0);
    // which client-side tokenizer built the prompts: the simulator's own /tokenize (the agent's default `auto`)
    const tokenizer = run.loadPoints[0]!.tokenizer;
    expect(tokenizer).toMatchObject({ source: 'server', engine: 'vllm', approximate: false });
    expect(await first.getByTestId('point-tokenizer').textContent()).toBe(
      `Tokenizer: ${describeTokenizer(tokenizer!)}.`,
    );
    expect(describeTokenizer(tokenizer!)).toMatch(/^server \/tokenize \(vllm shape\)/);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'run-page.png'), fullPage: true });
  });

  it('the target form stores the connection mode and a tokenizer.json path, and the list shows them', async () => {
    const api = new ApiClient({ baseUrl: stack!.apiUrl, token: stack!.token });
    await page.goto(`${web!.url}/targets`);
    await page.getByRole('button', { name: 'Add target' }).click();
    const form = page.getByRole('form', { name: 'New target' });
    await form.locator('#t-name').fill('form tokenizer');
    await form.locator('#t-baseUrl').fill(`${stack!.simUrl}/v1`);
    await form.locator('#t-model').fill('sim-fixed');
    await form.locator('#t-connection').selectOption('close');
    await form.locator('#t-tokenizer').selectOption('path');
    // a path is required once the file option is chosen
    await form.getByRole('button', { name: 'Save target' }).click();
    expect(await form.locator('[data-field-error="t-tokenizerPath"]').textContent()).toMatch(
      /tokenizer\.json/,
    );
    await form.locator('#t-tokenizerPath').fill('/models/sim/tokenizer.json');
    await form.getByRole('button', { name: 'Save target' }).click();
    await expect.poll(() => page.getByText('tokenizer: /models/sim/tokenizer.json').count()).toBe(1);
    const saved = (await api.listTargets()).items.find((x) => x.name === 'form tokenizer');
    expect(saved).toMatchObject({ connection: 'close', tokenizer: { path: '/models/sim/tokenizer.json' } });
  });

  it('marks a point whose error rate exceeds the plan maxErrorRate in amber, with the error classes', async () => {
    // a real HTTP front of the simulator that answers every third completion with HTTP 500
    let completions = 0;
    const flaky = http.createServer((req, res) => {
      const body: Buffer[] = [];
      req.on('data', (c: Buffer) => body.push(c));
      req.on('end', () => {
        void (async () => {
          if (req.method === 'POST' && req.url?.endsWith('/chat/completions') && completions++ % 3 === 2) {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { message: 'injected failure', type: 'server_error' } }));
            return;
          }
          const up = await fetch(`${stack!.simUrl}${req.url}`, {
            method: req.method ?? 'GET',
            headers: { 'content-type': 'application/json' },
            ...(req.method === 'POST' ? { body: Buffer.concat(body) } : {}),
          });
          res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
          if (up.body) for await (const c of up.body) res.write(c);
          res.end();
        })().catch(() => res.destroy());
      });
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    try {
      const api = new ApiClient({ baseUrl: stack!.apiUrl, token: stack!.token });
      const target = await api.createTarget({
        name: 'flaky front',
        baseUrl: `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/v1`,
        apiKind: 'chat',
        model: 'sim-fixed',
      });
      const exp = await api.createExperiment({
        name: 'browser flaky experiment',
        tags: ['browser'],
        workload: {
          kind: 'synthetic',
          inputTokens: { kind: 'fixed', value: 16 },
          outputTokens: { kind: 'fixed', value: 4 },
        },
        loadPlan: { kind: 'concurrency', levels: [1], requests: 12 },
        variants: [{ targetId: target.id, label: 'flaky', params: { maxTokens: 4, ignoreEos: true } }],
      });
      const started = await api.startRun(exp.id);
      let run = started;
      const deadline = Date.now() + 60_000;
      while (!isTerminalRunStatus(run.status) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        run = await api.getRun(started.id);
      }
      expect(run.status, `${run.error}\n${stack!.dumpLogs()}`).toBe('completed');
      expect(run.loadPoints[0]!.summary).toMatchObject({
        requests: { succeeded: 8, failed: 4 },
        errorsByClass: { http: 4 },
        errorRateExceeded: { maxErrorRate: 0.05 },
      });

      await page.goto(`${web!.url}/runs/${run.id}`);
      const markers = page.getByTestId('error-rate-warning');
      // one in the load-point table, one in the point's summary card
      await expect.poll(() => markers.count(), { timeout: 30_000 }).toBe(2);
      expect((await markers.first().textContent())?.trim()).toBe('⚠ error rate 33.3% > 5.00% max (http 4)');
      const color = await markers.first().evaluate((el) => getComputedStyle(el).color);
      expect(color).toBe('rgb(154, 98, 0)'); // --warn: amber
      // the warning with its classes is listed in the summary's warning box too
      expect(
        await page
          .getByText('error rate 33.3 % exceeds maxErrorRate 5.0 % (4 of 12 requests failed: http 4)')
          .count(),
      ).toBeGreaterThan(0);
      await page.screenshot({ path: path.join(ARTIFACTS, 'run-page-error-rate.png'), fullPage: true });
    } finally {
      await new Promise<void>((r) => flaky.close(() => r()));
    }
  });
});

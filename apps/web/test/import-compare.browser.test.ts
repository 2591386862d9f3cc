/**
 * Issue 13 in a real browser over the real stack and the BUILT dashboard: a vLLM result file uploaded on the
 * experiment page becomes an imported run (source, download link of the original file), and the compare page
 * shows it next to an aggregates-only import with each column's source tool and CIs marked unavailable.
 * Saves test-artifacts/import-{run,compare}.png.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '@inferbench/api-client';
import type { Stack } from '@inferbench/testing/stack';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserStack, type BrowserStack } from './browser-stack';
import type { WebServer } from './web-server';

const FIXTURES = fileURLToPath(new URL('../../../packages/interop/test/fixtures/', import.meta.url));

describe('importing results on the experiment page', () => {
  let b: BrowserStack | undefined;
  let stack: Stack;
  let web: WebServer;
  let page: Page;

  beforeAll(async () => {
    b = await startBrowserStack({ stack: { agents: 0 } });
    ({ stack, web, page } = b);
  }, 120_000);

  afterAll(async () => {
    await b?.close();
  });

  it('uploads a vLLM file and compares the imported run with another tool by source', async () => {
    const api = new ApiClient({ baseUrl: stack.apiUrl, token: stack.token });
    const target = await api.createTarget({
      name: 'sim',
      baseUrl: `${stack.simUrl}/v1`,
      apiKind: 'chat',
      model: 'sim-fp16',
    });
    const exp = await api.createExperiment({
      name: 'browser interop',
      description: '',
      tags: [],
      workload: {
        kind: 'synthetic',
        inputTokens: { kind: 'fixed', value: 32 },
        outputTokens: { kind: 'fixed', value: 8 },
      },
      loadPlan: { kind: 'concurrency', levels: [16], requests: 20 },
      variants: [{ targetId: target.id, label: 'fp16', optimization: { features: {} }, params: {} }],
    });

    await page.goto(`${web.url}/experiments/${exp.id}`);
    await page.getByText('Import results from another tool').click();
    await page.setInputFiles('#import-file', `${FIXTURES}vllm-detailed.json`);
    await page.fill('#import-variant', 'vllm-upload');
    await page.getByRole('button', { name: 'Import' }).click();
    await page.waitForURL(/\/runs\/[^/]+$/, { timeout: 30_000 });
    const runId = new URL(page.url()).pathname.split('/').pop()!;
    await expect
      .poll(() => page.getByTestId('imported-source-label').textContent())
      .toBe('vllm 0.8.3 (import)');
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('completed');

    // the link downloads the original file, byte for byte (through the dashboard's proxy)
    const href = await page.getByTestId('import-file-link').getAttribute('href');
    const res = await page.request.get(`${web.url}${href}`);
    expect(res.status()).toBe(200);
    expect(Buffer.from(await res.body()).equals(readFileSync(`${FIXTURES}vllm-detailed.json`))).toBe(true);
    await b!.shot('import-run');

    // an aggregates-only import of another tool, then both on the compare page
    const aiperf = await api.importFile({
      experimentId: exp.id,
      variantLabel: 'aiperf-run',
      fileName: 'aiperf.json',
      content: readFileSync(`${FIXTURES}aiperf.json`, 'utf8'),
    });
    await page.goto(`${web.url}/runs/${aiperf.id}`);
    await expect.poll(() => page.getByTestId('aggregates-only-point').count()).toBe(1);

    await page.goto(`${web.url}/compare?runs=${runId},${aiperf.id}`);
    await expect
      .poll(() => page.getByTestId('compare-source').allTextContents(), { timeout: 30_000 })
      .toEqual(['vllm 0.8.3 (import)', 'aiperf (import)']);
    // the aggregates-only cells say why they have no interval; the rebuilt vLLM point has intervals
    expect(await page.getByTestId('ci-unavailable').count()).toBeGreaterThan(0);
    const headers = await page.locator('[data-testid="compare-table"] th').allTextContents();
    expect(headers.some((h) => h.includes('vllm 0.8.3 (import)'))).toBe(true);
    await b!.shot('import-compare');
  }, 120_000);
});

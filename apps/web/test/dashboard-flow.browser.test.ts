/**
 * The dashboard flow in a real browser over the real stack (API + agent + simulator child processes,
 * the BUILT dashboard under `next start`, Debian's Chromium through playwright-core): create an experiment
 * through the form (a field error first), start a run, watch it finish live, open its detail (distribution
 * chart), compare its two variants (both in the table and the chart), add a comment and see it after reload.
 * Screenshots of each step go to test-artifacts/.
 */
import { ApiClient } from '@inferbench/api-client';
import type { Stack } from '@inferbench/testing/stack';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_ADMIN, startBrowserStack, type BrowserStack } from './browser-stack';
import type { WebServer } from './web-server';

describe('dashboard flow: schedule, watch, compare, review', () => {
  let b: BrowserStack | undefined;
  let stack: Stack | undefined;
  let web: WebServer | undefined;
  let page: Page;
  const shot = (name: string) => b!.shot(name);

  beforeAll(async () => {
    // laptop width
    b = await startBrowserStack({ viewport: { width: 1280, height: 800 } });
    ({ stack, web, page } = b);
  });

  afterAll(async () => {
    await b?.close();
  });

  it('creates through the form, runs live, shows distributions, compares two variants and keeps a comment', async () => {
    const api = new ApiClient({ baseUrl: stack!.apiUrl, token: stack!.token });
    await api.createTarget({
      name: 'sim fixed',
      baseUrl: `${stack!.simUrl}/v1`,
      apiKind: 'chat',
      model: 'sim-fixed',
    });

    // 1. the form: first submit without a name shows the error next to the name field
    await page.goto(`${web!.url}/experiments/new`);
    await page.locator('#e-name').waitFor();
    await page.locator('#e-in-a').fill('32');
    await page.locator('#e-out-a').fill('8');
    await page.locator('#e-levels').fill('2');
    await page.locator('#e-requests').fill('12');
    await page.locator('#e-warmup').fill('0');
    await page.locator('#e-sloTtft').fill('500');
    await page.locator('#v0-label').fill('fast');
    await page.locator('#v0-maxTokens').fill('8');
    await page.getByRole('button', { name: 'Add variant' }).click();
    await page.locator('#v1-label').fill('slow');
    await page.locator('#v1-maxTokens').fill('8');
    await page.getByRole('button', { name: 'Create experiment' }).click();
    const nameError = page.locator('[data-field-error="e-name"]');
    await nameError.waitFor({ timeout: 10_000 });
    expect(await nameError.textContent()).toBeTruthy();
    // the message sits inside the name field's own wrapper, next to the input
    expect(await page.locator('.field.invalid #e-name').count()).toBe(1);
    await shot('flow-1-form-error');
    expect(new URL(page.url()).pathname).toBe('/experiments/new');

    await page.locator('#e-name').fill('dashboard flow');
    await page.getByRole('button', { name: 'Create experiment' }).click();
    await page.waitForURL(/\/experiments\/(?!new)[^/]+$/, { timeout: 30_000 });
    const experimentId = new URL(page.url()).pathname.split('/').pop()!;
    const exp = await api.getExperiment(experimentId);
    expect(exp.variants.map((v) => v.label)).toEqual(['fast', 'slow']);
    expect(exp.loadPlan).toMatchObject({ kind: 'concurrency', levels: [2], requests: 12 });

    // 2. start a run and watch it finish without reloading
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/[^/]+$/, { timeout: 30_000 });
    const runId = new URL(page.url()).pathname.split('/').pop()!;
    await shot('flow-2-run-live');
    try {
      await expect
        .poll(() => page.getByTestId('run-status').textContent(), { timeout: 100_000, interval: 500 })
        .toBe('completed');
    } catch (err) {
      await shot('flow-2-run-timeout').catch(() => undefined);
      throw new Error(`run ${runId} did not show completed: ${String(err)}\n${stack!.dumpLogs()}`);
    }

    // 3. detail: a summary per variant, each with a drawn distribution (CDF) chart
    await expect.poll(() => page.getByTestId('point-summary').count()).toBe(2);
    const dist = page.getByTestId('distribution-chart').first();
    await expect
      .poll(() => dist.locator('path.recharts-line-curve').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    expect(await dist.getByText('TTFT (ms)').count()).toBe(1);
    await dist.scrollIntoViewIfNeeded();
    await shot('flow-3-run-detail');

    // edit through the same form: the stored variants keep their ids (so runs stay linked)
    await page.goto(`${web!.url}/experiments/${experimentId}/edit`);
    await page.locator('#e-name').fill('dashboard flow (edited)');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(new RegExp(`/experiments/${experimentId}$`), { timeout: 30_000 });
    await page.getByRole('heading', { name: /dashboard flow \(edited\)/ }).waitFor();
    const edited = await api.getExperiment(experimentId);
    expect(edited.variants.map((v) => v.id)).toEqual(exp.variants.map((v) => v.id));
    expect(edited.loadPlan).toEqual(exp.loadPlan);

    // 4. compare the two variants, picked in the UI; the selection ends up in the URL
    await page.goto(`${web!.url}/compare`);
    await page.getByTestId('run-picker').waitFor();
    await page.locator('#picker-experiment').selectOption(experimentId);
    await page.getByRole('button', { name: 'Add fast' }).click();
    await page.waitForURL(/\/compare\?runs=/);
    await page.getByRole('button', { name: 'Add slow' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('runs')?.split(',').length ?? 0).toBe(2);
    const columns = page.getByTestId('compare-column');
    await expect.poll(() => columns.count(), { timeout: 20_000 }).toBe(2);
    const table = page.getByTestId('compare-table').first();
    const headers = (await table.locator('thead th').allTextContents()).join(' | ');
    expect(headers).toContain('fast');
    expect(headers).toContain('slow');
    const cdf = page.getByTestId('cdf-chart');
    await expect.poll(() => cdf.locator('path.recharts-line-curve').count(), { timeout: 15_000 }).toBe(2);
    const legend = (await cdf.locator('.recharts-legend-item-text').allTextContents()).join(' | ');
    expect(legend).toContain('fast');
    expect(legend).toContain('slow');
    expect(await page.getByTestId('pareto-chart').count()).toBe(1);
    await shot('flow-4-compare');
    // the selection survives a reload (it lives in the URL)
    await page.reload({ waitUntil: 'networkidle' });
    await expect
      .poll(() => page.getByTestId('cdf-chart').locator('path.recharts-line-curve').count(), {
        timeout: 20_000,
      })
      .toBe(2);
    expect(await page.getByTestId('compare-column').count()).toBe(2);

    // 5. a comment on the run, signed by the signed-in user (never a typed-in name), still there after a reload
    await page.goto(`${web!.url}/runs/${runId}`);
    const comments = page.getByTestId('comments');
    await comments.waitFor();
    await comments.getByLabel('Comment').fill('TTFT p99 is fine at c=2; ship it.');
    await comments.getByRole('button', { name: 'Post comment' }).click();
    await expect.poll(() => comments.getByTestId('comment').count(), { timeout: 10_000 }).toBe(1);
    await page.reload();
    const after = page.getByTestId('comments');
    await expect.poll(() => after.getByTestId('comment').count(), { timeout: 10_000 }).toBe(1);
    expect(await after.getByTestId('comment-author').textContent()).toBe(BROWSER_ADMIN.email);
    expect(await after.getByTestId('comment-body').textContent()).toBe('TTFT p99 is fine at c=2; ship it.');
    expect(await after.getByTestId('display-name').textContent()).toBe(BROWSER_ADMIN.email);
    const stored = await api.listRunComments(runId);
    expect(stored.items).toMatchObject([
      { author: BROWSER_ADMIN.email, body: 'TTFT p99 is fine at c=2; ship it.' },
    ]);
    await after.scrollIntoViewIfNeeded();
    await shot('flow-5-comment');

    // 6. review: a tag and the baseline on the run; history and archive on the experiment
    await page.getByLabel('New tag').fill('nightly');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('button', { name: 'Make baseline' }).click();
    await page.getByTestId('baseline-badge').waitFor({ timeout: 10_000 });
    expect(await api.getRunReview(runId)).toMatchObject({ tags: ['nightly'], isBaseline: true });
    await page.goto(`${web!.url}/experiments/${experimentId}`);
    const history = page.getByTestId('history-chart');
    // one run so far: one dot per variant × level line, named in the legend
    await expect
      .poll(() => history.locator('.recharts-legend-item-text').allTextContents(), { timeout: 15_000 })
      .toEqual(['fast · c=2', 'slow · c=2']);
    expect(await history.locator('.recharts-line-dots circle, .recharts-dot').count()).toBeGreaterThanOrEqual(
      2,
    );
    expect(await page.locator('table').getByText('baseline', { exact: true }).count()).toBe(1);
    await history.scrollIntoViewIfNeeded();
    await shot('flow-6-experiment-history');
    await page.getByRole('button', { name: 'Archive' }).click();
    await page.getByRole('button', { name: 'Unarchive' }).waitFor({ timeout: 10_000 });
    await page.goto(`${web!.url}/experiments`);
    await page.getByRole('heading', { name: 'Experiments' }).first().waitFor();
    expect(await page.getByRole('link', { name: 'dashboard flow (edited)' }).count()).toBe(0);
    await page.getByLabel('archived').check();
    await expect
      .poll(() => page.getByRole('link', { name: 'dashboard flow (edited)' }).count(), { timeout: 10_000 })
      .toBe(1);
  });
});

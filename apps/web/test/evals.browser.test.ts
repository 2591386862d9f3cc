/**
 * Issue 11 item 8 in a real browser over the real stack (simulator with its answer key, API, one agent) and the
 * BUILT dashboard: an experiment with the built-in `mini` suite (tasks arith and larger-mc) next to a small load
 * plan runs for two variants (sim-fp16, accuracy 0.72, and sim-int4-awq, 0.69: int4 is right on a subset of fp16's
 * items). Then:
 * - /suites lists both built-in suites with item counts and version hashes and shows a suite's YAML;
 * - the edit form shows the experiment's evals section filled in;
 * - the run page shows per-task scores (equal to the API's), Wilson interval bars and the suite score, and the item
 *   browser filters by status, task and "flips vs" the other variant (counts equal to the API's);
 * - compare (the two variants) shows the paired table (verdicts follow the API's McNemar result) and the accuracy vs
 *   throughput-at-SLO Pareto chart with one SVG point per variant;
 * - the experiment's history chart plots the arith task score.
 * Screenshots: test-artifacts/evals-*.png.
 */
import { ApiClient } from '@inferbench/api-client';
import type { Run } from '@inferbench/contracts';
import type { Stack } from '@inferbench/testing/stack';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserStack, type BrowserStack } from './browser-stack';
import type { WebServer } from './web-server';

describe('accuracy evals in the dashboard', () => {
  let b: BrowserStack | undefined;
  let stack: Stack;
  let web: WebServer;
  let page: Page;

  beforeAll(async () => {
    // metrics ports 0: the fixed Prometheus ports would collide with any other API / agent on this machine
    b = await startBrowserStack({
      viewport: { width: 1440, height: 1000 },
      // the agent starts in the run test, so the suites/form test does not depend on it
      stack: { agents: 0, apiEnv: { METRICS_PORT: '0' }, agentEnv: { AGENT_METRICS_PORT: '0' } },
    });
    ({ stack, web, page } = b);
  }, 240_000);

  afterAll(async () => {
    await b?.close();
  });

  let experimentId = '';

  it('lists the built-in suites and fills the experiment form’s evals section', async () => {
    const api = new ApiClient({ baseUrl: stack.apiUrl, token: stack.token });

    // the suites page: both built-in suites, item counts from the shipped datasets, YAML on demand
    await page.goto(`${web.url}/suites`);
    const mini = page.locator('[data-testid=suite-card][data-suite=mini]');
    await mini.waitFor();
    expect(await page.getByTestId('suite-card').count()).toBe(2);
    expect(await mini.locator('tr[data-task=larger-mc] td.num').textContent()).toBe('80');
    expect(await mini.locator('tr[data-task=arith] td.num').textContent()).toBe('100');
    expect(await mini.locator('tr[data-task=arith] td').last().textContent()).toMatch(/^[0-9a-f]{12}$/);
    await mini.getByRole('button', { name: 'View YAML' }).click();
    expect(await mini.getByTestId('suite-yaml').textContent()).toContain('name: inferbench-mini');
    await b!.shot('evals-1-suites');
    // the catalog route behind it: JSON for the signed-in browser; 401 without a session (src/proxy.ts)
    const catalog = await page.request.get(`${web.url}/suite-catalog`);
    expect(catalog.status()).toBe(200);
    const body = (await catalog.json()) as { suites: { name: string }[]; errors: unknown[] };
    expect(body.suites.map((s) => s.name).sort()).toEqual(['mini', 'mini-likelihood']);
    expect(body.errors).toEqual([]);
    const anonymous = await fetch(`${web.url}/suite-catalog`, { redirect: 'manual' });
    expect(anonymous.status).toBe(401);

    const [fp16, int4] = await Promise.all(
      ['sim-fp16', 'sim-int4-awq'].map((model) =>
        api.createTarget({ name: model, baseUrl: `${stack.simUrl}/v1`, apiKind: 'chat', model }),
      ),
    );
    const exp = await api.createExperiment({
      name: 'browser evals',
      description: '',
      tags: [],
      workload: {
        kind: 'synthetic',
        inputTokens: { kind: 'fixed', value: 32 },
        outputTokens: { kind: 'fixed', value: 8 },
      },
      loadPlan: { kind: 'concurrency', levels: [1, 4], requests: 16 },
      slo: { ttftMs: 10_000, percentile: 99 },
      evals: { suites: ['mini'], tasks: ['arith', 'larger-mc'], concurrency: 8 },
      variants: [
        { targetId: fp16!.id, label: 'fp16', optimization: { features: {} }, params: {} },
        { targetId: int4!.id, label: 'int4', optimization: { features: {} }, params: {} },
      ],
    });

    experimentId = exp.id;

    // the edit form reads the evals part back
    await page.goto(`${web.url}/experiments/${exp.id}/edit`);
    const section = page.getByTestId('evals-section');
    await section.waitFor();
    expect(await page.locator('#e-evals-enabled').isChecked()).toBe(true);
    await expect.poll(() => section.locator('input[name=eval-suite][value=mini]').isChecked()).toBe(true);
    expect(await section.locator('input[name=eval-task][value=arith]').isChecked()).toBe(true);
    expect(await section.locator('input[name=eval-task][value=capitals]').isChecked()).toBe(false);
    await b!.shot('evals-2-form');
  });

  it('runs the eval and shows scores, items, the paired comparison and the Pareto chart', async () => {
    expect(experimentId, 'the first test creates the experiment').not.toBe('');
    const api = new ApiClient({ baseUrl: stack.apiUrl, token: stack.token });
    await stack.startAgent();
    const exp = await api.getExperiment(experimentId);
    const started = await api.startRun(exp.id, { trigger: 'api' });
    let run: Run = started;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      run = await api.getRun(started.id);
      if (['completed', 'failed', 'cancelled'].includes(run.status)) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(run.status, run.error ?? '').toBe('completed');
    const evals = await api.getRunEvals(run.id);
    expect(evals.variants.map((v) => v.variantLabel).sort()).toEqual(['fp16', 'int4']);

    // run page: per-task scores equal to the API's, interval bars, suite score
    await page.goto(`${web.url}/runs/${run.id}`);
    const section16 = page.locator('[data-testid=variant-evals][data-variant=fp16]');
    await section16.waitFor();
    const fpEvals = evals.variants.find((v) => v.variantLabel === 'fp16')!;
    for (const t of fpEvals.tasks) {
      expect(t.status).toBe('completed');
      const cell = section16.locator(`tr[data-task="${t.taskId}"] [data-testid=task-score]`);
      expect(await cell.textContent()).toContain(`${(t.score * 100).toFixed(1)}%`);
    }
    expect(await section16.getByTestId('interval-bar').count()).toBe(fpEvals.tasks.length);
    // every column (latency, version) fits the page: the task table needs no horizontal scrolling at 1440 px
    expect(
      await section16
        .getByTestId('eval-task-table')
        .evaluate((t) => t.parentElement!.scrollWidth - t.parentElement!.clientWidth),
    ).toBeLessThanOrEqual(0);
    expect(await section16.getByTestId('suite-score').textContent()).toContain(
      `${(fpEvals.suite!.meanOfTasks * 100).toFixed(1)}%`,
    );
    await b!.shot('evals-3-run');

    // item browser: variant int4, wrong items only (total = the API's), then the arith task, then unparseable
    const browser = page.getByTestId('item-browser');
    await browser.locator('#items-variant').selectOption('int4');
    await browser.locator('#items-status').selectOption('wrong');
    const wrong = await api.getEvalItems(run.id, { variant: 'int4', status: 'wrong', pageSize: 1 });
    await expect
      .poll(() => browser.getByTestId('items-total').textContent())
      .toMatch(new RegExp(`^${wrong.total} items`));
    const verdicts = await browser
      .getByTestId('item-verdict')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-verdict')));
    expect(verdicts.length).toBe(Math.min(20, wrong.total));
    expect(new Set(verdicts)).toEqual(new Set(wrong.total ? ['wrong'] : []));
    await browser.locator('#items-task').selectOption('arith');
    const wrongArith = await api.getEvalItems(run.id, { variant: 'int4', status: 'wrong', task: 'arith' });
    await expect
      .poll(() => browser.getByTestId('items-total').textContent())
      .toMatch(new RegExp(`^${wrongArith.total} items`));
    const tasksShown = await browser
      .getByTestId('eval-item')
      .evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-task')))]);
    expect(tasksShown).toEqual(wrongArith.total ? ['arith'] : []);
    await b!.shot('evals-4-items-wrong');
    await browser.locator('#items-status').selectOption('unparseable');
    const unparseable = await api.getEvalItems(run.id, {
      variant: 'int4',
      status: 'unparseable',
      task: 'arith',
    });
    await expect
      .poll(() => browser.getByTestId('items-total').textContent())
      .toMatch(new RegExp(`^${unparseable.total} items`));

    // flips of int4 vs fp16 (every task): the API's paired flips; int4 is right on a subset of fp16's items
    await browser.locator('#items-task').selectOption('');
    await browser.locator('#items-flips').selectOption('fp16');
    const cmp = await api.compareEvals(
      { runId: run.id, variantLabel: 'fp16' },
      { runId: run.id, variantLabel: 'int4' },
    );
    await browser.getByTestId('flip-list').waitFor();
    await expect.poll(() => browser.getByTestId('eval-flip').count()).toBe(Math.min(20, cmp.flips.length));
    const directions = await browser
      .getByTestId('eval-flip')
      .evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-direction')))]);
    expect(directions).toEqual(cmp.flips.length ? ['rightToWrong'] : []);
    await b!.shot('evals-5-flips');

    // compare the two variants: paired table with the API's verdicts, and the Pareto chart with one point each
    const variantIds = Object.fromEntries(run.loadPoints.map((p) => [p.variantLabel, p.variantId]));
    await page.goto(`${web.url}/compare?runs=${run.id}:${variantIds.fp16},${run.id}:${variantIds.int4}`);
    const pareto = page.getByTestId('accuracy-pareto-chart');
    await pareto.waitFor({ timeout: 20_000 });
    await expect.poll(() => pareto.getAttribute('data-points')).toBe('2');
    await expect
      .poll(() => pareto.locator('.recharts-scatter-symbol').count(), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);
    const paired = page.getByTestId('eval-paired-table');
    await paired.waitFor();
    for (const t of cmp.tasks) {
      const verdict = await paired
        .locator(`tr[data-task="${t.taskId}"] [data-testid=eval-verdict]`)
        .textContent();
      expect(verdict).toBe(
        t.significant ? `${t.difference < 0 ? 'worse' : 'better'} (p < ${cmp.alpha})` : 'not significant',
      );
    }
    expect(await page.getByTestId('version-mismatch').count()).toBe(0);
    await pareto.scrollIntoViewIfNeeded();
    await b!.shot('evals-6-compare');

    // history: the arith task's score over runs
    await page.goto(`${web.url}/experiments/${exp.id}`);
    const history = page.getByTestId('history-chart');
    await history.waitFor();
    await expect
      .poll(() =>
        history.locator('select[aria-label="History figure"] option[value="eval:task:arith"]').count(),
      )
      .toBe(1);
    await history.locator('select[aria-label="History figure"]').selectOption('eval:task:arith');
    await expect.poll(() => history.getAttribute('data-figure')).toBe('eval:task:arith');
    await expect.poll(() => history.locator('.recharts-line').count(), { timeout: 10_000 }).toBe(2);
    await b!.shot('evals-7-history');
  });
});

/**
 * The run page's telemetry in a real browser over the real stack: the agent scrapes the simulator's /metrics
 * and samples "GPUs" through a stand-in `nvidia-smi` on its PATH (a shell script printing the documented CSV,
 * since no GPU is available here), the API stores telemetry and hints, and the BUILT dashboard shows the
 * Server and GPU panels, the muted line for a target without a metrics URL, and the Bottleneck hints.
 * Saves test-artifacts/telemetry-{panels,hints,server,gpu}.png.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiClient } from '@inferbench/api-client';
import { isTerminalRunStatus, type Run } from '@inferbench/contracts';
import type { Stack } from '@inferbench/testing/stack';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startBrowserStack, type BrowserStack } from './browser-stack';
import type { WebServer } from './web-server';

/** nvidia-smi --query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,power.draw,clocks.sm,temperature.gpu --format=csv,noheader,nounits */
const FAKE_NVIDIA_SMI = `#!/bin/sh
echo "0, GPU-11111111-2222-3333-4444-555555555555, NVIDIA H100 80GB HBM3, $((60 + $(date +%S) % 35)), $((60000 + $(date +%S) * 100)), 81559, $((450 + $(date +%S) % 200)).5, 1980, 61"
`;

describe('run page telemetry', () => {
  let b: BrowserStack | undefined;
  let stack: Stack | undefined;
  let web: WebServer | undefined;
  let page: Page;

  beforeAll(async () => {
    b = await startBrowserStack({
      // a fake nvidia-smi (documented CSV format, written by hand: there is no GPU here) on the agent's PATH
      beforeStack: async (tmp) => {
        const bin = path.join(tmp, 'bin');
        await mkdir(bin);
        await writeFile(path.join(bin, 'nvidia-smi'), FAKE_NVIDIA_SMI);
        await chmod(path.join(bin, 'nvidia-smi'), 0o755);
        return {
          agents: 1,
          agentEnv: {
            PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
            AGENT_TELEMETRY_INTERVAL_MS: '500',
          },
        };
      },
    });
    ({ stack, web, page } = b);
  });

  afterAll(async () => {
    await b?.close();
  });

  it('shows server and GPU panels, the reason when a part is missing, and the bottleneck hints', async () => {
    const api = new ApiClient({ baseUrl: stack!.apiUrl, token: stack!.token });
    const withMetrics = await api.createTarget({
      name: 'sim chunked',
      baseUrl: `${stack!.simUrl}/v1`,
      apiKind: 'chat',
      model: 'sim-8b-nochunk',
      metricsUrl: `${stack!.simUrl}/metrics`,
    });
    const without = await api.createTarget({
      name: 'sim fixed',
      baseUrl: `${stack!.simUrl}/v1`,
      apiKind: 'chat',
      model: 'sim-fixed',
    });
    const exp = await api.createExperiment({
      name: 'telemetry panels',
      workload: {
        kind: 'synthetic',
        inputTokens: { kind: 'uniform', min: 64, max: 1024 },
        outputTokens: { kind: 'uniform', min: 16, max: 40 },
      },
      loadPlan: { kind: 'concurrency', levels: [2, 8], requests: 12, seed: 3 },
      variants: [
        { targetId: withMetrics.id, label: 'nochunk', params: { ignoreEos: true } },
        { targetId: without.id, label: 'fixed', params: { ignoreEos: true } },
      ],
    });
    let run: Run = await api.startRun(exp.id);
    const deadline = Date.now() + 120_000;
    while (!isTerminalRunStatus(run.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      run = await api.getRun(run.id);
    }
    if (run.status !== 'completed')
      throw new Error(`run ended ${run.status}: ${run.error}\n${stack!.dumpLogs()}`);

    await page.goto(`${web!.url}/runs/${run.id}`);
    await page.getByTestId('server-panel').first().waitFor({ timeout: 30_000 });
    // two points of the variant with a metrics URL have server panels; the other two say why not
    expect(await page.getByTestId('server-panel').count()).toBe(2);
    expect(await page.getByTestId('server-unavailable').allTextContents()).toEqual([
      'Server telemetry not collected: the target has no metrics URL.',
      'Server telemetry not collected: the target has no metrics URL.',
    ]);
    const split = await page.getByTestId('ttft-split').first().textContent();
    expect(split).toMatch(/queue \d+\.\d %/);
    expect(split).toMatch(/prefill \d+\.\d %/);
    expect(await page.getByTestId('server-counters').first().textContent()).toContain('preemptions');
    // the stand-in nvidia-smi gives every point a GPU panel with energy per output token
    expect(await page.getByTestId('gpu-panel').count()).toBe(4);
    expect(await page.getByTestId('gpu-panel').first().textContent()).toMatch(/\d J\/token/);
    // hints: as many cards as the API returned, each with its kind
    const hints = page.getByTestId('bottleneck-hints');
    expect(run.hints.length).toBeGreaterThan(0);
    for (const h of run.hints)
      expect(await hints.locator(`[data-kind="${h.kind}"]`).count()).toBeGreaterThan(0);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'telemetry-panels.png'), fullPage: true });
    await hints.screenshot({ path: path.join(ARTIFACTS, 'telemetry-hints.png') });
    const card = page
      .getByTestId('point-summary')
      .filter({ has: page.getByTestId('server-panel') })
      .last();
    await card.getByTestId('server-panel').screenshot({ path: path.join(ARTIFACTS, 'telemetry-server.png') });
    await card.getByTestId('gpu-panel').screenshot({ path: path.join(ARTIFACTS, 'telemetry-gpu.png') });
  });
});

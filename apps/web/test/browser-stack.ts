/**
 * Everything a dashboard browser test needs, started and stopped together: the real stack (API, agent,
 * simulator as child processes), the BUILT dashboard under `next start` pointed at that API, and Debian's
 * Chromium (playwright-core) with a fresh profile.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@inferbench/testing';
import { startStack, type Stack, type StackOptions } from '@inferbench/testing/stack';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ensureBuilt, startWeb, WEB_DIR, type WebServer } from './web-server';

export const CHROMIUM = '/usr/bin/chromium';
/** Without the background-networking flags Chromium floods this machine's closed network with connections. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** Screenshots kept as test artifacts (gitignored). */
export const ARTIFACTS = path.join(WEB_DIR, 'test-artifacts');

export interface BrowserStack {
  stack: Stack;
  web: WebServer;
  context: BrowserContext;
  page: Page;
  /** a scratch folder removed by close() */
  tmp: string;
  /** a full-page screenshot into ARTIFACTS */
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startBrowserStack(
  opts: {
    stack?: StackOptions;
    viewport?: { width: number; height: number };
    beforeStack?(tmp: string): Promise<StackOptions | void>;
  } = {},
): Promise<BrowserStack> {
  ensureBuilt();
  await mkdir(ARTIFACTS, { recursive: true });
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'inferbench-browser-'));
  let stack: Stack | undefined;
  let web: WebServer | undefined;
  let context: BrowserContext | undefined;
  const close = async () => {
    await context?.close().catch(() => undefined);
    await web?.stop();
    await stack?.stop();
    await rm(tmp, { recursive: true, force: true });
  };
  try {
    const extra = (await opts.beforeStack?.(tmp)) ?? {};
    stack = await startStack({ agents: 1, ...opts.stack, ...extra });
    web = await startWeb({ port: await freePort(), apiUrl: stack.apiUrl, timeoutMs: 60_000 });
    // A fresh profile per run: launchPersistentContext is how playwright takes --user-data-dir.
    context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: opts.viewport ?? { width: 1366, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return {
      stack,
      web,
      context,
      page,
      tmp,
      shot: async (name) => {
        await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

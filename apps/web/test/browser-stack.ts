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

/** The admin the browser is signed in as (created through the API with the stack's bootstrap token). */
export const BROWSER_ADMIN = { email: 'browser-admin@example.com', password: 'browser-admin-password-1' };

export interface BrowserStack {
  stack: Stack;
  /** who the browser is signed in as (null with `signIn: false`) */
  user: typeof BROWSER_ADMIN | null;
  web: WebServer;
  context: BrowserContext;
  page: Page;
  /** a scratch folder removed by close() */
  tmp: string;
  /** a full-page screenshot into ARTIFACTS */
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Create the user (idempotent) with the stack's bootstrap token, sign in through the dashboard's proxy
 * (`/api/auth/sign-in/email`, as the sign-in page does) and return the session cookies for the browser context.
 */
export async function signInCookies(
  stack: Stack,
  webUrl: string,
  user: { email: string; password: string },
  role: 'viewer' | 'editor' | 'admin' = 'admin',
): Promise<{ name: string; value: string; url: string }[]> {
  const created = await fetch(`${stack.apiUrl}/users`, {
    method: 'POST',
    headers: { ...stack.authHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ email: user.email, password: user.password, role }),
  });
  if (!created.ok && created.status !== 409)
    throw new Error(`cannot create ${user.email}: ${await created.text()}`);
  const res = await fetch(`${webUrl}/api/auth/sign-in/email`, {
    method: 'POST',
    // what a browser sends from the sign-in page (the proxy checks the origin is its own)
    headers: { 'content-type': 'application/json', origin: webUrl },
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
  if (!res.ok) throw new Error(`sign-in through the dashboard failed: ${res.status} ${await res.text()}`);
  return res.headers.getSetCookie().map((c) => {
    const [pair] = c.split(';');
    const eq = pair!.indexOf('=');
    return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), url: webUrl };
  });
}

export async function startBrowserStack(
  opts: {
    stack?: StackOptions;
    viewport?: { width: number; height: number };
    /** sign the browser in as {@link BROWSER_ADMIN} before the test (default true) */
    signIn?: boolean;
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
    const signedIn = opts.signIn === false ? null : BROWSER_ADMIN;
    if (signedIn) await context.addCookies(await signInCookies(stack, web.url, signedIn));
    return {
      user: signedIn,
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

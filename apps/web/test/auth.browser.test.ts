/**
 * Sign-in and API tokens in the browser (issue 12), over the real stack and the built dashboard:
 * an unauthenticated visit goes to the sign-in page; a wrong password is refused; signing in returns to the page
 * asked for, through the dashboard's proxy (session cookie on the dashboard's origin); an admin creates a token on the
 * tokens page, sees it once, the API accepts it with its scope, the list shows its last use, and revoking it locks it
 * out; signing out ends the session.
 */
import { ApiClient, ApiError } from '@inferbench/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserStack, type BrowserStack } from './browser-stack';

const ADMIN = { email: 'signin-admin@example.com', password: 'signin-admin-password-1' };

describe('sign-in and API tokens', () => {
  let b: BrowserStack | undefined;

  beforeAll(async () => {
    b = await startBrowserStack({ stack: { agents: 0 }, signIn: false });
    const api = new ApiClient({ baseUrl: b.stack.apiUrl, token: b.stack.token });
    await api.createUser({ email: ADMIN.email, password: ADMIN.password, role: 'admin' });
  }, 400_000);

  afterAll(async () => {
    await b?.close();
  });

  it('redirects to sign-in, signs in, creates a token shown once, uses and revokes it, signs out', async () => {
    const { page, web, stack } = b!;
    // 1. not signed in: any page sends the visitor to the sign-in page, remembering where they were going
    await page.goto(`${web.url}/targets`);
    await page.waitForURL(/\/sign-in\?next=%2Ftargets/);
    await page.getByLabel('E-mail').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.getByTestId('signin-error').textContent(), { timeout: 10_000 })
      .toContain('Wrong e-mail or password');
    await b!.shot('auth-1-wrong-password');

    // 2. the right password: back to the page asked for, the user menu says who is signed in
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${web.url}/targets`);
    await expect.poll(() => page.getByTestId('whoami').textContent(), { timeout: 10_000 }).toBe(ADMIN.email);
    const cookies = await b!.context.cookies(web.url);
    const session = cookies.find((c) => c.name.endsWith('better-auth.session_token'));
    expect(session?.httpOnly).toBe(true);

    // 3. tokens page: create a run-scoped service token, shown once
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.waitForURL(`${web.url}/tokens`);
    await page.getByLabel('Name').fill('nightly ci');
    await page.getByLabel('Kind').selectOption('service');
    await page.getByLabel('Scope').selectOption('run');
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByTestId('new-token');
    await shown.waitFor({ timeout: 10_000 });
    const token = (await shown.textContent())!.trim();
    expect(token).toMatch(/^ib_[A-Za-z0-9_-]{43}$/);
    await b!.shot('auth-2-token-created');

    // the API takes it, with its scope: reads and starts runs, no writes
    const ci = new ApiClient({ baseUrl: stack.apiUrl, token });
    expect(await ci.me()).toMatchObject({ kind: 'service', name: 'nightly ci', scope: 'run' });
    await expect(
      ci.createTarget({ name: 'x', baseUrl: 'http://127.0.0.1:9/v1', apiKind: 'chat', model: 'm' }),
    ).rejects.toMatchObject({
      status: 403,
    });

    // 4. after a reload the token is not shown again; the list has it with its last use
    await page.reload();
    const row = page.getByTestId('token-row').filter({ hasText: 'nightly ci' });
    await row.waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('new-token').count()).toBe(0);
    expect(await page.content()).not.toContain(token);
    expect(await row.getByTestId('token-last-used').textContent()).not.toBe('never');

    // 5. revoke: the API refuses it at once
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByTestId('token-revoked').waitFor({ timeout: 10_000 });
    const err = await ci.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    await b!.shot('auth-3-token-revoked');

    // 6. sign out: the session is gone, pages send the visitor to sign in again
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await page.goto(`${web.url}/experiments`);
    await page.waitForURL(/\/sign-in\?next=%2Fexperiments/);
  }, 120_000);
});

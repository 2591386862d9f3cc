/**
 * Every route is guarded (issue 12). The routes come from the running app's router (Fastify's route tree), never from
 * a hand list, so a route another module adds is checked without touching this file. For each one:
 * - `/health` and `/ready` answer without a credential; better-auth's own `/auth/*` (sign-in) is its own concern;
 * - every other route answers 401 without a credential, and 401 with a made-up token;
 * - the scope it needs is found by trying tokens of growing scope (read → run → write → admin): every weaker one gets
 *   403, the first one that passes must be the scope the policy gives (`defaultScopeFor`, or the route's explicit
 *   `@RequireScope` listed below), and an agent credential gets 403 (except on the agent route, the only one it opens).
 * The route → scope table is printed (it is the one in apps/api/README.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_SCOPES, type TokenScope } from '@inferbench/contracts';
import { defaultScopeFor } from '../src/common/auth/scopes.js';
import { routerRoutes, startTestApi, type TestApi } from './helpers.js';

/** Routes whose handler sets `@RequireScope` (or the agent scope) instead of the default from method and path. */
const EXPLICIT: Record<string, TokenScope | 'agent'> = {
  'GET /me': 'read',
  'HEAD /me': 'read',
  'GET /agents/load-points/:id/secret': 'agent',
  'HEAD /agents/load-points/:id/secret': 'agent',
};
const OPEN = new Set(['/health', '/ready']);

let t: TestApi;
const tokens = {} as Record<TokenScope | 'agent', string>;

beforeAll(async () => {
  t = await startTestApi();
  // one user per role, and a token of every scope each role may hold
  const admin = await t.client.createUser({ email: 'guard-admin@example.com', role: 'admin' });
  for (const scope of TOKEN_SCOPES) {
    tokens[scope] = (
      await t.client.createToken({ name: `guard-${scope}`, userId: admin.user.id, scope })
    ).token;
  }
  tokens.agent = await t.agentToken('default');
});
afterAll(async () => {
  await t?.close();
});

async function call(method: string, url: string, token?: string): Promise<{ status: number; body: string }> {
  const hasBody = method !== 'GET' && method !== 'HEAD' && method !== 'DELETE';
  const reply = await t.api.app.inject({
    method: method as 'GET',
    url,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
    },
    ...(hasBody ? { payload: '{}' } : {}),
  });
  return { status: reply.statusCode, body: reply.body };
}

describe('every route of the router is guarded', () => {
  it('answers 401 without a credential and 403 below its scope, which is the policy’s', async () => {
    const routes = routerRoutes(t).filter((r) => !r.path.startsWith('/auth/'));
    // sanity: the router is read, and it holds the routes of every module
    expect(routes.length).toBeGreaterThan(40);
    for (const probe of [
      'GET /runs/:id',
      'POST /experiments/:id/runs',
      'DELETE /experiments/:id',
      'POST /tokens',
    ])
      expect(routes.map((r) => `${r.method} ${r.path}`)).toContain(probe);

    const table: string[] = [];
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      // ids that do not exist: the guard answers before any handler, so nothing is read, written or streamed
      const url = r.path.replace(/:[A-Za-z]+/g, 'no-such-id').replace(/\*$/, 'x');
      if (OPEN.has(r.path)) {
        const res = await call(r.method, url);
        expect([200, 503], `${key} is open`).toContain(res.status);
        table.push(`${key.padEnd(48)} open`);
        continue;
      }
      const anon = await call(r.method, url);
      expect(anon.status, `${key} without a credential → ${anon.body.slice(0, 200)}`).toBe(401);
      if (r.method !== 'HEAD') expect(JSON.parse(anon.body).error.code).toBe('UNAUTHORIZED');
      expect((await call(r.method, url, 'ib_not-a-real-token')).status, `${key} with a made-up token`).toBe(
        401,
      );

      const want = EXPLICIT[key] ?? defaultScopeFor(r.method, r.path);
      let got: TokenScope | 'agent' | undefined;
      for (const scope of TOKEN_SCOPES) {
        const res = await call(r.method, url, tokens[scope]);
        if (res.status === 403) {
          if (r.method !== 'HEAD') expect(JSON.parse(res.body).error.code).toBe('FORBIDDEN');
          continue;
        }
        expect(res.status, `${key} with a ${scope} token → ${res.body.slice(0, 200)}`).not.toBe(401);
        got = scope;
        break;
      }
      const agent = await call(r.method, url, tokens.agent);
      if (got === undefined) {
        // no user token opens it: only an agent credential may
        expect(agent.status, `${key} with an agent credential → ${agent.body.slice(0, 200)}`).not.toBe(403);
        expect(agent.status).not.toBe(401);
        got = 'agent';
      } else {
        expect(agent.status, `${key}: an agent credential opens only the agent route`).toBe(403);
      }
      expect(got, `${key} needs scope`).toBe(want);
      table.push(`${key.padEnd(48)} ${got}`);
    }
    console.log(`route → scope (${table.length} routes):\n${table.join('\n')}`);
  }, 120_000);

  it('keeps /docs behind a read credential too (served by Fastify, outside Nest)', async () => {
    expect((await call('GET', '/docs/json')).status).toBe(401);
    expect((await call('GET', '/docs/json', tokens.agent)).status).toBe(403);
    expect((await call('GET', '/docs/json', tokens.read)).status).toBe(200);
  });
});

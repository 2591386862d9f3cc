/**
 * Auth overhead (issue 12): the latency the auth check adds to one API request.
 *
 * Starts the API in-process twice over one fresh database and Redis prefix: once as shipped (global guard, API token
 * and session checks, rate limit), once with the guard off (`unsafeDisableAuth`, only reachable from code). Both serve
 * `GET /runs/:id` of the same stored run (a point waiting on a pool with no agent, so nothing changes while it runs).
 * Requests alternate between the two apps (A, B, A, B … over keep-alive HTTP, one at a time) so drift affects both
 * equally; for each credential kind (a personal API token, a dashboard session cookie) it reports p50/p95/p99 of both
 * and the added p95. It also times the check alone (`AuthService.authenticate` on the request headers, cache warm),
 * which is what the guard adds per request. Target: p95 added < 1 ms. Prints one JSON object with machine conditions.
 *
 * Run from the repo root (needs `bash infra/services.sh up`):
 *   npx tsx --tsconfig apps/api/tsconfig.json bench/auth-overhead.ts [requestsPerSide=3000]
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { AuthService, loadConfig, startApi, type StartedApi } from '@inferbench/api';
import { ApiClient } from '@inferbench/api-client';
import { percentileOfSorted } from '@inferbench/metrics';
import { createTestDatabase, createTestRedis } from '@inferbench/testing';

const N = Number(process.argv[2] ?? 3000);
const WARMUP = 300;
const TARGET_ADDED_P95_MS = 1;
const BOOT = 'auth-bench-bootstrap-token-0123456789abcdef';

function stats(ms: number[]): { p50: number; p95: number; p99: number; mean: number } {
  const s = [...ms].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return {
    p50: r(percentileOfSorted(s, 50)),
    p95: r(percentileOfSorted(s, 95)),
    p99: r(percentileOfSorted(s, 99)),
    mean: r(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

async function timed(url: string, headers: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return ms;
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const redis = createTestRedis();
  const env = {
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '8',
    REDIS_URL: redis.url,
    QUEUE_PREFIX: redis.prefix,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    SECRET_KEY: 'ab'.repeat(32),
    NO_AGENT_WAIT_SEC: '86400',
    INFERBENCH_BOOTSTRAP_TOKEN: BOOT,
    INFERBENCH_METRICS: '0',
    // the limit is part of the shipped per-request cost; high enough never to trigger here
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
  };
  const withAuth: StartedApi = await startApi(loadConfig(env));
  const without: StartedApi = await startApi(loadConfig(env), { unsafeDisableAuth: true });
  try {
    const admin = new ApiClient({ baseUrl: withAuth.url, token: BOOT });
    const target = await admin.createTarget({
      name: 'bench',
      baseUrl: 'http://127.0.0.1:9/v1',
      apiKind: 'chat',
      model: 'm',
      pool: 'bench-no-agent',
    });
    const exp = await admin.createExperiment({
      name: 'auth bench',
      description: '',
      tags: [],
      workload: {
        kind: 'synthetic',
        inputTokens: { kind: 'fixed', value: 32 },
        outputTokens: { kind: 'fixed', value: 8 },
      },
      loadPlan: { kind: 'concurrency', levels: [1, 2, 4, 8], requests: 10, seed: 1 },
      variants: [
        { targetId: target.id, label: 'v', optimization: { features: {} }, params: { maxTokens: 8 } },
      ],
    });
    const run = await admin.startRun(exp.id);
    const password = 'bench-password-0123456789';
    const user = await admin.createUser({ email: 'bench@example.com', role: 'editor', password });
    const token = (await admin.createToken({ name: 'bench', userId: user.user.id, scope: 'read' })).token;
    const signIn = await fetch(`${withAuth.url}/auth/sign-in/email`, {
      method: 'POST',
      // as the dashboard's proxy forwards a browser's sign-in
      headers: {
        'content-type': 'application/json',
        origin: 'http://dashboard.test',
        'x-inferbench-web-origin': 'http://dashboard.test',
      },
      body: JSON.stringify({ email: 'bench@example.com', password }),
    });
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .join('; ');
    if (!signIn.ok || !cookie) throw new Error(`sign-in failed: ${signIn.status}`);

    const path = `/runs/${run.id}`;
    const kinds: Record<string, Record<string, string>> = {
      'api token (Bearer)': { authorization: `Bearer ${token}` },
      'session cookie': { cookie },
    };
    const results: Record<string, unknown> = {};
    for (const [kind, headers] of Object.entries(kinds)) {
      for (let i = 0; i < WARMUP; i++) {
        await timed(`${withAuth.url}${path}`, headers);
        await timed(`${without.url}${path}`, {});
      }
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < N; i++) {
        // alternate which side goes first, so neither always runs right after the other
        if (i % 2 === 0) {
          a.push(await timed(`${withAuth.url}${path}`, headers));
          b.push(await timed(`${without.url}${path}`, {}));
        } else {
          b.push(await timed(`${without.url}${path}`, {}));
          a.push(await timed(`${withAuth.url}${path}`, headers));
        }
      }
      const sa = stats(a);
      const sb = stats(b);
      // the check alone, in-process, on the same headers (cache warm, as on every request after the first)
      const auth = withAuth.app.get(AuthService);
      const check: number[] = [];
      for (let i = 0; i < N; i++) {
        const t0 = performance.now();
        const p = await auth.authenticate(headers);
        check.push(performance.now() - t0);
        if (!p) throw new Error('authenticate returned no principal');
      }
      results[kind] = {
        withAuthMs: sa,
        authDisabledMs: sb,
        addedP95Ms: Math.round((sa.p95 - sb.p95) * 1000) / 1000,
        addedP50Ms: Math.round((sa.p50 - sb.p50) * 1000) / 1000,
        checkAloneMs: stats(check),
      };
    }
    const worstAdded = Math.max(
      ...Object.values(results).map((r) => (r as { addedP95Ms: number }).addedP95Ms),
    );
    const cpus = os.cpus();
    console.log(
      JSON.stringify(
        {
          bench: 'auth-overhead',
          route: 'GET /runs/:id (4 load points)',
          requestsPerSide: N,
          warmupPerSide: WARMUP,
          results,
          worstAddedP95Ms: worstAdded,
          targetAddedP95Ms: TARGET_ADDED_P95_MS,
          pass: worstAdded < TARGET_ADDED_P95_MS,
          machine: {
            cpu: cpus[0]?.model ?? 'unknown',
            cores: cpus.length,
            loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
            memoryGb: Math.round(os.totalmem() / 1e9),
            node: process.version,
            platform: `${os.platform()} ${os.release()}`,
          },
        },
        null,
        2,
      ),
    );
  } finally {
    await withAuth.close();
    await without.close();
    await redis.cleanup().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
  process.exit(0);
}

await main();

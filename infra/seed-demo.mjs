// Seeds the demo over the REST API (idempotent): two targets on the bundled simulator, one per
// "variant" of the same model (fp16 and int4-awq run at different speeds), and one experiment that
// sweeps concurrency over both. Prints the experiment id.
//
// Credentials: calls the API with INFERBENCH_TOKEN (demo.sh passes the bootstrap token it gave the API). On the
// first run (no user yet) it creates the admin — INFERBENCH_ADMIN_EMAIL / INFERBENCH_ADMIN_PASSWORD, else
// admin@inferbench.local with a random password — and prints that one-time sign-in on stderr. Never a fixed password.
//
//   node infra/seed-demo.mjs               seed, print the experiment id
//   node infra/seed-demo.mjs agent-token   create an agent credential for pool `default`, print its AGENT_TOKEN
import { randomBytes } from 'node:crypto';

const api = process.env.INFERBENCH_API_URL ?? `http://127.0.0.1:${process.env.API_PORT ?? 4000}`;
const sim = process.env.SIM_URL ?? `http://127.0.0.1:${process.env.SIM_PORT ?? 8100}`;
const token = process.env.INFERBENCH_TOKEN;
const EXPERIMENT = 'Demo: fp16 vs int4-awq on the simulator';

async function call(method, path, body) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

async function ensureTarget(name, model) {
  const { items } = await call('GET', '/targets?limit=500');
  const found = items.find((t) => t.name === name);
  if (found) return found;
  return call('POST', '/targets', { name, baseUrl: `${sim}/v1`, apiKind: 'chat', model, pool: 'default' });
}

if (process.argv[2] === 'agent-token') {
  const created = await call('POST', '/agent-credentials', { pool: 'default', name: 'demo agent' });
  console.log(created.token);
  process.exit(0);
}

// first run: the one admin, with a one-time password unless one was given
const { items: users } = await call('GET', '/users');
if (users.length === 0) {
  const email = process.env.INFERBENCH_ADMIN_EMAIL ?? 'admin@inferbench.local';
  const given = process.env.INFERBENCH_ADMIN_PASSWORD;
  const password = given ?? randomBytes(15).toString('base64url');
  await call('POST', '/users', { email, password, role: 'admin', name: 'admin' });
  console.error(
    `\n  Dashboard sign-in (shown once): ${email} / ${given ? '(INFERBENCH_ADMIN_PASSWORD)' : password}\n` +
      '  Keep it: it is not stored anywhere else (a new one: PATCH /users/:id {password}).\n',
  );
}

const fp16 = await ensureTarget('sim-llama-fp16', 'sim-fp16');
const int4 = await ensureTarget('sim-llama-int4-awq', 'sim-int4-awq');

const { items } = await call('GET', `/experiments?q=${encodeURIComponent(EXPERIMENT)}&limit=50`);
let exp = items.find((e) => e.name === EXPERIMENT);
if (!exp) {
  exp = await call('POST', '/experiments', {
    name: EXPERIMENT,
    description:
      'The same simulated 8B model served in fp16 and with 4-bit AWQ weights. A short concurrency sweep shows ' +
      'how quantization changes TTFT, TPOT and throughput.',
    tags: ['demo', 'quantization'],
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 256 },
      outputTokens: { kind: 'fixed', value: 64 },
    },
    loadPlan: { kind: 'concurrency', levels: [1, 4, 8], requests: 24, warmup: { requests: 2 } },
    slo: { ttftMs: 500, tpotMs: 50, percentile: 99 },
    variants: [
      {
        targetId: fp16.id,
        label: 'fp16',
        optimization: {
          engine: 'inferbench-sim',
          model: 'llama-3.1-8b (simulated)',
          precision: 'fp16',
          features: { continuousBatching: true },
        },
        params: { maxTokens: 64, temperature: 0, ignoreEos: true },
      },
      {
        targetId: int4.id,
        label: 'int4-awq',
        optimization: {
          engine: 'inferbench-sim',
          model: 'llama-3.1-8b (simulated)',
          precision: 'int4-awq',
          features: { continuousBatching: true },
        },
        params: { maxTokens: 64, temperature: 0, ignoreEos: true },
      },
    ],
  });
}
console.log(exp.id);

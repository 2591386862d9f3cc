/**
 * A whole inferbench stack as real child processes (simulator, API, agents) over the real local
 * PostgreSQL and Redis, isolated by a fresh database and a unique Redis prefix. Used by end-to-end,
 * fault and browser tests. Each process runs its normal entry point through tsx, configured by env.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import {
  createTestDatabase,
  createTestRedis,
  freePort,
  REPO_ROOT,
  testServices,
  type TestDatabase,
  type TestRedis,
} from './index.js';

const TSX = path.join(REPO_ROOT, 'node_modules/.bin/tsx');

/**
 * The admin credential of every stack: the API process gets it as INFERBENCH_BOOTSTRAP_TOKEN (honoured because the
 * stack runs with NODE_ENV=test). Tests send it (`stack.token`, `stack.authHeaders`) on their own API calls; agents get
 * a per-pool agent credential created with it.
 */
export const STACK_BOOTSTRAP_TOKEN = 'stack-bootstrap-token-0123456789abcdef0123';

export interface StackProcess {
  name: string;
  child: ChildProcess;
  /** last lines of stdout+stderr, for failure messages */
  logs: string[];
  exited: Promise<number | null>;
}

export interface StackOptions {
  /** number of agents to start in the `default` pool (default 1) */
  agents?: number;
  simSeed?: number;
  /**
   * extra env of the API process. The stack starts the API with `METRICS_PORT=0` (no Prometheus listener: the fixed
   * default port would be shared by every API on this machine); a test that scrapes the API's metrics sets a free port.
   */
  apiEnv?: Record<string, string>;
  /** extra env of every agent; agents start with `AGENT_METRICS_PORT=0` unless this (or `startAgent(env)`) sets one */
  agentEnv?: Record<string, string>;
  /** start the simulator process (default true) */
  sim?: boolean;
  /**
   * Redis for this stack only (e.g. a private redis-server a fault test restarts); default the shared test
   * Redis. The stack still uses its own key prefix.
   */
  redisUrl?: string;
}

export interface Stack {
  apiUrl: string;
  /** admin token the API accepts (INFERBENCH_BOOTSTRAP_TOKEN) */
  token: string;
  /** `{ authorization: 'Bearer <token>' }` for raw fetches */
  authHeaders: Record<string, string>;
  /** the agent credential (AGENT_TOKEN) of `pool`, created once through the API */
  agentToken(pool?: string): Promise<string>;
  simUrl: string;
  apiPort: number;
  db: TestDatabase;
  redis: TestRedis;
  processes: StackProcess[];
  /** start one more agent (pool `default` unless env says otherwise) and wait for its heartbeat */
  startAgent(env?: Record<string, string>): Promise<StackProcess>;
  /** (re)start the API process on the same port */
  startApi(): Promise<StackProcess>;
  /** send a signal to a process and wait for it to exit */
  kill(p: StackProcess, signal?: NodeJS.Signals): Promise<void>;
  /** everything the processes printed, for debugging a failed test */
  dumpLogs(): string;
  stop(): Promise<void>;
}

function launch(name: string, entry: string, env: Record<string, string>): StackProcess {
  const child = spawn(TSX, [path.join(REPO_ROOT, entry)], {
    cwd: path.dirname(path.dirname(path.join(REPO_ROOT, entry))),
    env: { ...process.env, ...env, NODE_ENV: 'test', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // its own process group: tsx runs the app in a child node process, and a signal sent only to tsx would
    // leave that child running (a "killed" agent would go on measuring); kill() signals the whole group
    detached: true,
  });
  const logs: string[] = [];
  const keep = (buf: Buffer) => {
    for (const line of buf.toString().split('\n')) {
      if (!line) continue;
      logs.push(line);
      if (logs.length > 400) logs.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, child, logs, exited };
}

async function waitUntil(
  what: string,
  p: StackProcess | null,
  timeoutMs: number,
  check: () => Promise<boolean>,
) {
  const end = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void p?.exited.then((c) => (exitCode = c));
  while (Date.now() < end) {
    if (exitCode !== undefined) {
      throw new Error(
        `${p?.name} exited (${exitCode}) while waiting for ${what}:\n${p?.logs.slice(-40).join('\n')}`,
      );
    }
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}:\n${p?.logs.slice(-40).join('\n') ?? ''}`,
  );
}

const httpOk = (url: string) => async () => (await fetch(url)).ok;
const AUTH_HEADERS = { authorization: `Bearer ${STACK_BOOTSTRAP_TOKEN}` };

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const db = await createTestDatabase();
  const redis = createTestRedis(opts.redisUrl ? { ...testServices(), redisUrl: opts.redisUrl } : undefined);
  const [apiPort, simPort] = await Promise.all([freePort(), freePort()]);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const simUrl = `http://127.0.0.1:${simPort}`;
  const processes: StackProcess[] = [];
  const common = { REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, LOG_LEVEL: 'warn' };
  let agentSeq = 0;
  const agentTokens = new Map<string, Promise<string>>();

  const stack: Stack = {
    apiUrl,
    token: STACK_BOOTSTRAP_TOKEN,
    authHeaders: AUTH_HEADERS,
    agentToken(pool = 'default') {
      let p = agentTokens.get(pool);
      if (!p) {
        p = (async () => {
          const res = await fetch(`${apiUrl}/agent-credentials`, {
            method: 'POST',
            headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
            body: JSON.stringify({ pool, name: `stack-${pool}` }),
          });
          if (!res.ok)
            throw new Error(`cannot create an agent credential: ${res.status} ${await res.text()}`);
          return ((await res.json()) as { token: string }).token;
        })();
        p.catch(() => agentTokens.delete(pool));
        agentTokens.set(pool, p);
      }
      return p;
    },
    simUrl,
    apiPort,
    db,
    redis,
    processes,
    async startApi() {
      const p = launch('api', 'apps/api/src/main.ts', {
        ...common,
        DATABASE_URL: db.url,
        API_HOST: '127.0.0.1',
        API_PORT: String(apiPort),
        SWEEP_INTERVAL_MS: '500',
        INFERBENCH_BOOTSTRAP_TOKEN: STACK_BOOTSTRAP_TOKEN,
        RATE_LIMIT_PER_MINUTE: '0',
        METRICS_PORT: '0',
        ...opts.apiEnv,
      });
      processes.push(p);
      await waitUntil('the API to be ready', p, 60_000, httpOk(`${apiUrl}/ready`));
      return p;
    },
    async startAgent(env = {}) {
      const id = `test-agent-${++agentSeq}`;
      const pool = env.AGENT_POOL ?? opts.agentEnv?.AGENT_POOL ?? 'default';
      const p = launch(id, 'apps/agent/src/main.ts', {
        ...common,
        AGENT_ID: id,
        AGENT_TOKEN: await stack.agentToken(pool),
        INFERBENCH_API_URL: apiUrl,
        AGENT_METRICS_PORT: '0',
        ...opts.agentEnv,
        ...env,
      });
      processes.push(p);
      await waitUntil(`agent ${id} to register`, p, 60_000, async () => {
        const r = await fetch(`${apiUrl}/agents`, { headers: AUTH_HEADERS });
        if (!r.ok) return false;
        const body = (await r.json()) as { items: { id: string; state: string }[] };
        return body.items.some((a) => a.id === id && a.state !== 'offline');
      });
      return p;
    },
    async kill(p, signal = 'SIGTERM') {
      const signalGroup = (sig: NodeJS.Signals) => {
        try {
          if (p.child.pid !== undefined) process.kill(-p.child.pid, sig);
        } catch {
          // the group is already gone
        }
      };
      // tsx relays SIGTERM/SIGINT to its child itself (a second copy would make the app skip its graceful
      // stop), so only SIGKILL goes to the whole group
      if (p.child.exitCode === null && p.child.signalCode === null) {
        if (signal === 'SIGKILL') signalGroup('SIGKILL');
        else p.child.kill(signal);
      }
      const t = setTimeout(() => signalGroup('SIGKILL'), 8_000);
      await p.exited;
      clearTimeout(t);
    },
    dumpLogs() {
      return processes.map((p) => `--- ${p.name} ---\n${p.logs.join('\n')}`).join('\n');
    },
    async stop() {
      await Promise.all(processes.map((p) => stack.kill(p)));
      await redis.cleanup().catch(() => undefined);
      await db.drop().catch(() => undefined);
    },
  };

  try {
    if (opts.sim !== false) {
      const sim = launch('sim', 'apps/sim/src/main.ts', {
        SIM_PORT: String(simPort),
        SIM_HOST: '127.0.0.1',
        SIM_SEED: String(opts.simSeed ?? 1),
      });
      processes.push(sim);
      await waitUntil('the simulator', sim, 60_000, httpOk(`${simUrl}/health`));
    }
    await stack.startApi();
    for (let i = 0; i < (opts.agents ?? 1); i++) await stack.startAgent();
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

/**
 * Connection quirks (issue 9, "Connections"). Servers that close kept-alive connections without saying so:
 * - `close-after-stream`: llama.cpp's llama-server. Answers `Keep-Alive: timeout=5, max=100`, yet closes the
 *   connection after every streamed (chunked) response; non-streamed responses keep it.
 * - `random-close`: closes each kept-alive connection after a random 1–5 responses.
 * - `none`: a well-behaved keep-alive server, for the keep-alive vs fresh-connection TTFT comparison.
 *
 * Per server and concurrency (closed loop, c = 1, 4, 256), four runs of the real engine and client:
 * - `before`: the client without stale-connection handling (internal option `staleConnectionRetry: false`):
 *   false errors (requests that failed on a reused connection the server had closed);
 * - `after`: the default client: false errors (must be 0), connection retries, whether it switched the origin to
 *   one connection per request, TTFT p50;
 * - `close`: `connection: 'close'` (a fresh connection per request): TTFT p50.
 * The quirk server runs in this process (loopback); TTFT = first chunk − sentUs (connection setup excluded).
 *
 * Run: npx tsx bench/connection-quirks.ts [requests=400]   (prints one JSON object; ~20 s)
 */
import os from 'node:os';
import { LimitsSchema, type ConnectionMode } from '@inferbench/contracts';
import {
  createTokenizer,
  OpenAiCompatibleClient,
  runLoadPoint,
  SystemClock,
  type Tokenizer,
} from '@inferbench/loadgen';
import { startQuirkServer, type QuirkServerOptions } from '@inferbench/loadgen/testing';
import { LoadPointAccumulator } from '@inferbench/metrics';

const REQUESTS = Number(process.argv[2] ?? 400);
const CONCURRENCY = [1, 4, 256];
const SERVERS: { name: string; opts: QuirkServerOptions }[] = [
  { name: 'close-after-stream', opts: { connectionQuirk: 'close-after-stream', ttftMs: 2, itlMs: 1 } },
  { name: 'random-close', opts: { connectionQuirk: 'random-close', ttftMs: 2, itlMs: 1, seed: 1 } },
  { name: 'none', opts: { ttftMs: 2, itlMs: 1 } },
];

interface PointFigures {
  requests: number;
  falseErrors: number;
  errorsByClass: Record<string, number>;
  connectionRetries: number;
  switched: boolean;
  ttftP50Ms: number | null;
  serverConnections: number;
}

const clock = new SystemClock();

async function point(
  serverOpts: QuirkServerOptions,
  c: number,
  tokenizer: Tokenizer,
  mode: { retry: boolean; connection: ConnectionMode },
): Promise<PointFigures> {
  const server = await startQuirkServer(serverOpts);
  const client = new OpenAiCompatibleClient({
    clock,
    maxConnections: c,
    staleConnectionRetry: mode.retry,
  });
  const acc = new LoadPointAccumulator({ timeSeries: false });
  const n = Math.max(REQUESTS, 4 * c);
  try {
    const result = await runLoadPoint(
      {
        target: {
          baseUrl: server.url,
          apiKind: 'chat',
          model: 'quirk',
          headers: {},
          ...(mode.connection === 'close' ? { connection: 'close' as const } : {}),
        },
        params: {},
        workload: {
          kind: 'synthetic',
          inputTokens: { kind: 'fixed', value: 16 },
          outputTokens: { kind: 'fixed', value: 8 },
        },
        load: { kind: 'concurrency', concurrency: c },
        requests: n,
        limits: LimitsSchema.parse({ maxDurationSec: 120 }),
        seed: 1,
      },
      { client, clock, tokenizer, signal: new AbortController().signal, onSample: (s) => acc.add(s) },
    );
    const s = acc.summary({ warnings: result.warnings });
    const ttft = s.latency.ttftMs;
    return {
      requests: n,
      falseErrors: s.requests.failed,
      errorsByClass: s.errorsByClass,
      connectionRetries: s.connectionRetries ?? 0,
      switched: s.warnings.some((w) => w.includes('switched to one connection per request')),
      ttftP50Ms: ttft && ttft.count > 0 ? Math.round(ttft.p50 * 1000) / 1000 : null,
      serverConnections: server.connections.accepted,
    };
  } finally {
    await client.close();
    await server.close();
  }
}

async function main(): Promise<void> {
  const tokenizer = await createTokenizer('whitespace');
  const startedAt = new Date().toISOString();
  const loadBefore = os.loadavg();
  const results: Record<string, unknown>[] = [];
  for (const srv of SERVERS) {
    for (const c of CONCURRENCY) {
      const before = await point(srv.opts, c, tokenizer, { retry: false, connection: 'keep-alive' });
      const after = await point(srv.opts, c, tokenizer, { retry: true, connection: 'keep-alive' });
      const close = await point(srv.opts, c, tokenizer, { retry: true, connection: 'close' });
      results.push({
        server: srv.name,
        concurrency: c,
        requests: after.requests,
        falseErrorsBefore: before.falseErrors,
        errorsBeforeByClass: before.errorsByClass,
        falseErrorsAfter: after.falseErrors,
        connectionRetriesAfter: after.connectionRetries,
        switchedToOnePerRequest: after.switched,
        ttftP50MsBefore: before.ttftP50Ms,
        ttftP50MsKeepAlive: after.ttftP50Ms,
        ttftP50MsFreshConnections: close.ttftP50Ms,
        serverConnections: {
          before: before.serverConnections,
          after: after.serverConnections,
          close: close.serverConnections,
        },
      });
      process.stderr.write(
        `${srv.name} c=${c}: before ${before.falseErrors} false errors, after ${after.falseErrors}\n`,
      );
    }
  }
  const cpus = os.cpus();
  console.log(
    JSON.stringify(
      {
        benchmark: 'connection-quirks',
        startedAt,
        machine: {
          cores: cpus.length,
          cpuModel: cpus[0]?.model.trim() ?? 'unknown',
          loadAverageBefore: loadBefore.map((x) => Math.round(x * 100) / 100),
          loadAverageAfter: os.loadavg().map((x) => Math.round(x * 100) / 100),
          node: process.version,
        },
        notes:
          'server in the same process as the client (loopback). ttftP50MsKeepAlive is the default client: on the quirk servers it switches to one connection per request once it sees the silent closes, so it approaches ttftP50MsFreshConnections; on `none` it keeps its connections.',
        results,
      },
      null,
      2,
    ),
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

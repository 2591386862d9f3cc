/**
 * B1' / B3' — one agent with worker threads (`runLoadPointParallel`, AGENT_WORKERS): chunks/s it sustains with 1, 2
 * and all workers, client CPU µs per chunk, and B3' client TTFT p99 at 512 streams.
 *
 * Server: bench/lib/client-fast-server.ts forked (a separate process; not pinned unless B1W_PIN=1 and `taskset`
 * exists, which puts the server on the last core). Client: the whole engine (prompts, samples, accumulators), closed
 * loop at `streams` concurrency for warm-up + measured seconds. Chunks/s = output chunks that arrived inside the
 * measured window (its first MEASURE_SEC − 1 whole seconds) ÷ its length. CPU per chunk = this process's CPU (main thread + every worker thread) over the
 * measured window (from the engine's ticks) ÷ the chunks in it. B3': client TTFT (first chunk − sentUs) p99 minus the server's own
 * time-to-first-write p99 (distributions, not matched per request; the server waits `ttftMs` before writing).
 *
 * Run: npx tsx bench/b1-workers.ts [measureSec=6]   (prints one JSON object)
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { chunkTimesUs, LimitsSchema, type RequestSample } from '@inferbench/contracts';
import { percentileOfSorted } from '@inferbench/metrics';
import {
  OpenAiCompatibleClient,
  runLoadPointParallel,
  SystemClock,
  WhitespaceTokenizer,
} from '@inferbench/loadgen';
import { machine, round, startFastServer, type FastServerProcess } from './lib/client-bench-common.js';

const MEASURE_SEC = Number(process.argv[2] ?? 6);
const WARMUP_SEC = 2;
const TTFT_MS = 10;

interface Step {
  streams: number;
  itlMs: number;
  workers: number;
}

async function runStep(server: FastServerProcess, s: Step): Promise<Record<string, unknown>> {
  await server.configure({
    ttftMs: TTFT_MS,
    itlMs: s.itlMs,
    tokens: 100,
    eventsPerWrite: 1,
    recordAllWrites: false,
  });
  const clock = new SystemClock();
  const client = new OpenAiCompatibleClient({ clock, maxConnections: s.streams });
  const samples: RequestSample[] = [];
  // CPU over the measured window only (ticks come once a second from the common start): worker start-up (tsx
  // compiling the engine in each thread) and warm-up are left out
  let cpuAt: NodeJS.CpuUsage | undefined;
  let cpuWin: NodeJS.CpuUsage | undefined;
  let wallAt = 0;
  let wallWinSec = 0;
  const result = await runLoadPointParallel(
    {
      target: { baseUrl: `http://127.0.0.1:${server.port}`, apiKind: 'chat', model: 'bench', headers: {} },
      params: { maxTokens: 1000 },
      workload: {
        kind: 'synthetic',
        inputTokens: { kind: 'fixed', value: 4 },
        outputTokens: { kind: 'fixed', value: 100 },
      },
      load: { kind: 'concurrency', concurrency: s.streams, rampUpSec: 0.5 },
      durationSec: MEASURE_SEC,
      warmup: { durationSec: WARMUP_SEC },
      limits: LimitsSchema.parse({ maxDurationSec: 120 }),
      seed: 1,
    },
    {
      client,
      clock,
      tokenizer: new WhitespaceTokenizer(),
      signal: new AbortController().signal,
      onSample: (x) => samples.push(x),
      onTick: (t) => {
        if (t.tSec === WARMUP_SEC) {
          cpuAt = process.cpuUsage();
          wallAt = performance.now();
        }
        // the last full second before the window's end (the engine stops ticking when the point ends)
        if (t.tSec === WARMUP_SEC + MEASURE_SEC - 1 && cpuAt) {
          cpuWin = process.cpuUsage(cpuAt);
          wallWinSec = (performance.now() - wallAt) / 1000;
        }
      },
      accumulator: {},
    },
    {
      workers: s.workers,
      client: { maxConnections: (l) => (l.kind === 'concurrency' ? l.concurrency : 1024) },
    },
  );
  const cpu = cpuWin ?? { user: NaN, system: NaN };
  const wallSec = wallWinSec;
  await client.close();
  const srvFig = await serverReport();
  let inWindow = 0;
  let all = 0;
  const ttfts: number[] = [];
  for (const x of samples) {
    const times = chunkTimesUs(x);
    all += times.length;
    for (const t of times) if (t >= WARMUP_SEC * 1e6 && t < (WARMUP_SEC + MEASURE_SEC - 1) * 1e6) inWindow++;
    if (!x.warmup && x.firstChunkUs !== undefined && x.errorClass === undefined)
      ttfts.push(x.firstChunkUs - x.sentUs);
  }
  ttfts.sort((a, b) => a - b);
  const ttftP99Ms = ttfts.length ? percentileOfSorted(ttfts, 99) / 1000 : undefined;
  return {
    ...s,
    workersUsed: result.workers?.count ?? 1,
    offeredChunksPerSec: Math.round((s.streams * 1000) / s.itlMs),
    chunksPerSec: Math.round(inWindow / (MEASURE_SEC - 1)),
    cpuUsPerChunk: round((cpu.user + cpu.system) / Math.max(1, inWindow), 2),
    chunksAll: all,
    processCores: round((cpu.user + cpu.system) / 1e6 / wallSec, 2),
    errors: samples.filter((x) => x.errorClass !== undefined && x.errorClass !== 'cancelled').length,
    ttftP50Ms: ttfts.length ? round(percentileOfSorted(ttfts, 50) / 1000, 2) : undefined,
    ttftP99Ms: ttftP99Ms !== undefined ? round(ttftP99Ms, 2) : undefined,
    serverTtfwP99Ms: srvFig.ttfwP99Ms,
    clientAddedTtftP99Ms:
      ttftP99Ms !== undefined && srvFig.ttfwP99Ms !== undefined
        ? round(ttftP99Ms - srvFig.ttfwP99Ms, 2)
        : undefined,
    serverCores: srvFig.cores,
    startSkewUs: result.workers ? Math.round(result.workers.startSkewUs) : 0,
    workerLoopLagP99Ms: result.workers?.parts.map((p) => round(p.selfCheck.loopLagP99Ms ?? 0, 1)),
    workerBusyPct: result.workers?.parts.map((p) => round(p.selfCheck.cpuPct ?? 0, 0)),
    warnings: result.warnings.length,
  };

  async function serverReport(): Promise<{ ttfwP99Ms?: number; cores: number }> {
    const r = await server.report();
    const ttfw = r.records.map((x) => x.ttfwUs).sort((a, b) => a - b);
    return {
      ...(ttfw.length ? { ttfwP99Ms: round(percentileOfSorted(ttfw, 99) / 1000, 2) } : {}),
      cores: round(r.cpuUs / 1e6 / wallSec, 2),
    };
  }
}

let srv: FastServerProcess;

async function main(): Promise<void> {
  const n = cpus().length;
  srv = await startFastServer();
  let pinned = 'no (server and client share every core)';
  if (process.env.B1W_PIN === '1') {
    try {
      const pid = execFileSync('pgrep', ['-n', '-f', 'client-fast-server']).toString().trim();
      execFileSync('taskset', ['-a', '-p', '-c', String(n - 1), pid]);
      pinned = `server on core ${n - 1} (taskset); client unpinned`;
    } catch (err) {
      pinned = `pinning failed: ${(err as Error).message}`;
    }
  }
  const load0 = machine();
  const workerSteps = [...new Set([1, 2, n])];
  const steps: Step[] = [
    ...workerSteps.map((workers) => ({ streams: 500, itlMs: 10, workers })),
    ...workerSteps.map((workers) => ({ streams: 1000, itlMs: 10, workers })),
    // B3': client-added TTFT at 512 streams
    ...workerSteps.map((workers) => ({ streams: 512, itlMs: 20, workers })),
  ];
  const rows: Record<string, unknown>[] = [];
  for (const s of steps) rows.push(await runStep(srv, s));
  await srv.stop();
  const best = (streams: number, w: number): number =>
    Number(rows.find((r) => r.streams === streams && r.workers === w)?.chunksPerSec ?? 0);
  const speedup2 = round(best(1000, 2) / Math.max(1, best(1000, 1)), 2);
  const b3 = rows.filter((r) => r.streams === 512);
  console.log(
    JSON.stringify(
      {
        bench: "B1'/B3' agent worker threads",
        targets: { speedup2Workers: 1.8, chunksPerSecPerHost: 100_000, b3ClientAddedTtftP99Ms: 2 },
        figures: {
          chunksPerSec1000Streams: Object.fromEntries(workerSteps.map((w) => [`workers${w}`, best(1000, w)])),
          speedup2Workers: speedup2,
          b3ClientAddedTtftP99Ms: Object.fromEntries(
            b3.map((r) => [`workers${r.workers}`, r.clientAddedTtftP99Ms]),
          ),
        },
        server: { process: 'forked child (bench/lib/client-fast-server.ts)', pinned },
        rows,
        machineBefore: load0,
        machineAfter: machine(),
      },
      null,
      1,
    ),
  );
}

void main();

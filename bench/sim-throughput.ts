/**
 * Throughput benchmark of the simulator's token emission.
 *
 *   npx tsx bench/sim-throughput.ts            (from the repo root)
 *   BENCH_CONCURRENCY=256 BENCH_MAX_TOKENS=512 BENCH_SECONDS=8 npx tsx bench/sim-throughput.ts
 *
 * This process runs the sim (`sim-fast` profile); a child process (same file, `--client`) keeps
 * BENCH_CONCURRENCY streams of BENCH_MAX_TOKENS tokens open over keep-alive node:http
 * connections and counts SSE events. After a 1 s warm-up the parent measures, over the
 * window, the tokens the sim wrote and the sim process's CPU time (process.cpuUsage), and
 * prints one JSON object. The figure is tokens per CPU-second of the sim process, i.e. tokens/s
 * on one fully used core; the wall-clock rate is reported next to it.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { startSim } from '@inferbench/sim';

const TARGET_TOKENS_PER_CPU_S = 200_000;
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 256);
const maxTokens = Number(process.env.BENCH_MAX_TOKENS ?? 512);
const measureS = Number(process.env.BENCH_SECONDS ?? 8);
const warmupS = 1;

if (process.argv[2] === '--client') await runClient(process.argv[3]!);
else await runParent();

async function runParent(): Promise<void> {
  const sim = await startSim({ port: 0, seed: 1, models: ['sim-fast'] });
  const child = fork(fileURLToPath(import.meta.url), ['--client', sim.url], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const clientReport = new Promise<{ events: number; requests: number; errors: number }>((resolve) =>
    child.on('message', (m) => resolve(m as { events: number; requests: number; errors: number })),
  );
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  await sleep(warmupS * 1000);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const tokens0 = sim.stats().tokensEmitted;
  const load0 = os.loadavg()[0]!;
  await sleep(measureS * 1000);
  const cpu = process.cpuUsage(cpu0);
  const wallS = (performance.now() - t0) / 1000;
  const stats = sim.stats();
  const tokens = stats.tokensEmitted - tokens0;
  child.send('stop');
  const client = await Promise.race([clientReport, sleep(3000).then(() => null)]);
  child.kill();
  await sim.close();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const perCpuS = tokens / cpuS;
  const result = {
    figure: Math.round(perCpuS),
    unit: 'output tokens per CPU-second of the sim process (= tokens/s on one fully used core)',
    target: TARGET_TOKENS_PER_CPU_S,
    met: perCpuS >= TARGET_TOKENS_PER_CPU_S,
    wallTokensPerS: Math.round(tokens / wallS),
    simCpuUtilization: Number((cpuS / wallS).toFixed(3)),
    tokens,
    durationS: Number(wallS.toFixed(2)),
    simCpuS: Number(cpuS.toFixed(2)),
    schedulerLagMs: {
      last: round(stats.lag.lastMs),
      max: round(stats.lag.maxMs),
      mean: round(stats.lag.meanMs),
    },
    load: {
      concurrency,
      maxTokens,
      profile: 'sim-fast',
      clientEventsTotal: client?.events ?? null,
      clientRequests: client?.requests ?? null,
      clientErrors: client?.errors ?? null,
    },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAvg1mAtStart: round(load0),
      loadAvg1mAtEnd: round(os.loadavg()[0]!),
    },
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  process.exit(0);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Child: closed loop of `concurrency` streams; counts SSE events (no JSON parsing). */
async function runClient(url: string): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL('/v1/completions', url);
  const body = JSON.stringify({
    model: 'sim-fast',
    prompt: 'benchmark prompt of a few words',
    max_tokens: maxTokens,
    ignore_eos: true,
    stream: true,
  });
  let events = 0;
  let requests = 0;
  let errors = 0;
  let isStopping = false;
  const NL = 10;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const req = http.request(
        target,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let prevWasNl = false;
          res.on('data', (chunk: Buffer) => {
            // count "\n\n" event separators, carrying state across chunk boundaries
            let i = chunk.indexOf(NL);
            if (prevWasNl && i === 0) events++;
            while (i >= 0) {
              if (chunk[i + 1] === NL) {
                events++;
                i = chunk.indexOf(NL, i + 2);
              } else i = chunk.indexOf(NL, i + 1);
            }
            prevWasNl = chunk[chunk.length - 1] === NL;
          });
          res.on('end', () => {
            requests++;
            resolve();
          });
          res.on('error', () => {
            errors++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const loop = async (): Promise<void> => {
    while (!isStopping) await one();
  };
  process.on('message', () => {
    isStopping = true;
    process.send?.({ events, requests, errors });
    setTimeout(() => process.exit(0), 50);
  });
  await Promise.all(Array.from({ length: concurrency }, loop));
}

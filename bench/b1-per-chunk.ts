/**
 * B1 per chunk — client CPU per streamed chunk, JSON.parse path vs the fast chunk reader (issue 14 item 2).
 *
 * Same set-up as B1 (bench/lib/client-fast-server.ts in a forked process, so the server's CPU is not counted;
 * closed-loop streams; every SSE event in its own server write unless `eventsPerWrite` says otherwise).
 * clientCpuUsPerChunk = this process's CPU time (user + system, process.cpuUsage) over the measured window ÷
 * output chunks received in it. Three clients per step, interleaved and repeated: the inferbench client with
 * `fastChunkParse: false` (every chunk through JSON.parse: the path before this change), with the fast path
 * (default), and a bare node:http reader (split on "\n\n", JSON.parse per event) as Node's own floor.
 *
 * Run: npx tsx bench/b1-per-chunk.ts [reps=2]   (prints one JSON object; ~1.5 minutes)
 */
import {
  chunksInWindow,
  machine,
  round,
  runBareReader,
  runInferbenchClient,
  startFastServer,
  type RunResult,
} from './lib/client-bench-common.js';

type Kind = 'full-parse' | 'fast' | 'bare-node';
const STEPS = [
  { streams: 500, itlMs: 10, eventsPerWrite: 1 },
  { streams: 250, itlMs: 40, eventsPerWrite: 4 },
];
const KINDS: Kind[] = ['full-parse', 'fast', 'bare-node'];
const TARGET_US_PER_CHUNK = 8;
const reps = Number(process.argv[2] ?? 2);

async function main(): Promise<void> {
  const machineBefore = machine();
  const server = await startFastServer();
  const runs: Record<string, unknown>[] = [];
  const t0 = performance.now();
  try {
    for (const step of STEPS) {
      for (let rep = 0; rep < reps; rep++) {
        for (const kind of KINDS) {
          await server.configure({
            ttftMs: 10,
            itlMs: step.itlMs,
            tokens: 100,
            eventsPerWrite: step.eventsPerWrite,
            recordAllWrites: false,
          });
          const opts = {
            port: server.port,
            streams: step.streams,
            rampMs: 1_000,
            warmupMs: 2_000,
            measureMs: 5_000,
          };
          const run: RunResult =
            kind === 'bare-node'
              ? await runBareReader(opts)
              : await runInferbenchClient(opts, { fastChunkParse: kind === 'fast' });
          const rep2 = await server.report();
          const windowS = (run.windowEndUs - run.windowStartUs) / 1e6;
          const chunks = chunksInWindow(run);
          runs.push({
            client: kind,
            ...step,
            rep,
            chunksPerS: Math.round(chunks / windowS),
            clientCpuUsPerChunk: round(run.clientCpuUs / Math.max(1, chunks), 2),
            clientUserUsPerChunk: round((run.clientCpuUs - run.clientSystemCpuUs) / Math.max(1, chunks), 2),
            clientSystemUsPerChunk: round(run.clientSystemCpuUs / Math.max(1, chunks), 2),
            clientCpuCores: round(run.clientCpuUs / 1e6 / windowS, 2),
            serverWritesPerS: Math.round(rep2.writes / (windowS + 2)),
            loadavg1m: machine().loadavg,
          });
        }
      }
    }
  } finally {
    await server.stop();
  }
  // per step and client: the median over repetitions (medians are robust to one disturbed run on a shared machine)
  const med = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const summary: Record<string, Record<string, { clientCpuUsPerChunk: number; chunksPerS: number }>> = {};
  for (const step of STEPS) {
    const key = `${step.streams}x${1000 / step.itlMs}ev/s,${step.eventsPerWrite}/write`;
    summary[key] = {};
    for (const kind of KINDS) {
      const rs = runs.filter(
        (r) => r.client === kind && r.streams === step.streams && r.eventsPerWrite === step.eventsPerWrite,
      );
      summary[key][kind] = {
        clientCpuUsPerChunk: round(med(rs.map((r) => r.clientCpuUsPerChunk as number)), 2),
        chunksPerS: Math.round(med(rs.map((r) => r.chunksPerS as number))),
      };
    }
  }
  const first = Object.values(summary)[0]!;
  console.log(
    JSON.stringify(
      {
        benchmark: 'B1 per chunk',
        definition:
          'client process CPU (user+system) in a 5 s window ÷ output chunks received in it; server forked (its CPU not counted); medians over reps',
        target: { clientCpuUsPerChunk: TARGET_US_PER_CHUNK },
        result: {
          before: first['full-parse'],
          after: first.fast,
          bareNodeReader: first['bare-node'],
        },
        met: first.fast!.clientCpuUsPerChunk <= TARGET_US_PER_CHUNK,
        summary,
        runs,
        machine: { before: machineBefore, after: machine() },
        durationS: round((performance.now() - t0) / 1000, 1),
      },
      null,
      2,
    ),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

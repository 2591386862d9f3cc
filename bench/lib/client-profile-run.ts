/** Profiling harness (not a benchmark): one B1-style step, for `node --cpu-prof`. Usage: npx tsx bench/lib/client-profile-run.ts [streams] [itlMs] [bare] */
import {
  runBareReader,
  runInferbenchClient,
  startFastServer,
  chunksInWindow,
} from './client-bench-common.js';

const streams = Number(process.argv[2] ?? 500);
const itlMs = Number(process.argv[3] ?? 10);
const bare = process.argv[4] === 'bare';
const server = await startFastServer();
await server.configure({ ttftMs: 10, itlMs, tokens: 100, eventsPerWrite: 1, recordAllWrites: false });
const opts = { port: server.port, streams, rampMs: 1000, warmupMs: 1500, measureMs: 5000 };
const tc = performance.now();
const r = bare ? await runBareReader(opts) : await runInferbenchClient(opts);
const rep = await server.report();
const serverCores = rep.cpuUs / 1e3 / (performance.now() - tc);
const w = (r.windowEndUs - r.windowStartUs) / 1e6;
console.log(
  JSON.stringify({
    chunksPerS: Math.round(chunksInWindow(r) / w),
    cpuCores: r.clientCpuUs / 1e6 / w,
    cpuUsPerChunk: r.clientCpuUs / chunksInWindow(r),
    systemShare: r.clientSystemCpuUs / r.clientCpuUs,
    serverCores,
    serverWritesPerS: rep.writes / ((performance.now() - tc) / 1000),
  }),
);
await server.stop();

/**
 * B3 — timing fidelity. How far are the client's TTFT and ITL from the server's own write times?
 *
 * Server: bench/lib/client-fast-server.ts in a forked process, recording every write as an offset from
 * when the request was fully received (its own performance.now()). Client: OpenAiCompatibleClient here.
 * - TTFT overhead = client TTFT (first chunk − sentUs) − server time-to-first-write. ≥ 0 in principle;
 *   contains two loopback hops and any scheduling delay of either process.
 * - ITL error = client gap between chunks k−1 and k − server gap between the same writes. Signed: a late
 *   read followed by an on-time one gives +x then −x; |error| percentiles are reported.
 * Durations only: the two processes' clocks never need aligning.
 * A bare node:http reader (split on "\n\n", one timestamp per 'data' event) runs the same levels: what no
 * Node client can beat on this machine, so the gap between the two is what the inferbench client adds.
 *
 * Run: npx tsx bench/b3-fidelity.ts   (prints one JSON object; ~1 minute)
 */
import { percentileOfSorted } from '@inferbench/metrics';
import {
  machine,
  round,
  runBareReader,
  runInferbenchClient,
  startFastServer,
  ttftOverheadsUs,
} from './lib/client-bench-common.js';

const LEVELS = [1, 64, 512];
const TOKENS = 25;
const ITL_MS = 20;
const TTFT_MS = 10;
const TARGET_P99_MS = 1;

const ms = (us: number): number => round(us / 1000, 3);

async function main(): Promise<void> {
  const machineBefore = machine();
  const t0 = performance.now();
  const server = await startFastServer();
  const levels: Record<string, unknown>[] = [];
  try {
    for (const streams of LEVELS) {
      for (const kind of ['inferbench', 'bare-node'] as const) {
        await server.configure({
          ttftMs: TTFT_MS,
          itlMs: ITL_MS,
          tokens: TOKENS,
          eventsPerWrite: 1,
          recordAllWrites: true,
        });
        const opts = {
          port: server.port,
          streams,
          rampMs: Math.min(1_000, streams * 2),
          warmupMs: 1_500,
          measureMs: streams === 1 ? 8_000 : 6_000,
        };
        const run = kind === 'inferbench' ? await runInferbenchClient(opts) : await runBareReader(opts);
        const rep = await server.report();
        const byId = new Map(rep.records.map((r) => [r.id, r]));
        const ttft = ttftOverheadsUs(run, byId);
        const itlAbs: number[] = [];
        const itlSigned: number[] = [];
        for (const s of run.results) {
          if (!s.ok || s.sentUs < run.windowStartUs || s.sentUs >= run.windowEndUs) continue;
          const w = byId.get(s.id)?.writeOffsetsUs;
          if (!w || w.length !== s.chunkTimesUs.length) continue;
          for (let k = 1; k < w.length; k++) {
            const d = s.chunkTimesUs[k]! - s.chunkTimesUs[k - 1]! - (w[k]! - w[k - 1]!);
            itlSigned.push(d);
            itlAbs.push(Math.abs(d));
          }
        }
        itlAbs.sort((a, b) => a - b);
        itlSigned.sort((a, b) => a - b);
        const ttftP99 = percentileOfSorted(ttft, 99);
        const itlP99 = percentileOfSorted(itlAbs, 99);
        levels.push({
          client: kind,
          concurrentStreams: streams,
          chunksPerS: Math.round(streams * (1000 / ITL_MS)),
          ttftOverheadMs: {
            n: ttft.length,
            p50: ms(percentileOfSorted(ttft, 50)),
            p99: ms(ttftP99),
            max: ms(percentileOfSorted(ttft, 100)),
          },
          itlAbsErrorMs: {
            n: itlAbs.length,
            p50: ms(percentileOfSorted(itlAbs, 50)),
            p99: ms(itlP99),
            max: ms(percentileOfSorted(itlAbs, 100)),
          },
          itlSignedErrorMs: {
            p1: ms(percentileOfSorted(itlSigned, 1)),
            p50: ms(percentileOfSorted(itlSigned, 50)),
            p99: ms(percentileOfSorted(itlSigned, 99)),
          },
          clientLoopDelayP99Ms: round(run.loopDelayP99Ms, 2),
          met: ttftP99 <= TARGET_P99_MS * 1000 && itlP99 <= TARGET_P99_MS * 1000,
          loadavg: machine().loadavg,
        });
      }
    }
  } finally {
    await server.stop();
  }
  const at512 = levels.find((l) => l.concurrentStreams === 512 && l.client === 'inferbench');
  console.log(
    JSON.stringify(
      {
        benchmark: 'B3 fidelity',
        definition: `client TTFT − server time-to-first-write, and client inter-chunk gaps − server write gaps; forked server, ${TOKENS} chunks/stream at ${ITL_MS} ms, TTFT ${TTFT_MS} ms, closed loop`,
        target: { p99Ms: TARGET_P99_MS, at: 512 },
        met: at512?.met === true,
        levels,
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

/**
 * Eval throughput of one agent (issue 11 item 5): scored items per second the agent's eval processor sustains
 * against the simulator at concurrency 64, generation ≤ 16 tokens. Target: ≥ 2,000 items/s.
 *
 *   npx tsx bench/evals-throughput.ts            (from the repo root)
 *   BENCH_CONCURRENCY=64 BENCH_SECONDS=10 npx tsx bench/evals-throughput.ts
 *
 * This process runs the simulator (`sim-fast` profile: near-zero modelled delays, answer key on, so the items are
 * recognised and answered like a model would); a child process (same file, `--agent`) runs the agent's
 * `EvalProcessor` (the code behind the `eval.execute` job: undici `ModelCall`, `runTask`, scoring, wire records with
 * prompts and cache keys, request accumulator) on the built-in `mini` suite's generate tasks with `maxTokens`
 * capped at 16, job after job, for BENCH_SECONDS. Events are JSON-serialised as the ingest sink would, but not sent
 * to Redis (the API's ingest is measured by bench/ingest.ts). The figure is items/s over the measured window
 * (after one warm-up job); requests/s is reported next to it (CircularEval items send one request per option).
 * Prints one JSON object with machine conditions. Both processes share this machine's cores.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { AgentEvent, EvalJobInput, EvalSuite } from '@inferbench/contracts';
import { loadBuiltinSuite } from '@inferbench/evals';
import { startSim } from '@inferbench/sim';

const TARGET_ITEMS_PER_S = 2000;
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const measureS = Number(process.env.BENCH_SECONDS ?? 10);
const MAX_TOKENS = 16;

interface AgentReport {
  items: number;
  requests: number;
  seconds: number;
  jobs: number;
  statuses: string[];
  eventBytes: number;
  agentCpuS: number;
}

if (process.argv[2] === '--agent') await runAgent(process.argv[3]!);
else await runParent();

async function runParent(): Promise<void> {
  const sim = await startSim({ port: 0, seed: 1, models: ['sim-fast'] });
  const child = fork(fileURLToPath(import.meta.url), ['--agent', sim.url], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const cpu0 = process.cpuUsage();
  const report = await new Promise<AgentReport>((resolve, reject) => {
    child.on('message', (m) => resolve(m as AgentReport));
    child.on('exit', (code) => reject(new Error(`agent process exited with ${code}`)));
  });
  const simCpu = process.cpuUsage(cpu0);
  const stats = sim.stats();
  await sim.close();
  const itemsPerS = report.items / report.seconds;
  const load = os.loadavg();
  console.log(
    JSON.stringify(
      {
        bench: 'evals-throughput',
        figure: 'scored eval items per second, one agent, against the simulator',
        itemsPerSecond: Math.round(itemsPerS),
        requestsPerSecond: Math.round(report.requests / report.seconds),
        target: TARGET_ITEMS_PER_S,
        meetsTarget: itemsPerS >= TARGET_ITEMS_PER_S,
        settings: { concurrency, maxTokens: MAX_TOKENS, measureSeconds: report.seconds, profile: 'sim-fast' },
        measured: {
          items: report.items,
          requests: report.requests,
          jobs: report.jobs,
          jobStatuses: [...new Set(report.statuses)],
          eventMegabytes: Math.round(report.eventBytes / 1e5) / 10,
          agentCpuSeconds: Math.round(report.agentCpuS * 100) / 100,
          simCpuSeconds: Math.round(((simCpu.user + simCpu.system) / 1e6) * 100) / 100,
          simRequestsReceived: stats.requestsReceived,
          simRequestsRejected: stats.requestsRejected,
        },
        machine: {
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model ?? 'unknown',
          node: process.version,
          loadavg: load.map((l) => Math.round(l * 100) / 100),
          note: 'agent and simulator share these cores (two processes)',
        },
      },
      null,
      2,
    ),
  );
  process.exit(0);
}

async function runAgent(simUrl: string): Promise<void> {
  const { EvalProcessor } = await import('@inferbench/agent');
  const mini = await loadBuiltinSuite('mini');
  // generate tasks only (a throughput figure of generation, ≤ 16 tokens each)
  const suite: EvalSuite = {
    name: 'bench',
    tasks: mini.tasks
      .filter((t) => t.scoring.mode === 'generate' || t.scoring.mode === 'assert')
      .map((t) => ({
        ...t,
        generation: { ...t.generation, maxTokens: Math.min(MAX_TOKENS, t.generation.maxTokens) },
      })),
  };
  let eventBytes = 0;
  let items = 0;
  let requests = 0;
  const noopLogger = {
    debug() {},
    info() {},
    warn() {},
    error() {},
    child() {
      return noopLogger;
    },
  };
  const processor = new EvalProcessor({
    agentId: 'bench',
    send: async (event: AgentEvent) => {
      eventBytes += JSON.stringify(event).length;
      if (event.type === 'eval.records') {
        items += event.records.length;
        for (const r of event.records) requests += r.samples.length;
      }
    },
    cancels: { register: () => () => undefined } as never,
    isRunCancelled: async () => false,
    logger: noopLogger,
    flushIntervalMs: 1000,
  });
  const job = (n: number): EvalJobInput => ({
    v: 1,
    runId: 'bench-run',
    workItemId: `bench-${n}`,
    variantId: 'v',
    variantLabel: 'fast',
    target: { baseUrl: `${simUrl}/v1`, apiKind: 'chat', model: 'sim-fast' },
    targetKey: 'bench-target',
    suite,
    concurrency,
    seed: 1,
    storePrompts: process.env.BENCH_STORE_PROMPTS !== '0',
  });
  await processor.process(job(0)); // warm-up: JIT, connections, dataset parsing
  items = 0;
  requests = 0;
  eventBytes = 0;
  const statuses: string[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 1;
  while (performance.now() - t0 < measureS * 1000) statuses.push((await processor.process(job(n++))).status);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.send!({
    items,
    requests,
    seconds,
    jobs: n - 1,
    statuses,
    eventBytes,
    agentCpuS: (cpu.user + cpu.system) / 1e6,
  } satisfies AgentReport);
  process.exit(0);
}

/**
 * Scores of the built-in eval suites (`mini`, `mini-likelihood`) on every simulator profile whose answers differ
 * (the answer key: apps/sim/README.md "Answer key"). Starts the simulator in this process, runs every task with
 * evals' `runTask` over HTTP (a fetch ModelCall, BENCH_CONCURRENCY items in flight per task, default 16; the
 * profiles run side by side, each on its own engine) and prints one JSON object: per profile and task the primary
 * score, accuracy with its Wilson 95 % interval, parse-failure rate, EM / F1 / BLEU / ROUGE-L where the task
 * defines them, the suite scores (mean of tasks and item-weighted), and the paired comparison sim-fp16 →
 * sim-int4-awq per task (McNemar p, flips). Target < 60 s.
 *
 *   npx tsx bench/evals-profile-scores.ts            (from the repo root)
 *
 * Profiles are grouped by the fields that decide the answers (accuracy, accuracySeed, unparseableShare,
 * reasoningTokens, logprobs, echo); one profile of each group is run and the others are listed as `sameAnswersAs`.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { EvalItem, EvalTaskSpec } from '@inferbench/contracts';
import {
  BUILTIN_SUITES,
  ENDPOINT_PATHS,
  PreparedTask,
  aggregateTask,
  comparePaired,
  correctnessById,
  loadBuiltinSuite,
  loadDataset,
  runTask,
  suiteScore,
  type EvalItemRecord,
  type ModelCall,
  type TaskSummary,
} from '@inferbench/evals';
import { PROFILE_REGISTRY, resolveProfiles, startSim, type SimProfile } from '@inferbench/sim';

const TARGET_MS = 60_000;
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
/** representatives, in this order, when a group holds one of them */
const PREFERRED = [
  'sim-fp16',
  'sim-fp8',
  'sim-int4-awq',
  'llama-3.1-70b-h100-tp4',
  'sim-fast',
  'sim-reasoning',
];
const BASELINE = 'sim-fp16';
const CANDIDATE = 'sim-int4-awq';

/** The profile fields that decide what a recognised eval item is answered. */
const answerKey = (p: SimProfile): string =>
  JSON.stringify([p.accuracy, p.accuracySeed, p.unparseableShare, p.reasoningTokens, p.logprobs, p.echo]);

const resolved = resolveProfiles();
const groups = new Map<string, string[]>();
for (const name of Object.keys(PROFILE_REGISTRY)) {
  const k = answerKey(resolved.get(name)!);
  groups.set(k, [...(groups.get(k) ?? []), name]);
}
const rank = (n: string): number => (PREFERRED.includes(n) ? PREFERRED.indexOf(n) : PREFERRED.length);
const runs = [...groups.values()]
  .map((names) => {
    const sorted = [...names].sort((a, b) => rank(a) - rank(b));
    return { profile: sorted[0]!, sameAnswersAs: sorted.slice(1) };
  })
  .sort((a, b) => rank(a.profile) - rank(b.profile));

interface LoadedTask {
  suite: string;
  spec: EvalTaskSpec;
  task: PreparedTask;
  items: EvalItem[];
}
const tasks: LoadedTask[] = [];
for (const suite of BUILTIN_SUITES) {
  for (const spec of (await loadBuiltinSuite(suite)).tasks) {
    const { items, train } = await loadDataset(spec.dataset);
    tasks.push({ suite, spec, task: new PreparedTask(spec, train), items });
  }
}

const sim = await startSim({ port: 0, seed: 1, models: runs.map((r) => r.profile) });

const call: ModelCall = async (req) => {
  const t0 = performance.now();
  try {
    const res = await fetch(sim.url + ENDPOINT_PATHS[req.endpoint], {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(req.body),
    });
    const text = await res.text();
    const latencyMs = performance.now() - t0;
    if (!res.ok)
      return { status: res.status, body: null, latencyMs, error: `http ${res.status} ${text.slice(0, 200)}` };
    return { status: res.status, body: JSON.parse(text), latencyMs };
  } catch (err) {
    return {
      status: 0,
      body: null,
      latencyMs: performance.now() - t0,
      error: `connect: ${(err as Error).message}`,
    };
  }
};

const r4 = (x: number): number => Number(x.toFixed(4));
const r2 = (x: number): number => Number(x.toFixed(2));

const t0 = performance.now();
const load0 = os.loadavg();
const results = await Promise.all(
  runs.map(async ({ profile }) => {
    const started = performance.now();
    const records = new Map<string, EvalItemRecord[]>();
    const summaries = new Map<string, TaskSummary>();
    for (const t of tasks) {
      const recs = await runTask(t.task, t.items, call, { model: profile, concurrency });
      records.set(t.spec.id, recs);
      summaries.set(t.spec.id, aggregateTask(t.spec, recs, { bootstrapIterations: 1000, seed: 1 }));
    }
    return { profile, records, summaries, ms: performance.now() - started };
  }),
);
const wallMs = performance.now() - t0;
await sim.close();

const taskFigures = (s: TaskSummary): Record<string, unknown> => ({
  n: s.n,
  primaryMetric: s.primaryMetric,
  score: r4(s.score),
  accuracy: r4(s.accuracy.value),
  wilson95: [r4(s.accuracy.wilson95.lower), r4(s.accuracy.wilson95.upper)],
  parseFailureRate: r4(s.parseFailureRate),
  ...(s.exactMatch !== undefined ? { exactMatch: r4(s.exactMatch) } : {}),
  ...(s.f1 !== undefined ? { f1: r4(s.f1) } : {}),
  ...(s.bleu ? { bleu: r2(s.bleu.score), bleuBp: r4(s.bleu.bp) } : {}),
  ...(s.rougeL !== undefined ? { rougeL: r4(s.rougeL) } : {}),
  ...(s.classification ? { macroF1: r4(s.classification.macro.f1) } : {}),
  ...(s.acc !== undefined ? { acc: r4(s.acc), accNorm: r4(s.accNorm ?? 0) } : {}),
  ...(s.assertPassRate !== undefined ? { assertPassRate: r4(s.assertPassRate) } : {}),
  errors: s.errors,
});

const profiles = results.map(({ profile, summaries, ms }) => {
  const p = resolved.get(profile)!;
  const suites: Record<string, { meanOfTasks: number; itemWeighted: number }> = {};
  for (const suite of BUILTIN_SUITES) {
    const s = suiteScore(tasks.filter((t) => t.suite === suite).map((t) => summaries.get(t.spec.id)!));
    suites[suite] = { meanOfTasks: r4(s.meanOfTasks), itemWeighted: r4(s.itemWeighted) };
  }
  return {
    profile,
    sameAnswersAs: runs.find((r) => r.profile === profile)!.sameAnswersAs,
    accuracy: p.accuracy,
    accuracySeed: p.accuracySeed,
    reasoningTokens: p.reasoningTokens,
    runMs: Math.round(ms),
    suites,
    tasks: Object.fromEntries(tasks.map((t) => [t.spec.id, taskFigures(summaries.get(t.spec.id)!)])),
  };
});

const base = results.find((r) => r.profile === BASELINE);
const cand = results.find((r) => r.profile === CANDIDATE);
const paired =
  base && cand
    ? {
        baseline: BASELINE,
        candidate: CANDIDATE,
        tasks: Object.fromEntries(
          tasks.map((t) => {
            const c = comparePaired(
              correctnessById(base.records.get(t.spec.id)!),
              correctnessById(cand.records.get(t.spec.id)!),
            );
            return [
              t.spec.id,
              {
                n: c.n,
                baselineAccuracy: r4(c.baselineAccuracy),
                candidateAccuracy: r4(c.candidateAccuracy),
                difference: r4(c.difference.estimate),
                differenceCi95: [r4(c.difference.lower), r4(c.difference.upper)],
                mcnemarP: r4(c.mcnemar.pValue),
                mcnemarMethod: c.mcnemar.method,
                significant: c.significant,
                flipsRightToWrong: c.flips.rightToWrong.length,
                flipsWrongToRight: c.flips.wrongToRight.length,
                flippedItems: { rightToWrong: c.flips.rightToWrong, wrongToRight: c.flips.wrongToRight },
              },
            ];
          }),
        ),
      }
    : null;

const errors = profiles.reduce(
  (a, p) => a + Object.values(p.tasks).reduce((b, t) => b + (t.errors as number), 0),
  0,
);
console.log(
  JSON.stringify(
    {
      benchmark: 'evals-profile-scores',
      figure: { wallMs: Math.round(wallMs), profiles: profiles.length, tasks: tasks.length, errors },
      target: `< ${TARGET_MS} ms for every distinct profile × both built-in suites, no request errors`,
      met: wallMs < TARGET_MS && errors === 0,
      concurrency,
      profiles,
      paired,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        loadavg: { start: load0, end: os.loadavg() },
        node: process.version,
        platform: process.platform,
      },
    },
    null,
    2,
  ),
);

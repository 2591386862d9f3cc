/**
 * How many tokens the server counts for a "N-token" synthetic prompt, with the old default tokenizer (o200k_base for
 * every model) and with `auto` (the server's own, via its tokenize endpoint), against the simulator's
 * `sim-llama-chat` profile (its own tokenizer: a word of L characters is ceil(L/4) tokens; a Llama-3-shaped chat
 * template of 5 + 5 tokens). Also the client-side cost: setting the tokenizer up (once per target), building a
 * prompt, and counting an output text (the hot-path operations), per tokenizer.
 *
 * Run: npx tsx bench/tokenizer-lengths.ts [tokens=128] [prompts=50]
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  createTokenizer,
  createWorkload,
  resolveTargetTokenizer,
  type Tokenizer,
  type WorkloadSource,
} from '@inferbench/loadgen';
import { startSim, type SimServer } from '@inferbench/sim';

const N = Number(process.argv[2] ?? 128);
const PROMPTS = Number(process.argv[3] ?? 50);
const MODEL = 'sim-llama-chat';

async function serverInput(sim: SimServer, content: string): Promise<number> {
  const res = await fetch(`${sim.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content }], max_tokens: 1 }),
  });
  const j = (await res.json()) as { usage: { prompt_tokens: number } };
  return j.usage.prompt_tokens;
}

function stats(xs: number[]): { min: number; mean: number; max: number } {
  return {
    min: Math.min(...xs),
    mean: Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100,
    max: Math.max(...xs),
  };
}

function countUs(tokenizer: Tokenizer, text: string, reps = 2000): number {
  tokenizer.count(text);
  const t = performance.now();
  for (let i = 0; i < reps; i++) tokenizer.count(text);
  return Math.round((((performance.now() - t) * 1000) / reps) * 100) / 100;
}

async function measure(
  sim: SimServer,
  tokenizer: Tokenizer,
  overhead: number,
  learn?: () => Promise<unknown>,
) {
  const wl: WorkloadSource = await createWorkload(
    {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: N },
      outputTokens: { kind: 'fixed', value: 16 },
    },
    { tokenizer, seed: 42, apiKind: 'chat' },
  );
  wl.next(); // corpus built on first use: not part of the per-prompt cost
  const contents: string[] = [];
  const t0 = performance.now();
  for (let i = 0; i < PROMPTS; i++) {
    const item = wl.next();
    contents.push(item.prompt.kind === 'chat' ? item.prompt.messages[0]!.content : '');
  }
  const buildUs = ((performance.now() - t0) * 1000) / PROMPTS;
  const server: number[] = [];
  for (const c of contents) server.push(await serverInput(sim, c));
  const content = server.map((s) => s - overhead);
  // counting an output text of 256 simulator words (what outcomeToSample does per request)
  const out = Array.from({ length: 256 }, (_, i) => ['the', 'data', 'kv', 'wave', 'core'][i % 5]).join(' ');
  const countBefore = countUs(tokenizer, out);
  // the server tokenizer learns words it had not met (here the sim's output words) between load points
  if (learn) await learn();
  const countAfter = countUs(tokenizer, out);
  return {
    tokenizer: tokenizer.name,
    serverInputTokens: stats(server),
    serverContentTokens: stats(content),
    exact: content.filter((c) => c === N).length,
    buildPromptUsPerPrompt: Math.round(buildUs * 10) / 10,
    countOutputUsPer256Words: learn
      ? { unseenWords: countBefore, afterLearningBetweenPoints: countAfter }
      : countAfter,
  };
}

const sim = await startSim({ models: [MODEL] });
try {
  const target = { baseUrl: `${sim.url}/v1`, model: MODEL, apiKind: 'chat' as const };
  const t0 = performance.now();
  const o200k = await createTokenizer('o200k_base');
  const o200kSetupMs = performance.now() - t0;
  const resolved = await resolveTargetTokenizer(target);
  const overhead = resolved.info.templateOverheadTokens ?? 0;
  const before = await measure(sim, o200k, overhead);
  const after = await measure(sim, resolved.tokenizer, overhead, () => resolved.server!.learnPending());
  const cpus = os.cpus();
  console.log(
    JSON.stringify(
      {
        bench: 'tokenizer-lengths',
        requestedContentTokens: N,
        prompts: PROMPTS,
        templateOverheadTokens: overhead,
        before: { setting: 'o200k_base (old default)', setupMs: Math.round(o200kSetupMs), ...before },
        after: {
          setting: 'auto',
          resolvedTo: resolved.info,
          setupMs: Math.round(resolved.resolveMs),
          unitsLearned: resolved.server?.learnedUnits,
          ...after,
        },
        met: after.exact === PROMPTS,
        machine: {
          node: process.version,
          cpus: cpus.length,
          cpuModel: cpus[0]?.model.trim(),
          loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
        },
      },
      null,
      2,
    ),
  );
} finally {
  await sim.close();
}

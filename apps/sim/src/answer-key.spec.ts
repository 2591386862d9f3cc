/**
 * The answer key over real HTTP: the built-in suites are rendered, sent and scored with @inferbench/evals
 * (`runTask` with a ModelCall doing fetch to the simulator), and the outcome of every item is checked against the
 * documented rule, re-implemented here from README.md ("Answer key"): key = dataset | normalised question
 * [| sorted normalised options], u = first 48 bits of SHA-256(`${accuracySeed}|${key}`) / 2^48, right iff
 * u < accuracy; a wrong item is unparseable iff the third 48-bit draw < unparseableShare.
 */
import { createHash } from 'node:crypto';
import type { EvalItem, EvalTaskSpec } from '@inferbench/contracts';
import {
  BUILTIN_SUITES,
  ENDPOINT_PATHS,
  EvalCapabilityError,
  PreparedTask,
  checkCapability,
  comparePaired,
  extractAnswer,
  loadBuiltinSuite,
  loadDataset,
  runTask,
  wilsonInterval,
  type EvalItemRecord,
  type ModelCall,
} from '@inferbench/evals';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from './index.js';
import { countTextTokens, VOCAB } from './tokens.js';
import { postStream } from './test-client.js';

const words = (t: string): string[] => t.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** The documented item key and draws (independent of the simulator's code). */
function expected(dataset: string, item: EvalItem, seed: number, accuracy: number, share: number) {
  let key = `${dataset}|${words(item.input).join(' ')}`;
  if (item.choices)
    key += `|${item.choices
      .map((c) => words(c).join(' '))
      .sort()
      .join('|')}`;
  const d = createHash('sha256').update(`${seed}|${key}`).digest();
  const u = d.readUIntBE(0, 6) / 2 ** 48;
  const unparse = d.readUIntBE(12, 6) / 2 ** 48;
  return { key, u, right: u < accuracy, unparseable: u >= accuracy && unparse < share };
}

interface LoadedTask {
  spec: EvalTaskSpec;
  dataset: string;
  task: PreparedTask;
  items: EvalItem[];
}

let tasks: LoadedTask[] = [];
let sim: SimServer;

const PROFILES = { 'sim-fp16': 0.72, 'sim-fp8': 0.71, 'sim-int4-awq': 0.69 } as const;

function callerFor(url: string): ModelCall {
  return async (req) => {
    const t0 = performance.now();
    const res = await fetch(url + ENDPOINT_PATHS[req.endpoint], {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(req.body),
    });
    return { status: res.status, body: await res.json(), latencyMs: performance.now() - t0 };
  };
}

async function runAll(model: string, list = tasks, concurrency = 32): Promise<Map<string, EvalItemRecord[]>> {
  const call = callerFor(sim.url);
  const out = new Map<string, EvalItemRecord[]>();
  await Promise.all(
    list.map(async (t) => out.set(t.spec.id, await runTask(t.task, t.items, call, { model, concurrency }))),
  );
  return out;
}

const results = new Map<string, Map<string, EvalItemRecord[]>>();

beforeAll(async () => {
  for (const name of BUILTIN_SUITES) {
    for (const spec of (await loadBuiltinSuite(name)).tasks) {
      const { items, train } = await loadDataset(spec.dataset);
      tasks.push({ spec, dataset: spec.dataset.source.slice(8), task: new PreparedTask(spec, train), items });
    }
  }
  sim = await startSim({
    port: 0,
    seed: 11,
    profiles: {
      // same answer key as sim-fp16 (accuracy 0.72, seed 0), near-zero latency
      'fast-72': { extends: 'sim-fast', accuracy: 0.72 },
      'fast-72-reseeded': { extends: 'sim-fast', accuracy: 0.72, accuracySeed: 9 },
      'no-logprobs': { extends: 'sim-fast', logprobs: false },
      'ignore-logprobs': { extends: 'sim-fast', logprobs: 'ignore' },
      'no-echo': { extends: 'sim-fast', echo: false },
      'ignore-echo': { extends: 'sim-fast', echo: 'ignore' },
      'fast-reasoning': { extends: 'sim-fast', accuracy: 0.72, reasoningTokens: 24 },
    },
  });
  for (const model of Object.keys(PROFILES)) results.set(model, await runAll(model));
}, 120_000);

afterAll(async () => {
  await sim?.close();
  tasks = [];
});

describe('answer key: scores follow the hash rule', () => {
  it.each(Object.entries(PROFILES))(
    '%s: every item of every built-in task is right exactly when u < %s',
    (model, acc) => {
      const byTask = results.get(model)!;
      const distinct = new Map<string, boolean>();
      for (const t of tasks) {
        const recs = byTask.get(t.spec.id)!;
        expect(recs).toHaveLength(t.items.length);
        const got = recs.filter((r) => r.correct).map((r) => r.itemId);
        const want = t.items.filter((it) => expected(t.dataset, it, 0, acc, 0.05).right).map((it) => it.id);
        expect(got, `${model} ${t.spec.id}`).toEqual(want);
        for (const it of t.items)
          distinct.set(`${t.dataset}:${it.id}`, expected(t.dataset, it, 0, acc, 0.05).right);
      }
      // over the distinct items: the configured probability lies in the Wilson 95 % interval of what was measured
      const n = distinct.size;
      const k = [...distinct.values()].filter(Boolean).length;
      const ci = wilsonInterval(k, n);
      expect(n).toBeGreaterThan(300);
      expect(ci.lower).toBeLessThanOrEqual(acc);
      expect(ci.upper).toBeGreaterThanOrEqual(acc);
    },
  );

  it('wrong answers are sometimes unparseable (no letter / number / label, empty text), never scored right', () => {
    const byTask = results.get('sim-fp16')!;
    let unparseable = 0;
    let wrong = 0;
    for (const t of tasks) {
      if (t.spec.scoring.mode !== 'generate' || t.spec.circular) continue;
      for (const r of byTask.get(t.spec.id)!) {
        const e = expected(
          t.dataset,
          t.items.find((x) => x.id === r.itemId)!,
          0,
          0.72,
          0.05,
        );
        if (!e.right) wrong++;
        expect(r.parseStatus !== 'ok', `${t.spec.id} ${r.itemId}`).toBe(e.unparseable);
        if (r.parseStatus !== 'ok') {
          unparseable++;
          expect(r.correct).toBe(false);
          expect(r.score).toBe(0);
        }
      }
    }
    expect(unparseable).toBeGreaterThan(0);
    expect(unparseable).toBeLessThan(wrong * 0.2);
  });

  it('paired: fp16 is right on a superset of int4 (every flip is right → wrong), fp8 in between', () => {
    for (const t of tasks) {
      const ids = (m: string): Set<string> =>
        new Set(
          results
            .get(m)!
            .get(t.spec.id)!
            .filter((r) => r.correct)
            .map((r) => r.itemId),
        );
      const fp16 = ids('sim-fp16');
      const fp8 = ids('sim-fp8');
      const int4 = ids('sim-int4-awq');
      for (const id of int4) expect(fp8.has(id), `${t.spec.id} ${id}`).toBe(true);
      for (const id of fp8) expect(fp16.has(id), `${t.spec.id} ${id}`).toBe(true);
    }
    const arith = tasks.find((t) => t.spec.id === 'arith')!;
    const asMap = (m: string) =>
      new Map(
        results
          .get(m)!
          .get('arith')!
          .map((r) => [r.itemId, r.correct ? 1 : 0] as const),
      );
    const cmp = comparePaired(asMap('sim-fp16'), asMap('sim-int4-awq'));
    const flips = arith.items.filter((it) => {
      const u = expected('arith', it, 0, 0, 0).u;
      return u >= 0.69 && u < 0.72;
    });
    expect(cmp.flips.wrongToRight).toEqual([]);
    expect(cmp.flips.rightToWrong.sort()).toEqual(flips.map((it) => it.id).sort());
  });

  it('an accuracySeed decorrelates: other items are right', async () => {
    const larger = tasks.filter((t) => t.spec.id === 'larger-mc' || t.spec.id === 'arith');
    const r = await runAll('fast-72-reseeded', larger);
    for (const t of larger) {
      const got = r
        .get(t.spec.id)!
        .filter((x) => x.correct)
        .map((x) => x.itemId);
      const want = t.items.filter((it) => expected(t.dataset, it, 9, 0.72, 0.05).right).map((it) => it.id);
      expect(got).toEqual(want);
      const seed0 = results
        .get('sim-fp16')!
        .get(t.spec.id)!
        .filter((x) => x.correct)
        .map((x) => x.itemId);
      expect(got).not.toEqual(seed0);
    }
  });
});

describe('answer key: logprobs agree with the answers', () => {
  it('generation, next-token and echo log-likelihood are right on the same items; acc = acc_norm', () => {
    for (const model of Object.keys(PROFILES)) {
      const r = results.get(model)!;
      const right = (id: string): string[] =>
        r
          .get(id)!
          .filter((x) => x.correct)
          .map((x) => x.itemId);
      expect(right('larger-next-token')).toEqual(right('larger-mc'));
      expect(right('larger-loglik')).toEqual(right('larger-mc'));
      for (const rec of r.get('larger-loglik')!) expect(rec.scores.acc).toBe(rec.scores.acc_norm);
      // the letter the generation chose is the one with the best next-token logprob (when it gave one)
      const gen = new Map(r.get('larger-mc')!.map((x) => [x.itemId, x.extracted]));
      for (const rec of r.get('larger-next-token')!) {
        if (gen.get(rec.itemId) !== null) expect(rec.extracted).toBe(gen.get(rec.itemId));
        expect(rec.extracted).toBe(r.get('larger-loglik')!.find((x) => x.itemId === rec.itemId)!.extracted);
      }
    }
  });

  it('chat top_logprobs: the answer letter is the best token; completions logprobs: k in the legacy shape', async () => {
    const t = tasks.find((x) => x.spec.id === 'larger-mc')!;
    const item = t.items[0]!;
    const prompt = t.task.buildPrompt({ item, rotation: 0 });
    const res = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'fast-72',
        messages: prompt.format === 'chat' ? prompt.messages : [],
        max_tokens: 4,
        logprobs: true,
        top_logprobs: 5,
      }),
    });
    const body = (await res.json()) as {
      choices: Array<{ message: { content: string }; logprobs: { content: Array<Record<string, unknown>> } }>;
    };
    const c = body.choices[0]!;
    const first = c.logprobs.content[0] as {
      token: string;
      logprob: number;
      top_logprobs: Array<{ token: string; logprob: number }>;
    };
    expect(first.token).toBe(c.message.content);
    expect(first.top_logprobs).toHaveLength(5);
    expect(first.top_logprobs[0]!.token).toBe(c.message.content);
    expect(first.top_logprobs[0]!.logprob).toBe(first.logprob);
    const lps = first.top_logprobs.map((x) => x.logprob);
    expect([...lps].sort((a, b) => b - a)).toEqual(lps);
    // completions with an echo: prompt tokens first (the first without a logprob), offsets tile the text
    const comp = await fetch(`${sim.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'fast-72',
        prompt: 'The capital of France is Paris',
        max_tokens: 2,
        echo: true,
        logprobs: 2,
      }),
    });
    const cb = (await comp.json()) as {
      choices: Array<{
        text: string;
        logprobs: {
          tokens: string[];
          token_logprobs: Array<number | null>;
          top_logprobs: Array<Record<string, number> | null>;
          text_offset: number[];
        };
      }>;
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    const lp = cb.choices[0]!.logprobs;
    expect(cb.choices[0]!.text.startsWith('The capital of France is Paris')).toBe(true);
    expect(lp.tokens.join('')).toBe(cb.choices[0]!.text);
    expect(lp.tokens).toHaveLength(cb.usage.prompt_tokens + cb.usage.completion_tokens);
    expect(lp.token_logprobs[0]).toBeNull();
    expect(lp.top_logprobs[0]).toBeNull();
    lp.tokens.forEach((tok, i) => {
      expect(lp.text_offset[i]).toBe(lp.tokens.slice(0, i).join('').length);
      if (i > 0) {
        expect(lp.token_logprobs[i]).toBeLessThanOrEqual(0);
        expect(lp.top_logprobs[i]![tok]).toBe(lp.token_logprobs[i]);
      }
    });
  });
});

describe('answer key: reasoning, concurrency, limits', () => {
  it('a reasoning profile writes a decoy in reasoning_content; the extractor ignores it', async () => {
    // the default max_tokens (16 for larger-mc) is eaten by 24 reasoning tokens: give room for the answer
    const picked: LoadedTask[] = [];
    for (const t of tasks.filter((x) =>
      ['larger-mc', 'arith', 'sentiment', 'capitals'].includes(x.spec.id),
    )) {
      const spec = { ...t.spec, generation: { ...t.spec.generation, maxTokens: 200 } };
      picked.push({ ...t, spec, task: new PreparedTask(spec, (await loadDataset(spec.dataset)).train) });
    }
    const r = await runAll('fast-reasoning', picked);
    let decoysThatWouldFlip = 0;
    for (const t of picked) {
      const got = r.get(t.spec.id)!;
      const want = t.items.filter((it) => expected(t.dataset, it, 0, 0.72, 0.05).right).map((it) => it.id);
      expect(got.filter((x) => x.correct).map((x) => x.itemId)).toEqual(want);
      for (const rec of got) {
        expect(rec.response.reasoning).toBeTruthy();
        expect(rec.tokens.reasoning).toBe(24);
        const ex = t.spec.scoring.mode === 'generate' ? t.spec.scoring.extract : null;
        const item = t.items.find((x) => x.id === rec.itemId)!;
        const fromReasoning = extractAnswer(rec.response.reasoning!, ex!, {
          numChoices: item.choices?.length,
          choices: item.choices,
        });
        if (fromReasoning.answer !== null && t.task.isCorrect(fromReasoning.answer, item) !== rec.correct)
          decoysThatWouldFlip++;
      }
    }
    // reading the reasoning would change the verdict of most items
    expect(decoysThatWouldFlip).toBeGreaterThan(200);
  });

  it('the same answers at concurrency 1 and 32, on a fast clone of sim-fp16 as on sim-fp16', async () => {
    const picked = tasks.filter((t) => ['larger-mc', 'sentiment', 'larger-next-token'].includes(t.spec.id));
    const one = await runAll('fast-72', picked, 1);
    const many = await runAll('fast-72', picked, 32);
    for (const t of picked) {
      const a = one.get(t.spec.id)!.map((x) => [x.itemId, x.extracted, x.correct]);
      expect(many.get(t.spec.id)!.map((x) => [x.itemId, x.extracted, x.correct])).toEqual(a);
      expect(
        results
          .get('sim-fp16')!
          .get(t.spec.id)!
          .map((x) => [x.itemId, x.extracted, x.correct]),
      ).toEqual(a);
    }
  });

  it('streams the same answer, and a small max_tokens cuts it (finish_reason length)', async () => {
    const t = tasks.find((x) => x.spec.id === 'arith')!;
    const item = t.items.find((it) => expected('arith', it, 0, 0.72, 0.05).right)!;
    const p = t.task.buildPrompt({ item, rotation: 0 });
    const messages = p.format === 'chat' ? p.messages : [];
    const full = (await (
      await fetch(`${sim.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fast-72', messages, max_tokens: 256 }),
      })
    ).json()) as {
      choices: Array<{ message: { content: string }; finish_reason: string }>;
      usage: { completion_tokens: number };
    };
    const content = full.choices[0]!.message.content;
    expect(content).toContain(item.answer!);
    expect(full.choices[0]!.finish_reason).toBe('stop');
    expect(full.usage.completion_tokens).toBe(countTextTokens(content));
    const s = await postStream(`${sim.url}/v1/chat/completions`, {
      model: 'fast-72',
      messages,
      max_tokens: 256,
      stream: true,
    });
    const streamed = s.events
      .map((e) =>
        e.json ? ((e.json.choices as Array<{ delta: { content?: string } }>)[0]?.delta.content ?? '') : '',
      )
      .join('');
    expect(streamed).toBe(content);
    const cut = await postStream(`${sim.url}/v1/chat/completions`, {
      model: 'fast-72',
      messages,
      max_tokens: 2,
      stream: true,
    });
    const chunks = cut.events.filter((e) => e.json);
    expect(chunks).toHaveLength(2);
    expect((chunks[1]!.json!.choices as Array<{ finish_reason: string }>)[0]!.finish_reason).toBe('length');
  });

  it('unknown prompts keep the synthetic words, with or without logprobs', async () => {
    const body = {
      model: 'fast-72',
      messages: [{ role: 'user', content: 'tell me about load tests' }],
      max_tokens: 12,
      ignore_eos: true,
    };
    const post = async (extra: object) =>
      (await (
        await fetch(`${sim.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...body, ...extra }),
        })
      ).json()) as {
        choices: Array<{ message: { content: string }; logprobs: { content: unknown[] } | null }>;
      };
    const plain = await post({});
    const withLp = await post({ logprobs: true, top_logprobs: 3 });
    const w = plain.choices[0]!.message.content.trim().split(' ');
    expect(w).toHaveLength(12);
    for (const x of w) expect(VOCAB).toContain(x);
    expect(plain.choices[0]!.logprobs).toBeNull();
    expect(withLp.choices[0]!.logprobs!.content).toHaveLength(12);
  });
});

describe('servers without logprobs or echo (capability probes)', () => {
  const probe = async (model: string, id: string): Promise<string> => {
    const t = tasks.find((x) => x.spec.id === id)!;
    try {
      await checkCapability(t.task, callerFor(sim.url), model);
      return 'supported';
    } catch (e) {
      expect(e).toBeInstanceOf(EvalCapabilityError);
      return (e as Error).message;
    }
  };

  it('next-token: logprobs false → 400, ignore → no top logprobs; log-likelihood: echo false → 400, ignore → not echoed', async () => {
    expect(await probe('fast-72', 'larger-next-token')).toBe('supported');
    expect(await probe('fast-72', 'larger-loglik')).toBe('supported');
    expect(await probe('no-logprobs', 'larger-next-token')).toContain('HTTP 400');
    expect(await probe('ignore-logprobs', 'larger-next-token')).toContain('no top logprobs');
    expect(await probe('no-echo', 'larger-loglik')).toMatch(/HTTP 400/);
    expect(await probe('ignore-echo', 'larger-loglik')).toContain('did not echo');
    const res = await fetch(`${sim.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'no-echo', prompt: 'x', echo: true, max_tokens: 1 }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      'echo is not supported',
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from './index.js';
import { outputText, postStream, promptOf } from './test-client.js';
import { countTextTokens } from './tokens.js';

let sim: SimServer;

beforeAll(async () => {
  sim = await startSim({
    port: 0,
    seed: 42,
    profiles: {
      quick: { stepBaseMs: 1, prefillPerTokenMs: 0.001, jitterFrac: 0, earlyStopProb: 0.3 },
      // always stops early unless ignore_eos, so the EOS rules are observable
      eager: { stepBaseMs: 0.5, prefillPerTokenMs: 0, earlyStopProb: 1 },
      thinker: { extends: 'quick', reasoningTokens: 4 },
    },
  });
});
afterAll(async () => {
  await sim.close();
});

const post = (path: string, body: unknown): Promise<Response> =>
  fetch(sim.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('chat completions, streaming', () => {
  it('frames SSE like OpenAI/vLLM: role first, one token per chunk, finish on the last token, usage chunk, [DONE]', async () => {
    const r = await postStream(`${sim.url}/v1/chat/completions`, {
      model: 'quick',
      messages: [{ role: 'user', content: promptOf(50) }],
      max_tokens: 12,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(r.error).toBeUndefined();
    expect(r.isDone).toBe(true);
    expect(r.events.at(-1)?.data).toBe('[DONE]');
    const chunks = r.events.filter((e) => e.json).map((e) => e.json!);
    const tokenChunks = chunks.filter((c) => (c.choices as unknown[]).length > 0);
    expect(tokenChunks).toHaveLength(12);
    const first = tokenChunks[0]!.choices as { delta: Record<string, unknown> }[];
    expect(first[0]!.delta.role).toBe('assistant');
    for (const c of tokenChunks) {
      expect(c.object).toBe('chat.completion.chunk');
      expect(countTextTokens(outputText(c))).toBe(1);
    }
    const finishes = tokenChunks.map(
      (c) => (c.choices as { finish_reason: string | null }[])[0]!.finish_reason,
    );
    expect(finishes.slice(0, -1).every((f) => f === null)).toBe(true);
    expect(finishes.at(-1)).toBe('length');
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toMatchObject({ prompt_tokens: 50, completion_tokens: 12, total_tokens: 62 });
  });

  it('sends no usage without stream_options.include_usage', async () => {
    const r = await postStream(`${sim.url}/v1/chat/completions`, {
      model: 'quick',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 5,
      stream: true,
    });
    expect(r.isDone).toBe(true);
    expect(r.events.some((e) => e.json && 'usage' in e.json)).toBe(false);
    expect(r.tokenTimesMs.length).toBeGreaterThanOrEqual(1);
    expect(r.tokenTimesMs.length).toBeLessThanOrEqual(5);
  });

  it('ignore_eos returns exactly max_tokens; without it the seeded EOS stops early but not before min_tokens', async () => {
    const base = {
      model: 'eager',
      messages: [{ role: 'user', content: 'go' }],
      stream: true,
      max_tokens: 40,
    };
    const exact = await postStream(`${sim.url}/v1/chat/completions`, { ...base, ignore_eos: true });
    expect(exact.tokenTimesMs).toHaveLength(40);
    for (let i = 0; i < 5; i++) {
      const early = await postStream(`${sim.url}/v1/chat/completions`, { ...base, min_tokens: 30 });
      const n = early.tokenTimesMs.length;
      expect(n).toBeGreaterThanOrEqual(30);
      expect(n).toBeLessThan(40);
      const last = early.events.filter((e) => e.json && (e.json.choices as unknown[]).length > 0).at(-1)!;
      expect((last.json!.choices as { finish_reason: string }[])[0]!.finish_reason).toBe('stop');
    }
  });

  it('streams reasoning_content before content when asked', async () => {
    const r = await postStream(`${sim.url}/v1/chat/completions`, {
      model: 'quick',
      messages: [{ role: 'user', content: 'think' }],
      max_tokens: 10,
      ignore_eos: true,
      stream: true,
      sim_reasoning_tokens: 3,
      stream_options: { include_usage: true },
    });
    const deltas = r.events
      .filter((e) => e.json && (e.json.choices as unknown[]).length > 0)
      .map((e) => (e.json!.choices as { delta: Record<string, unknown> }[])[0]!.delta);
    expect(
      deltas.slice(0, 3).every((d) => typeof d.reasoning_content === 'string' && d.content === undefined),
    ).toBe(true);
    expect(
      deltas.slice(3).every((d) => typeof d.content === 'string' && d.reasoning_content === undefined),
    ).toBe(true);
    expect(r.events.find((e) => e.json?.usage)?.json?.usage).toMatchObject({
      completion_tokens_details: { reasoning_tokens: 3 },
    });
    // profile default, and switched off per request
    const res = await post('/v1/chat/completions', {
      model: 'thinker',
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 8,
      ignore_eos: true,
    });
    const body = (await res.json()) as {
      choices: { message: { reasoning_content?: string; content: string } }[];
    };
    expect(countTextTokens(body.choices[0]!.message.reasoning_content!)).toBe(4);
    expect(countTextTokens(body.choices[0]!.message.content)).toBe(4);
    const off = await post('/v1/chat/completions', {
      model: 'thinker',
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 8,
      chat_template_kwargs: { enable_thinking: false },
    });
    expect(
      ((await off.json()) as { choices: { message: Record<string, unknown> }[] }).choices[0]!.message
        .reasoning_content,
    ).toBeUndefined();
  });
});

describe('non-streaming and completions', () => {
  it('non-stream chat carries usage that matches the text', async () => {
    const res = await post('/v1/chat/completions', {
      model: 'quick',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'hello there' }] },
      ],
      // 'be'=1 + 'brief'=2 + 'hello'=2 + 'there'=2 tokens (ceil(len/4) per word)
      max_completion_tokens: 9,
      ignore_eos: true,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.object).toBe('chat.completion');
    const choice = (
      body.choices as { message: { role: string; content: string }; finish_reason: string }[]
    )[0]!;
    expect(choice.message.role).toBe('assistant');
    expect(choice.finish_reason).toBe('length');
    expect(countTextTokens(choice.message.content)).toBe(9);
    expect(body.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 9, total_tokens: 16 });
  });

  it('defaults max_tokens to 128', async () => {
    const res = await post('/v1/completions', { model: 'quick', prompt: 'x', ignore_eos: true });
    const body = (await res.json()) as { usage: { completion_tokens: number } };
    expect(body.usage.completion_tokens).toBe(128);
  });

  it('streams /v1/completions with text chunks and accepts token-id prompts', async () => {
    const r = await postStream(`${sim.url}/v1/completions`, {
      model: 'quick',
      prompt: [1, 2, 3, 4, 5, 6, 7],
      max_tokens: 6,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = r.events.filter((e) => e.json).map((e) => e.json!);
    expect(chunks.slice(0, -1).every((c) => c.object === 'text_completion')).toBe(true);
    expect(r.tokenTimesMs).toHaveLength(6);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 6 });
    const res = await post('/v1/completions', {
      model: 'quick',
      prompt: 'one two three',
      max_tokens: 3,
      ignore_eos: true,
    });
    const body = (await res.json()) as { object: string; choices: { text: string }[] };
    expect(body.object).toBe('text_completion');
    expect(countTextTokens(body.choices[0]!.text)).toBe(3);
  });

  it('is deterministic for a given seed: same request index gives the same text', async () => {
    const run = async (): Promise<string[]> => {
      const s = await startSim({ port: 0, seed: 9, models: ['sim-fast'] });
      const texts: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${s.url}/v1/completions`, {
          method: 'POST',
          body: JSON.stringify({ model: 'sim-fast', prompt: 'p', max_tokens: 8 }),
        });
        texts.push(((await res.json()) as { choices: { text: string }[] }).choices[0]!.text);
      }
      await s.close();
      return texts;
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(1);
  });
});

describe('errors and other endpoints', () => {
  it('404s unknown models with an OpenAI-style error', async () => {
    const res = await post('/v1/chat/completions', {
      model: 'gpt-nope',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { message: string; type: string; code: string } };
    expect(body.error.message).toContain('gpt-nope');
    expect(body.error.code).toBe('model_not_found');
  });

  it('400s bad JSON and bad parameters', async () => {
    const bad = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: '{"model": ' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/JSON/);
    const cases = [
      { model: 'quick', messages: [] },
      { model: 'quick', messages: [{ role: 'user', content: 'x' }], max_tokens: 0 },
      { model: 'quick', messages: [{ role: 'user', content: 'x' }], max_tokens: 5, min_tokens: 6 },
      { model: 'quick', messages: [{ role: 'user', content: 'x' }], max_tokens: 40_000 },
    ];
    for (const c of cases) {
      const res = await post('/v1/chat/completions', c);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message.length).toBeGreaterThan(0);
    }
  });

  it('serves /v1/models, /health and 404 on unknown routes', async () => {
    const models = (await (await fetch(`${sim.url}/v1/models`)).json()) as {
      object: string;
      data: { id: string }[];
    };
    expect(models.object).toBe('list');
    const ids = models.data.map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'sim-fp16',
        'sim-int4-awq',
        'sim-fast',
        'llama-3.1-8b-h100',
        'llama-3.1-70b-h100-tp4',
        'quick',
      ]),
    );
    expect((await fetch(`${sim.url}/health`)).status).toBe(200);
    expect((await fetch(`${sim.url}/nope`)).status).toBe(404);
    expect((await fetch(`${sim.url}/v1/chat/completions`)).status).toBe(405);
  });

  it('exposes vLLM-named Prometheus metrics', async () => {
    await post('/v1/completions', {
      model: 'quick',
      prompt: 'metrics please',
      max_tokens: 4,
      ignore_eos: true,
    }).then((r) => r.json());
    const text = await (await fetch(`${sim.url}/metrics`)).text();
    for (const name of [
      'vllm:num_requests_running{model_name="quick"}',
      'vllm:num_requests_waiting{model_name="quick"}',
      'vllm:kv_cache_usage_perc{model_name="quick"}',
      'vllm:prompt_tokens_total{model_name="quick"}',
      'vllm:generation_tokens_total{model_name="quick"}',
      'vllm:num_preemptions_total{model_name="quick"}',
      'vllm:request_success_total{finished_reason="length",model_name="quick"}',
      'vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="quick"}',
      'vllm:request_queue_time_seconds_sum{model_name="quick"}',
      'vllm:request_prefill_time_seconds_count{model_name="quick"}',
      'vllm:request_decode_time_seconds_count{model_name="quick"}',
      'vllm:e2e_request_latency_seconds_count{model_name="quick"}',
      'sim:scheduler_lag_seconds',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/# TYPE vllm:time_to_first_token_seconds histogram/);
    const count = /vllm:e2e_request_latency_seconds_count\{model_name="quick"\} (\d+)/.exec(text);
    expect(Number(count?.[1])).toBeGreaterThan(0);
    // every sample line parses as `name{labels} number`
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+-]+$/);
    }
  });

  it('close() ends open streams promptly', async () => {
    const s = await startSim({ port: 0, models: ['sim-fixed'] });
    const pending = postStream(`${s.url}/v1/chat/completions`, {
      model: 'sim-fixed',
      messages: [{ role: 'user', content: 'long' }],
      max_tokens: 10_000,
      ignore_eos: true,
      stream: true,
    });
    await new Promise((r) => setTimeout(r, 150));
    const t0 = performance.now();
    await s.close();
    const r = await pending;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.isDone).toBe(false);
    expect(r.tokenTimesMs.length).toBeGreaterThan(0);
  });
});

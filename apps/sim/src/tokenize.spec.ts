import { afterEach, describe, expect, it } from 'vitest';
import {
  clearTokenizerCache,
  createTokenizer,
  createWorkload,
  resolveTargetTokenizer,
  SyntheticPromptBuilder,
} from '@inferbench/loadgen';
import { startSim, type SimServer } from './server.js';
import { countTextTokens, detokenizeIds, tokenizeText } from './tokens.js';

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** usage.prompt_tokens of one non-streamed request with max_tokens 1 */
async function serverPromptTokens(
  sim: SimServer,
  model: string,
  text: string,
  chat: boolean,
): Promise<number> {
  const body = chat
    ? { model, messages: [{ role: 'user', content: text }], max_tokens: 1 }
    : { model, prompt: text, max_tokens: 1 };
  const r = await post(`${sim.url}/v1/${chat ? 'chat/completions' : 'completions'}`, body);
  expect(r.status).toBe(200);
  return (r.json.usage as { prompt_tokens: number }).prompt_tokens;
}

describe('sim tokenizer ids', () => {
  it('counts like countTextTokens and round-trips single-spaced text', () => {
    for (const text of [' the cat sat', 'important mountain, 😀 ünïcödé!', ' a', 'x'.repeat(37)]) {
      const { ids, pieces } = tokenizeText(text);
      expect(ids.length).toBe(countTextTokens(text));
      expect(pieces.join('')).toBe(text);
      expect(detokenizeIds(ids)).toBe(text);
    }
    expect(() => detokenizeIds([190])).toThrow(RangeError); // code 95: a zero digit
  });
});

describe('POST /tokenize and /detokenize (vLLM shapes)', () => {
  let sim: SimServer | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    clearTokenizerCache();
  });

  it('tokenize → {count, max_model_len, tokens, token_strs}; detokenize → {prompt}; errors like vLLM', async () => {
    sim = await startSim({ models: ['sim-fixed', 'sim-llama-chat'] });
    const t = await post(`${sim.url}/tokenize`, {
      model: 'sim-fixed',
      prompt: ' the important mountain',
      add_special_tokens: false,
      return_token_strs: true,
    });
    expect(t.status).toBe(200);
    expect(t.json.count).toBe(1 + 3 + 2);
    expect(t.json.max_model_len).toBe(1_000_000);
    expect(t.json.token_strs).toEqual([' the', ' impo', 'rtan', 't', ' moun', 'tain']);
    const d = await post(`${sim.url}/detokenize`, { model: 'sim-fixed', tokens: t.json.tokens });
    expect(d.status).toBe(200);
    expect(d.json).toEqual({ prompt: ' the important mountain' });

    // chat: the template tokens are in the count, exactly as usage.prompt_tokens counts them
    const m = await post(`${sim.url}/tokenize`, {
      model: 'sim-llama-chat',
      messages: [{ role: 'user', content: 'the cat' }],
    });
    expect(m.json.count).toBe(2 + 10);
    expect(await serverPromptTokens(sim, 'sim-llama-chat', 'the cat', true)).toBe(12);

    expect((await post(`${sim.url}/tokenize`, { model: 'nope', prompt: 'x' })).status).toBe(404);
    expect((await post(`${sim.url}/tokenize`, { model: 'sim-fixed' })).status).toBe(400);
    expect((await post(`${sim.url}/detokenize`, { model: 'sim-fixed', tokens: [190] })).status).toBe(400);
  });

  it('can be turned off (404, like a server without a tokenizer API)', async () => {
    sim = await startSim({ models: ['sim-fixed'], tokenizeEndpoints: false });
    expect((await post(`${sim.url}/tokenize`, { model: 'sim-fixed', prompt: 'x' })).status).toBe(404);
  });

  it('auto: detects the endpoint, and synthetic prompts count exactly N content tokens server-side', async () => {
    sim = await startSim({ models: ['sim-llama-chat'] });
    const target = { baseUrl: `${sim.url}/v1`, model: 'sim-llama-chat', apiKind: 'chat' as const };
    const r = await resolveTargetTokenizer(target);
    expect(r.info).toMatchObject({ setting: 'auto', source: 'server', engine: 'vllm', approximate: false });
    expect(r.info.templateOverheadTokens).toBe(10);
    // cached per target: the same promise's result
    expect((await resolveTargetTokenizer(target)).tokenizer).toBe(r.tokenizer);

    const o200k = await createTokenizer('o200k_base');
    const before: number[] = [];
    const after: number[] = [];
    const oldBuilder = new SyntheticPromptBuilder(o200k, 7);
    const newBuilder = new SyntheticPromptBuilder(r.tokenizer, 7);
    for (const n of [16, 64, 128, 300]) {
      const a = newBuilder.build(n);
      expect(a.exact).toBe(true);
      after.push((await serverPromptTokens(sim, 'sim-llama-chat', a.text, false)) - 0);
      before.push(await serverPromptTokens(sim, 'sim-llama-chat', oldBuilder.build(n).text, false));
    }
    expect(after).toEqual([16, 64, 128, 300]);
    // the sim's rule differs from o200k on these words: the o200k prompts are all longer server-side
    before.forEach((b, i) => expect(b).toBeGreaterThan([16, 64, 128, 300][i]!));

    // through the workload (chat): server input = N + measured template overhead
    const wl = await createWorkload(
      {
        kind: 'synthetic',
        inputTokens: { kind: 'fixed', value: 128 },
        outputTokens: { kind: 'fixed', value: 4 },
      },
      { tokenizer: r.tokenizer, seed: 3, apiKind: 'chat' },
    );
    for (let i = 0; i < 5; i++) {
      const item = wl.next();
      expect(item.promptTokens).toBe(128);
      const content = item.prompt.kind === 'chat' ? item.prompt.messages[0]!.content : '';
      expect(await serverPromptTokens(sim, 'sim-llama-chat', content, true)).toBe(128 + 10);
    }
  });

  it('auto against a server without the endpoint: o200k_base with a warning', async () => {
    sim = await startSim({ models: ['sim-fixed'], tokenizeEndpoints: false });
    const r = await resolveTargetTokenizer({ baseUrl: `${sim.url}/v1`, model: 'sim-fixed', apiKind: 'chat' });
    expect(r.info).toMatchObject({ source: 'builtin', name: 'o200k_base', approximate: true });
    expect(r.info.warning).toMatch(/no tokenize endpoint .* approximate/);
    expect(r.server).toBeUndefined();
  });
});

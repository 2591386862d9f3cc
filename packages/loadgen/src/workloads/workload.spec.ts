import { describe, expect, it } from 'vitest';
import { LoadPlanSpecSchema, RequestParamsSchema, WorkloadSpecSchema } from '@inferbench/contracts';
import { WhitespaceTokenizer } from '../engine/testing/whitespace-tokenizer.js';
import { createRng } from '../strategies/rng.js';
import { sampleLength } from './lengths.js';
import { WORKLOAD_PRESETS } from './presets.js';
import { createWorkload } from './workload.js';

const tok = new WhitespaceTokenizer();
const text = (p: { kind: string; text?: string; messages?: { content: string }[] }): string =>
  p.kind === 'text' ? p.text! : p.messages!.map((m) => m.content).join(' ');

describe('sampleLength', () => {
  it('samples each distribution within its bounds with the right centre', () => {
    const rng = createRng(1);
    const n = 20_000;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(sampleLength({ kind: 'fixed', value: 7 }, rng)).toBe(7);
    const u = Array.from({ length: n }, () => sampleLength({ kind: 'uniform', min: 10, max: 20 }, rng));
    expect(Math.min(...u)).toBe(10);
    expect(Math.max(...u)).toBe(20);
    expect(mean(u)).toBeCloseTo(15, 0);
    const norm = Array.from({ length: n }, () =>
      sampleLength({ kind: 'normal', mean: 100, std: 30, min: 80, max: 150 }, rng),
    );
    expect(Math.min(...norm)).toBe(80);
    expect(Math.max(...norm)).toBeLessThanOrEqual(150);
    const ln = Array.from({ length: n }, () =>
      sampleLength({ kind: 'lognormal', median: 200, sigma: 0.5 }, rng),
    ).sort((a, b) => a - b);
    expect(ln[n / 2]).toBeGreaterThan(190);
    expect(ln[n / 2]).toBeLessThan(210);
    expect(ln[0]).toBeGreaterThanOrEqual(1);
  });
});

describe('synthetic workloads', () => {
  it('sends prompts of the sampled lengths and asks for the sampled output lengths', async () => {
    const spec = WorkloadSpecSchema.parse({
      kind: 'synthetic',
      inputTokens: { kind: 'uniform', min: 5, max: 50 },
      outputTokens: { kind: 'fixed', value: 33 },
    });
    const w = await createWorkload(spec, { tokenizer: tok, seed: 1, apiKind: 'completions' });
    for (let i = 0; i < 50; i++) {
      const item = w.next();
      expect(item.prompt.kind).toBe('text');
      expect(tok.count(text(item.prompt))).toBe(item.promptTokens);
      expect(item.promptTokens).toBeGreaterThanOrEqual(5);
      expect(item.promptTokens).toBeLessThanOrEqual(50);
      expect(item.maxTokens).toBe(33);
    }
  });

  it('shared prefixes: N groups, each request = its group prefix + a unique suffix, exact lengths', async () => {
    const spec = WorkloadSpecSchema.parse({
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 10 },
      outputTokens: { kind: 'fixed', value: 5 },
      sharedPrefix: { groups: 3, prefixTokens: 40 },
    });
    const w = await createWorkload(spec, { tokenizer: tok, seed: 4, apiKind: 'chat' });
    const items = Array.from({ length: 12 }, () => w.next());
    const prefixes = items.map((i) => text(i.prompt).split(' ').slice(0, 40).join(' '));
    expect(new Set(prefixes).size).toBe(3);
    // round robin over groups
    expect(prefixes[0]).toBe(prefixes[3]);
    expect(prefixes[1]).toBe(prefixes[4]);
    expect(prefixes[0]).not.toBe(prefixes[1]);
    expect(new Set(items.map((i) => text(i.prompt))).size).toBe(12);
    for (const i of items) {
      expect(i.promptTokens).toBe(50);
      expect(tok.count(text(i.prompt))).toBe(50);
    }
  });

  it('multi-turn: a session continues only after its previous turn, with the growing history', async () => {
    const spec = WorkloadSpecSchema.parse({
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 4 },
      outputTokens: { kind: 'fixed', value: 3 },
      multiTurn: { turns: { kind: 'fixed', value: 3 } },
    });
    const w = await createWorkload(spec, { tokenizer: tok, seed: 1, apiKind: 'chat' });
    const a0 = w.next();
    const b0 = w.next(); // a's next turn is not ready: a new session starts
    expect(a0.session).toEqual({ id: 0, turn: 0, turns: 3 });
    expect(b0.session).toEqual({ id: 1, turn: 0, turns: 3 });
    w.complete(a0, { ok: true, replyText: 'reply to a zero' });
    const a1 = w.next();
    expect(a1.session).toEqual({ id: 0, turn: 1, turns: 3 });
    const msgs = a1.prompt.kind === 'chat' ? a1.prompt.messages : [];
    expect(msgs.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(msgs[0]!.content).toBe(a0.prompt.kind === 'chat' ? a0.prompt.messages[0]!.content : '');
    expect(msgs[1]!.content).toBe('reply to a zero');
    expect(a1.promptTokens).toBe(4 + 4 + 4);
    // a failed turn ends its session
    w.complete(b0, { ok: false, replyText: '' });
    expect(w.next().session).toMatchObject({ id: 2, turn: 0 });
    w.complete(a1, { ok: true, replyText: 'r1' });
    const a2 = w.next();
    expect(a2.session).toEqual({ id: 0, turn: 2, turns: 3 });
    w.complete(a2, { ok: true, replyText: 'r2' });
    expect(w.next().session?.id).not.toBe(0); // last turn done
  });
});

describe('presets', () => {
  it('are valid workloads, plans and params', () => {
    expect(Object.keys(WORKLOAD_PRESETS)).toEqual(
      expect.arrayContaining([
        'single-stream-latency',
        'batch-throughput',
        'long-context',
        'long-generation',
      ]),
    );
    for (const [name, p] of Object.entries(WORKLOAD_PRESETS)) {
      expect(WorkloadSpecSchema.safeParse(p.workload).success, name).toBe(true);
      expect(LoadPlanSpecSchema.safeParse(p.loadPlan).success, name).toBe(true);
      expect(RequestParamsSchema.safeParse(p.params).success, name).toBe(true);
    }
    const lc = WORKLOAD_PRESETS['long-context'].workload;
    expect(
      lc.kind === 'synthetic' && lc.inputTokens.kind === 'uniform' && lc.inputTokens.min,
    ).toBeGreaterThanOrEqual(1000);
  });
});

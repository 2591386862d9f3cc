/**
 * `inferbench bench --tokenizer auto` (the default) as a real child process against real simulators: one with the
 * vLLM-shaped tokenize endpoint, one without it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RequestSampleSchema } from '@inferbench/contracts';
import { startSim, type SimServer } from '@inferbench/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInferbench } from '../testing/run-cli-process.js';
import { BenchResultV2Schema } from './result.js';

let sim: SimServer;
let bare: SimServer;
let dir: string;

beforeAll(async () => {
  const profiles = {
    llama: {
      kind: 'fixed' as const,
      ttftMs: 5,
      tpotMs: 1,
      chatTemplate: { perRequestTokens: 5, perMessageTokens: 5 },
    },
  };
  sim = await startSim({ port: 0, profiles, models: ['llama'] });
  bare = await startSim({ port: 0, profiles, models: ['llama'], tokenizeEndpoints: false });
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-cli-tok-'));
});

afterAll(async () => {
  await sim?.close();
  await bare?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const args = (url: string, out: string, reqs: string): string[] => [
  'bench',
  '--base-url',
  `${url}/v1`,
  '--model',
  'llama',
  '--concurrency',
  '4',
  '--requests',
  '12',
  '--input-tokens',
  '128',
  '--output-tokens',
  '8',
  '--ignore-eos',
  '--out',
  out,
  '--out-requests',
  reqs,
];

describe('inferbench bench --tokenizer auto', () => {
  it("uses the server's tokenizer: server input = 128 + template overhead; recorded in --out", async () => {
    const out = path.join(dir, 'auto.json');
    const reqs = path.join(dir, 'auto.jsonl');
    const r = await runInferbench(args(sim.url, out, reqs));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/tokenizer: server:vllm@.* adds 10 token\(s\)/);
    const result = BenchResultV2Schema.parse(JSON.parse(await readFile(out, 'utf8')));
    expect(result.config.tokenizer).toBe('auto');
    expect(result.tokenizer).toMatchObject({
      setting: 'auto',
      source: 'server',
      engine: 'vllm',
      approximate: false,
      templateOverheadTokens: 10,
    });
    const samples = (await readFile(reqs, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => RequestSampleSchema.parse(JSON.parse(l)));
    expect(samples.length).toBeGreaterThanOrEqual(12);
    for (const s of samples) {
      expect(s.tokenSource).toBe('server');
      expect(s.inputTokens).toBe(128 + 10);
    }
  });

  it('falls back to o200k_base with a visible warning when the server has no tokenize endpoint', async () => {
    const out = path.join(dir, 'bare.json');
    const r = await runInferbench(args(bare.url, out, path.join(dir, 'bare.jsonl')));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: tokenizer: using o200k_base, not llama's own .*approximate/);
    const result = BenchResultV2Schema.parse(JSON.parse(await readFile(out, 'utf8')));
    expect(result.tokenizer).toMatchObject({ source: 'builtin', name: 'o200k_base', approximate: true });
    expect(result.notes?.some((n) => /approximate/.test(n))).toBe(true);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchOptions, type BenchCliOptions } from './bench-options.js';

const base: BenchCliOptions = { baseUrl: 'http://127.0.0.1:8000/v1', model: 'm' };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-opts-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('parseBenchOptions', () => {
  it('defaults to one point at c=1, 100 requests, a synthetic 256/128 workload, chat API, no key', async () => {
    const { config, apiKey } = await parseBenchOptions(base, {});
    expect(config.plan).toMatchObject({
      kind: 'concurrency',
      levels: [1],
      requests: 100,
      limits: { maxDurationSec: 3600 },
    });
    // a fresh random seed per invocation (a repeated seed would resend the same prompts)
    expect(Number.isInteger(config.plan.seed) && (config.plan.seed as number) > 0).toBe(true);
    expect(config.workload).toEqual({
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 256 },
      outputTokens: { kind: 'fixed', value: 128 },
    });
    expect(config).toMatchObject({ apiKind: 'chat', hasApiKey: false, params: {} });
    expect(apiKey).toBeUndefined();
  });

  it('builds an open-loop rate list and takes the key from the environment without recording it', async () => {
    const { config, apiKey } = await parseBenchOptions(
      {
        ...base,
        rate: '2.5,5',
        arrival: 'gamma',
        burstiness: '0.5',
        maxConcurrency: '64',
        duration: '30',
        api: 'completions',
      },
      { OPENAI_API_KEY: 'sk-test' },
    );
    expect(config.plan).toMatchObject({
      kind: 'rate',
      levels: [2.5, 5],
      arrival: 'gamma',
      burstiness: 0.5,
      maxConcurrency: 64,
      durationSec: 30,
    });
    expect(config.plan.requests).toBeUndefined();
    expect(config).toMatchObject({ apiKind: 'completions', hasApiKey: true });
    expect(apiKey).toBe('sk-test');
    expect(JSON.stringify(config)).not.toContain('sk-test');
  });

  it('builds stages, sweep and SLA plans and limits from the shorthand flags', async () => {
    const st = await parseBenchOptions(
      { ...base, stages: '30s:10,1m:50,500ms:0', stageMode: 'rate', arrival: 'constant' },
      {},
    );
    expect(st.config.plan).toMatchObject({
      kind: 'stages',
      mode: 'rate',
      arrival: 'constant',
      stages: [
        { durationSec: 30, target: 10 },
        { durationSec: 60, target: 50 },
        { durationSec: 0.5, target: 0 },
      ],
    });
    // stages last the sum of their durations: no default request count
    expect(st.config.plan.requests).toBeUndefined();

    const sw = await parseBenchOptions(
      { ...base, sweep: true, sweepPoints: '5', maxConcurrency: '32', requests: '20' },
      {},
    );
    expect(sw.config.plan).toMatchObject({
      kind: 'sweep',
      mode: 'rate',
      points: 5,
      maxConcurrency: 32,
      requests: 20,
    });

    const sla = await parseBenchOptions(
      { ...base, sla: 'p99(ttft)<500ms,p99(tpot)<50ms', slaMax: '64', maxErrorRate: '0.05' },
      {},
    );
    expect(sla.config.plan).toMatchObject({
      kind: 'sla',
      mode: 'concurrency',
      max: 64,
      maxErrorRate: 0.05,
      limits: { maxErrorRate: 0.05 },
    });
    expect(sla.config.slo).toEqual({ ttftMs: 500, tpotMs: 50, percentile: 99 });
  });

  it('reads a workload preset and lets extent flags replace its plan extent', async () => {
    const { config } = await parseBenchOptions(
      { ...base, preset: 'chat-poisson-sweep', requests: '10', temperature: '0' },
      {},
    );
    expect(config.workload).toMatchObject({ kind: 'dataset', source: 'builtin:mini-chat' });
    expect(config.plan).toMatchObject({ kind: 'sweep', requests: 10 });
    expect(config.plan.durationSec).toBeUndefined();
    expect(config.params).toEqual({ temperature: 0 });
    expect(config.preset).toBe('chat-poisson-sweep');
  });

  it('builds dataset and synthetic workloads with distributions and shared prefixes', async () => {
    const ds = await parseBenchOptions(
      { ...base, dataset: 'builtin:mini-chat', outputTokens: 'uniform:10-20' },
      {},
    );
    expect(ds.config.workload).toEqual({
      kind: 'dataset',
      source: 'builtin:mini-chat',
      format: 'prompts',
      outputTokens: { kind: 'uniform', min: 10, max: 20 },
    });
    const sy = await parseBenchOptions(
      { ...base, inputTokens: 'normal:256,50', sharedPrefix: '4:100', turns: '3' },
      {},
    );
    expect(sy.config.workload).toMatchObject({
      inputTokens: { kind: 'normal', mean: 256, std: 50 },
      sharedPrefix: { groups: 4, prefixTokens: 100 },
      multiTurn: { turns: { kind: 'fixed', value: 3 } },
    });
  });

  it('names the bad field of a --plan file and of a --workload file', async () => {
    const plan = path.join(dir, 'plan.json');
    await writeFile(plan, JSON.stringify({ kind: 'rate', levels: [2, -1], requests: 5 }));
    await expect(parseBenchOptions({ ...base, plan }, {})).rejects.toThrow(
      /is not a valid load plan:\n {2}levels\.1: /,
    );
    const wl = path.join(dir, 'workload.json');
    await writeFile(
      wl,
      JSON.stringify({
        kind: 'synthetic',
        inputTokens: { kind: 'fixed', value: 0 },
        outputTokens: { kind: 'fixed', value: 5 },
      }),
    );
    await expect(parseBenchOptions({ ...base, workload: wl }, {})).rejects.toThrow(
      /is not a valid workload:\n {2}inputTokens\.value: /,
    );
  });

  it.each([
    [{ concurrency: '2', rate: '1' }, 'give one load plan, not --concurrency and --rate'],
    [{ arrival: 'poisson' }, '--arrival only applies to open-loop (rate) plans'],
    [{ rate: '1', arrival: 'bursty' }, '--arrival must be poisson or constant or gamma, got "bursty"'],
    [{ api: 'responses' }, '--api must be chat or completions, got "responses"'],
    [{ baseUrl: 'localhost:8000' }, '--base-url must be an http(s) URL, got "localhost:8000"'],
    [{ model: undefined }, '--model is required (the model name the server serves)'],
    [{ requests: '1.5' }, '--requests must be an integer >= 1, got "1.5"'],
    [{ rate: '1,0' }, '--rate: each value must be a number > 0, got "0"'],
    [{ concurrency: '0' }, '--concurrency: each value must be an integer >= 1, got "0"'],
    [{ speedup: '2' }, '--speedup only applies with --trace'],
    [{ sla: 'p99(ttft)<500ms', slaMode: 'rate' }, '--sla-mode rate needs --sla-max'],
    [{ sla: 'p99(ttft)<1s', slo: 'p99(ttft)<1s' }, '--slo cannot be combined with an SLA search'],
    [{ dataset: 'builtin:nope' }, '--dataset: unknown built-in dataset "nope"'],
    [{ dataset: 'builtin:mini-chat', inputTokens: '5' }, '--input-tokens does not apply to --dataset'],
    [{ preset: 'nope' }, 'unknown preset "nope"'],
    [{ preset: 'long-context', outputTokens: '5' }, '--output-tokens cannot be combined with --preset'],
    [{ sharedPrefix: '8' }, '--shared-prefix takes groups:tokens'],
    [{ trace: '/nonexistent/trace.jsonl' }, '--trace: cannot read /nonexistent/trace.jsonl'],
    [{ maxErrorRate: '2' }, '--max-error-rate must be a number >= 0 and <= 1, got "2"'],
  ] as [Partial<BenchCliOptions>, string][])('rejects %o', async (over, message) => {
    await expect(parseBenchOptions({ ...base, ...over } as BenchCliOptions, {})).rejects.toThrow(message);
  });
});

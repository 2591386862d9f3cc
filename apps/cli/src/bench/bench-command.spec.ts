import { describe, expect, it } from 'vitest';
import { parseBenchOptions, type BenchCliOptions } from './bench-command.js';

const base: BenchCliOptions = {
  baseUrl: 'http://127.0.0.1:8000/v1',
  model: 'm',
  inputTokens: '256',
  outputTokens: '128',
  warmup: '0',
  seed: '1',
  tokenizer: 'o200k_base',
  maxDuration: '3600',
};

describe('parseBenchOptions', () => {
  it('defaults to c=1 and 100 requests, chat API, no key', () => {
    const { config, apiKey } = parseBenchOptions(base, {});
    expect(config).toMatchObject({ apiKind: 'chat', load: { kind: 'concurrency', concurrency: 1 }, requests: 100, hasApiKey: false });
    expect(config.durationSec).toBeUndefined();
    expect(apiKey).toBeUndefined();
  });

  it('builds an open-loop level and takes the key from the environment without recording it', () => {
    const { config, apiKey } = parseBenchOptions(
      { ...base, rate: '2.5', arrival: 'gamma', burstiness: '0.5', maxConcurrency: '64', duration: '30', api: 'completions' },
      { OPENAI_API_KEY: 'sk-test' },
    );
    expect(config.load).toEqual({ kind: 'rate', rate: 2.5, arrival: 'gamma', burstiness: 0.5, maxConcurrency: 64 });
    expect(config).toMatchObject({ durationSec: 30, apiKind: 'completions', hasApiKey: true });
    expect(config.requests).toBeUndefined();
    expect(apiKey).toBe('sk-test');
    expect(JSON.stringify(config)).not.toContain('sk-test');
  });

  it.each([
    [{ concurrency: '2', rate: '1' }, 'give either --concurrency or --rate, not both'],
    [{ arrival: 'poisson' }, '--arrival only applies with --rate'],
    [{ rate: '1', arrival: 'bursty' }, '--arrival must be poisson, constant or gamma, got "bursty"'],
    [{ api: 'responses' }, '--api must be chat or completions, got "responses"'],
    [{ baseUrl: 'localhost:8000' }, '--base-url must be an http(s) URL, got "localhost:8000"'],
    [{ model: undefined }, '--model is required (the model name the server serves)'],
    [{ requests: '1.5' }, '--requests must be an integer >= 1, got "1.5"'],
    [{ rate: '0' }, '--rate must be a number > 0, got "0"'],
  ] as [Partial<BenchCliOptions>, string][])('rejects %o', (over, message) => {
    expect(() => parseBenchOptions({ ...base, ...over } as BenchCliOptions, {})).toThrow(message);
  });
});

import type { RequestSample } from '@inferbench/contracts';
import { createRng, summarizeSamples } from '@inferbench/metrics';
import { describe, expect, it } from 'vitest';
import { importResultFile, summariesToCsv, toVllmResult } from '../src/index.js';

/** Native samples: streamed requests whose stream ends `tailUs` after the last chunk. */
function nativeSamples(n: number, seed: number, tailUs: number): RequestSample[] {
  const r = createRng(seed);
  const rng = (): number => r.next();
  const out: RequestSample[] = [];
  for (let i = 0; i < n; i++) {
    const sentUs = Math.round(i * 50_000 + rng() * 10_000);
    if (i % 37 === 5) {
      out.push({
        idx: i,
        warmup: false,
        sentUs,
        endUs: sentUs + 2000,
        chunkGapsUs: [],
        inputTokens: 100,
        outputTokens: 0,
        reasoningTokens: 0,
        tokenSource: 'server',
        httpStatus: 503,
        errorClass: 'http',
        errorMessage: 'HTTP 503',
      });
      continue;
    }
    const first = sentUs + 50_000 + Math.round(rng() * 100_000);
    const gaps = Array.from({ length: 10 + Math.floor(rng() * 40) }, () => 8000 + Math.round(rng() * 12_000));
    const last = first + gaps.reduce((a, b) => a + b, 0);
    out.push({
      idx: i,
      warmup: false,
      sentUs,
      firstChunkUs: first,
      endUs: last + tailUs,
      chunkGapsUs: gaps,
      inputTokens: 200 + i,
      outputTokens: gaps.length + 1 + (i % 3),
      reasoningTokens: 0,
      tokenSource: 'server',
      httpStatus: 200,
    });
  }
  return out;
}

describe('round trip: native summary + samples → vLLM JSON → import', () => {
  it('gives back the same figures', () => {
    const samples = nativeSamples(300, 42, 0);
    const summary = summarizeSamples(samples);
    const json = toVllmResult(summary, samples, {
      percentiles: [50, 90, 99],
      metadata: { backend: 'openai-chat', model_id: 'm' },
    });
    const back = importResultFile(JSON.stringify(json));
    expect(back.tool).toBe('vllm');
    const p = back.points[0]!;
    expect(p.detail).toBe('samples');
    // scalars and counts exactly as exported
    expect(p.scalars.requestThroughput).toBe(summary.requestThroughput);
    expect(p.scalars.outputTokenThroughput).toBe(summary.outputTokenThroughput);
    expect(p.scalars.durationSec).toBe(summary.durationSec);
    expect(p.requests).toEqual({
      succeeded: summary.requests.succeeded,
      failed: summary.requests.failed,
      total: summary.requests.total,
    });
    expect(p.tokens).toEqual({ input: summary.tokens.input, output: summary.tokens.output });
    // rebuilt distributions: identical Stats (same µs values, same accumulator)
    for (const f of ['ttftMs', 'tpotMs', 'itlMs', 'e2eMs', 'ttstMs', 'ntpotMs'] as const)
      expect([f, p.rebuilt!.latency[f]]).toEqual([f, summary.latency[f]]);
    // and the file's aggregates (written vLLM's way from the samples) agree with ours within HDR precision
    for (const [f, m] of [
      ['ttftMs', 'ttft'],
      ['tpotMs', 'tpot'],
      ['itlMs', 'itl'],
      ['e2eMs', 'e2el'],
    ] as const) {
      expect(p.reported[f]!.mean).toBeCloseTo(summary.latency[f]!.mean, 6);
      expect(p.reported[f]!.std).toBeCloseTo(summary.latency[f]!.std, 6);
      expect(json[`median_${m}_ms`]).toBe(p.reported[f]!.percentiles['50']);
    }
  });

  it('vLLM arrays cannot carry end-of-stream: E2E rebuilt from them stops at the last chunk', () => {
    const samples = nativeSamples(100, 7, 3000); // [DONE] 3 ms after the last chunk
    const summary = summarizeSamples(samples);
    const p = importResultFile(JSON.stringify(toVllmResult(summary, samples))).points[0]!;
    expect(p.reported.e2eMs!.mean).toBeCloseTo(summary.latency.e2eMs!.mean, 6); // aggregates: ours
    expect(summary.latency.e2eMs!.mean - p.rebuilt!.latency.e2eMs!.mean).toBeCloseTo(3, 6); // arrays: 3 ms shorter
    expect(p.rebuilt!.latency.ttftMs).toEqual(summary.latency.ttftMs);
    expect(p.rebuilt!.latency.itlMs).toEqual(summary.latency.itlMs);
  });

  it('without samples writes the HDR Stats under vLLM keys', () => {
    const summary = summarizeSamples(nativeSamples(50, 3, 0));
    const json = toVllmResult(summary, undefined, { percentiles: [90, 99] });
    expect(json.p99_ttft_ms).toBe(summary.latency.ttftMs!.p99);
    expect(json.median_itl_ms).toBe(summary.latency.itlMs!.p50);
    expect(json.ttfts).toBeUndefined();
    expect(importResultFile(JSON.stringify(json)).points[0]!.detail).toBe('aggregates');
  });
});

describe('CSV export', () => {
  it('writes one row per summary, empty cells for absent figures', () => {
    const a = summarizeSamples(nativeSamples(40, 1, 0));
    const b = summarizeSamples(nativeSamples(40, 2, 0));
    delete b.latency.itlMs;
    const csv = summariesToCsv([
      { label: 'fp16, c=8', summary: a, columns: { variant: 'fp16' } },
      { label: 'int4', summary: b, columns: { variant: 'int4' } },
    ]);
    const [head, r1, r2] = csv
      .trim()
      .split('\n')
      .map((l) => l.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/));
    const col = (name: string) => head!.indexOf(name);
    expect(r1![0]).toBe('"fp16, c=8"');
    expect(r1![col('variant')]).toBe('fp16');
    expect(Number(r1![col('ttftMs_p99')])).toBe(a.latency.ttftMs!.p99);
    expect(Number(r2![col('requestThroughput')])).toBe(b.requestThroughput);
    expect(r2![col('itlMs_mean')]).toBe('');
    expect(r2![col('goodput')]).toBe('');
  });
});

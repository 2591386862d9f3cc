import { describe, expect, it } from 'vitest';
import { detectTool, importResultFile, InteropError } from '../src/index.js';
import { fixture } from './helpers.js';

describe('GuideLLM report (JSON, newer schema)', () => {
  // Fixture written from GuideLLM's pydantic schemas (vllm-project/guidellm:
  // src/guidellm/benchmark/schemas/generative/{report,benchmark,metrics}.py, schemas/statistics.py).
  const r = importResultFile(fixture('guidellm.json'));
  const p = r.points[0]!;
  it('maps GuideLLM "ITL" to our TPOT and GuideLLM "TPOT" to our NTPOT', () => {
    expect(r.tool).toBe('guidellm');
    expect(r.toolVersion).toBe('0.4.0');
    expect(p.detail).toBe('aggregates');
    expect(p.load).toEqual({ kind: 'concurrency', concurrency: 24 });
    expect(p.reported.tpotMs!.mean).toBe(21.4); // inter_token_latency_ms
    expect(p.reported.ntpotMs!.mean).toBe(24.9); // time_per_output_token_ms
    expect(p.reported.itlMs).toBeUndefined(); // GuideLLM has no chunk-gap figure
    expect(p.sources['latency.tpotMs']!.note).toMatch(/token-weighted/);
    expect(p.reported.ttftMs!.percentiles['99.9']).toBe(409.9);
    expect(p.reported.e2eMs!.percentiles['50']).toBeCloseTo(2640, 9); // seconds → ms
    expect(p.requests).toEqual({ succeeded: 240, failed: 5, total: 245 });
    expect(p.scalars.requestThroughput).toBe(7.93);
    expect(p.scalars.durationSec).toBe(30.27);
    expect(p.tokens).toEqual({ input: 245760, output: 28800 });
  });
});

describe('GuideLLM report (YAML, 0.2 schema)', () => {
  // Fixture written from guidellm 0.2's benchmark.py (GenerativeBenchmark with args/run_stats/total_count).
  const r = importResultFile(fixture('guidellm-v02.yaml'), { fileName: 'benchmarks.yaml' });
  const p = r.points[0]!;
  it('parses YAML and refuses to guess the version-dependent TPOT', () => {
    expect(r.tool).toBe('guidellm');
    expect(p.load).toEqual({ kind: 'rate', rate: 4 });
    expect(p.reported.tpotMs!.percentiles['50']).toBe(8.6);
    expect(p.reported.ntpotMs).toBeUndefined();
    expect(p.extras.time_per_output_token_ms).toBeDefined();
    expect(r.warnings.join()).toMatch(/changed definition/);
    expect(p.flags.join()).toMatch(/2 incomplete/);
  });
});

describe('AIPerf exports', () => {
  // Fixtures from AIPerf docs/tutorials/working-with-profile-exports.md (JSON and CSV examples).
  it('JSON: AIPerf ITL is our TPOT, inter-chunk latency our ITL', () => {
    const r = importResultFile(fixture('aiperf.json'));
    const p = r.points[0]!;
    expect(r.format).toBe('aiperf-json');
    expect(p.reported.tpotMs!.mean).toBe(51.76);
    expect(p.reported.itlMs!.percentiles['99']).toBe(120.4);
    expect(p.reported.e2eMs!.percentiles['25']).toBe(5678.539702);
    expect(p.reported.decodeTokensPerSec!.mean).toBe(19.33);
    expect(p.scalars).toMatchObject({ requestThroughput: 13.16084556379392, outputTokenThroughput: 1274.63 });
    expect(p.scalars.goodput).toBeUndefined(); // goodput: null
    expect(p.requests).toEqual({ succeeded: 200, failed: 84 });
    expect(p.load).toEqual({ kind: 'concurrency', concurrency: 100 });
    expect(r.metadata.model).toBe('openai/gpt-oss-20b');
  });
  it('CSV: same mapping from display names; GPU section ignored', () => {
    const r = importResultFile(fixture('aiperf.csv'), { fileName: 'profile_export_aiperf.csv' });
    const p = r.points[0]!;
    expect(r.format).toBe('aiperf-csv');
    expect(p.reported.tpotMs).toMatchObject({
      mean: 51.76,
      std: 1.23,
      percentiles: { '1': 50.41, '99': 55.87 },
    });
    expect(p.reported.ttftMs!.max).toBe(4121.09);
    expect(p.scalars.durationSec).toBe(15.2);
    expect(p.requests.succeeded).toBe(200);
    expect(Object.keys(p.reported).sort()).toEqual(['e2eMs', 'tpotMs', 'ttftMs']);
  });
  it('CSV with a bad number names the line', () => {
    const bad = fixture('aiperf.csv').replace('1588.80', 'abc');
    expect(() => importResultFile(bad)).toThrow(/aiperf file \(field `line 3 avg`\)/);
  });
});

describe('inference-perf report', () => {
  // Fixture from kubernetes-sigs/inference-perf inference_perf/reportgen/base.py (summarize_requests).
  const r = importResultFile(fixture('inference-perf.json'));
  const p = r.points[0]!;
  it('converts seconds to ms and maps NTPOT/TPOT/ITL', () => {
    expect(r.tool).toBe('inference-perf');
    expect(p.reported.ntpotMs!.percentiles['50']).toBeCloseTo(23.8, 9);
    expect(p.reported.tpotMs!.mean).toBeCloseTo(21.9, 9);
    expect(p.reported.itlMs!.percentiles['99.9']).toBeCloseTo(142.1, 9);
    expect(p.reported.scheduleDelayMs!.percentiles['0.1']).toBeCloseTo(0.1, 9);
    expect(p.requests).toEqual({ succeeded: 594, failed: 6, total: 600 });
    expect(p.scalars).toMatchObject({
      durationSec: 60.48,
      requestThroughput: 9.821,
      outputTokenThroughput: 1257.1,
    });
    expect(p.load).toEqual({ kind: 'rate', rate: 10 });
    expect(p.tokens).toEqual({ input: 307200, output: 76032 });
  });
});

describe('k6 summaries', () => {
  // Shapes from the k6 docs (end-of-test summary, --summary-export, handleSummary data).
  it('--summary-export', () => {
    const r = importResultFile(fixture('k6-summary-export.json'));
    const p = r.points[0]!;
    expect(r.format).toBe('k6-summary-export');
    expect(p.reported.ttftMs).toEqual({
      mean: 152.4,
      min: 61,
      max: 902,
      percentiles: { '50': 140, '90': 231, '95': 288.05, '99': 512.2 },
    });
    expect(p.requests).toEqual({ succeeded: 1190, failed: 10, total: 1200 });
    expect(p.scalars.durationSec).toBeCloseTo(120.41253, 9);
    expect(p.sources['scalars.requestThroughput']!.relation).toBe('approx');
    expect(p.tokens.output).toBe(152320);
  });
  it('handleSummary data', () => {
    const r = importResultFile(fixture('k6-handle-summary.json'));
    const p = r.points[0]!;
    expect(r.format).toBe('k6-handle-summary');
    expect(p.reported.e2eMs!.percentiles['95']).toBe(2790);
    expect(p.reported.tpotMs).toBeUndefined();
    expect(p.extras.http_req_duration).toBeDefined(); // built-in kept, not mapped
    expect(p.reported.e2eMs!.mean).not.toBe(1790); // …and never used as E2E
  });
});

describe('detection and forcing', () => {
  it('detects every fixture', () => {
    const cases: [string, string][] = [
      ['vllm-detailed.json', 'vllm'],
      ['vllm-aggregates.json', 'vllm'],
      ['guidellm.json', 'guidellm'],
      ['guidellm-v02.yaml', 'guidellm'],
      ['aiperf.json', 'aiperf'],
      ['aiperf.csv', 'aiperf'],
      ['inference-perf.json', 'inference-perf'],
      ['k6-summary-export.json', 'k6'],
      ['k6-handle-summary.json', 'k6'],
    ];
    for (const [f, tool] of cases) expect([f, detectTool(fixture(f))]).toEqual([f, tool]);
  });
  it('an unknown file says so', () => {
    expect(() => importResultFile('{"hello": 1}')).toThrow(/unrecognized file/);
    expect(() => importResultFile('just text')).toThrow(InteropError);
  });
  it('forcing the wrong tool names that tool and the missing field', () => {
    expect(() => importResultFile(fixture('aiperf.json'), { tool: 'inference-perf' })).toThrow(
      /inference-perf file \(field `successes`\): missing/,
    );
    expect(() => importResultFile(fixture('inference-perf.json'), { tool: 'guidellm' })).toThrow(
      /guidellm file \(field `benchmarks`\)/,
    );
    const r = importResultFile(fixture('aiperf.json'), { tool: 'aiperf' });
    expect(r.detectedBy).toBe('forced');
  });
});

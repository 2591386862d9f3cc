import { describe, expect, it } from 'vitest';
import { importResultFile, InteropError, linearPercentile, VLLM_RETOKENIZED_FLAG } from '../src/index.js';
import { fixture } from './helpers.js';

/*
 * Fixtures vllm-detailed.json / vllm-aggregates.json are written by scripts/gen_vllm_fixtures.py with
 * the key names of vLLM's result dict (benchmarks/benchmark_serving.py and vllm/benchmarks/serve.py:
 * benchmark() `result` + main() `result_json`, arrays kept only with --save-detailed). Their
 * aggregates are computed honestly from the arrays with numpy (mean, population std, median,
 * percentile 'linear'), as vLLM's calculate_metrics() does.
 */

const detailedText = fixture('vllm-detailed.json');
const file = JSON.parse(detailedText) as Record<string, unknown>;

/** The file's successful-request series, in ms, rebuilt from its arrays like vLLM does. */
function seriesFromArrays() {
  const ttfts = file.ttfts as number[];
  const itls = file.itls as number[][];
  const out = file.output_lens as number[];
  const errors = file.errors as string[];
  const s = { ttft: [] as number[], tpot: [] as number[], itl: [] as number[], e2el: [] as number[] };
  ttfts.forEach((t, i) => {
    if (errors[i] !== '') return;
    const lat = t + itls[i]!.reduce((a, b) => a + b, 0);
    s.ttft.push(t * 1000);
    s.e2el.push(lat * 1000);
    for (const g of itls[i]!) s.itl.push(g * 1000);
    if (out[i]! > 1) s.tpot.push(((lat - t) / (out[i]! - 1)) * 1000);
  });
  for (const k of Object.keys(s) as (keyof typeof s)[]) s[k].sort((a, b) => a - b);
  return s;
}

describe('vLLM detailed file (benchmark_serving.py --save-detailed)', () => {
  const r = importResultFile(detailedText);
  const p = r.points[0]!;

  it('is detected as vLLM benchmark_serving.py output and rebuilt from samples', () => {
    expect(r.tool).toBe('vllm');
    expect(r.format).toBe('vllm-benchmark-serving');
    expect(r.detectedBy).toBe('shape');
    expect(r.toolVersion).toBe('0.8.3');
    expect(p.detail).toBe('samples');
    expect(p.load).toEqual({ kind: 'rate', rate: 8, maxConcurrency: 16, burstiness: 1 });
    expect(p.requests).toEqual({ succeeded: 397 });
    expect(p.rebuilt!.samples).toHaveLength(400);
    expect(p.rebuilt!.accumulator.summary().requests).toMatchObject({ succeeded: 397, failed: 3 });
    expect(p.flags).toContain(VLLM_RETOKENIZED_FLAG);
    expect(p.tokens.output).toBe(file.total_output_tokens);
  });

  it("the fixture's own aggregates are numpy-linear percentiles of its arrays (fixture is honest)", () => {
    const s = seriesFromArrays();
    for (const m of ['ttft', 'tpot', 'itl', 'e2el'] as const) {
      for (const q of [50, 90, 99]) {
        const fileV = file[`p${q}_${m}_ms`] as number;
        expect(Math.abs(linearPercentile(s[m], q) - fileV)).toBeLessThan(1e-9 * Math.max(1, fileV));
      }
      expect(s[m].reduce((a, b) => a + b, 0) / s[m].length).toBeCloseTo(file[`mean_${m}_ms`] as number, 9);
    }
  });

  /*
   * Tolerance: our percentiles are HDR nearest-rank (3 significant digits): the reported value is
   * the exact nearest-rank order statistic x[⌈pN/100⌉] or above it by at most 1/1024 of it (bucket
   * width). numpy interpolates linearly between x[⌊h⌋] and x[⌊h⌋+1], h = (N−1)p/100. So ours must lie
   * in [min(x[lo], x[k]), max(x[hi], x[k]) · (1 + 2^−10)], and since neighbouring order statistics are
   * close here, p50/p90 within 0.5 % of the file's value (p99 of a few hundred requests sits in the
   * sparse tail, where neighbouring order statistics are ~1 % apart). Times are whole µs in the fixture, so µs rebuilding
   * adds no error; means are exact (to float rounding).
   */
  it('our TTFT/TPOT/ITL/E2E p50/p90/p99 from the arrays agree with the file (HDR + nearest-rank tolerance)', () => {
    const s = seriesFromArrays();
    const map = { ttft: 'ttftMs', tpot: 'tpotMs', itl: 'itlMs', e2el: 'e2eMs' } as const;
    const rows: string[] = [];
    for (const m of ['ttft', 'tpot', 'itl', 'e2el'] as const) {
      const acc = p.rebuilt!.accumulator;
      const xs = s[m];
      const n = xs.length;
      expect(p.rebuilt!.latency[map[m]]!.count).toBe(n);
      expect(p.rebuilt!.latency[map[m]]!.mean).toBeCloseTo(file[`mean_${m}_ms`] as number, 6);
      expect(p.rebuilt!.latency[map[m]]!.std).toBeCloseTo(file[`std_${m}_ms`] as number, 4);
      for (const q of [50, 90, 99]) {
        const ours = acc.percentile(map[m], q)!;
        const fileV = file[`p${q}_${m}_ms`] as number;
        const h = ((n - 1) * q) / 100;
        const lo = xs[Math.floor(h)]!;
        const hi = xs[Math.min(Math.ceil(h), n - 1)]!;
        const k = xs[Math.ceil((q / 100) * n) - 1]!;
        expect(ours).toBeGreaterThanOrEqual(Math.min(lo, k) - 1e-9);
        expect(ours).toBeLessThanOrEqual(Math.max(hi, k) * (1 + 2 ** -10) + 1e-9);
        // derived bound: spread of the order statistics involved + HDR bucket width
        const bound = (Math.max(hi, k) - Math.min(lo, k)) / fileV + 2 ** -10;
        expect(Math.abs(ours - fileV) / fileV).toBeLessThanOrEqual(bound + 1e-12);
        rows.push(
          `${m} p${q}: file ${fileV.toFixed(4)} ms, ours ${ours.toFixed(4)} ms, diff ${(((ours - fileV) / fileV) * 100).toFixed(3)} %`,
        );
      }
    }
    if (process.env.INTEROP_REPORT) console.log(rows.join('\n'));
    // the headline: every p50 within 0.5 % of the file's numpy value
    for (const r of rows.filter((x) => / p50:/.test(x)))
      expect(Math.abs(Number(/diff (-?[\d.]+) %/.exec(r)![1]))).toBeLessThan(0.5);
  });

  it('keeps the file-reported aggregates under our names', () => {
    expect(p.reported.tpotMs!.mean).toBe(file.mean_tpot_ms);
    expect(p.reported.itlMs!.percentiles['99']).toBe(file.p99_itl_ms);
    expect(p.reported.e2eMs!.percentiles['50']).toBe(file.median_e2el_ms);
    expect(p.sources['latency.tpotMs']!.relation).toBe('same');
    expect(p.sources['latency.e2eMs']!.relation).toBe('approx');
    expect(p.scalars.requestThroughput).toBe(file.request_throughput);
    expect(p.scalars.goodput).toBeUndefined(); // request_goodput: null → absent
  });
});

describe('vLLM aggregates-only file (vllm bench serve, no --save-detailed)', () => {
  const text = fixture('vllm-aggregates.json');
  const f = JSON.parse(text) as Record<string, number>;
  const r = importResultFile(text);
  const p = r.points[0]!;
  it('is "aggregates only" with exactly the figures the file holds', () => {
    expect(r.format).toBe('vllm-bench-serve');
    expect(r.toolVersion).toBeUndefined();
    expect(r.warnings.join()).toMatch(/version/);
    expect(p.detail).toBe('aggregates');
    expect(p.rebuilt).toBeUndefined();
    expect(p.requests).toEqual({ succeeded: 198, failed: 2, total: 200 });
    expect(p.scalars.errorRate).toBeCloseTo(0.01, 12);
    expect(p.reported.ttftMs).toEqual({
      mean: f.mean_ttft_ms,
      std: f.std_ttft_ms,
      percentiles: { '50': f.median_ttft_ms, '99': f.p99_ttft_ms },
    });
    expect(p.reported.e2eMs).toBeUndefined(); // default percentile metrics omit e2el
    expect(p.load).toEqual({ kind: 'rate', rate: 'inf', maxConcurrency: 32, burstiness: 1 });
    expect(p.extras.max_output_tokens_per_s).toBe(612);
  });
  it('reads --append-result files (one JSON object per line) as several points', () => {
    const two = importResultFile(`${JSON.stringify(f)}\n${JSON.stringify({ ...f, max_concurrency: 64 })}\n`);
    expect(two.points.map((x) => x.label)).toEqual(['rate=inf, c=32', 'rate=inf, c=64']);
  });
});

describe('vLLM bad files', () => {
  it('names the tool and the missing field', () => {
    const f = JSON.parse(fixture('vllm-aggregates.json')) as Record<string, unknown>;
    delete f.completed;
    expect(() => importResultFile(JSON.stringify(f), { tool: 'vllm' })).toThrow(
      /vllm file \(field `completed`\): missing/,
    );
  });
  it('names an invalid per-request entry', () => {
    const f = JSON.parse(detailedText) as Record<string, unknown>;
    (f.itls as unknown[])[3] = 'x';
    expect(() => importResultFile(JSON.stringify(f))).toThrow(InteropError);
    expect(() => importResultFile(JSON.stringify(f))).toThrow(/itls\[3\]/);
    (f.itls as unknown[]).pop();
    expect(() => importResultFile(JSON.stringify(f))).toThrow(
      /field `itls`\): has 399 entries, ttfts has 400/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { parsePromFloat, parsePrometheusText } from './prom-parser.js';

/**
 * Hand-written in the exact shape vLLM's prometheus_client output has (HELP/TYPE per family,
 * `_created` gauges next to counters, `model_name` labels, float values like `7.0`), plus the
 * format's corner cases: escaped label values, +Inf/NaN, exponents and timestamps.
 */
const VLLM_STYLE = String.raw`# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 12.0
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 3.0
# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.8734177215189873
# HELP vllm:prompt_tokens_total Number of prefill tokens processed.
# TYPE vllm:prompt_tokens_total counter
vllm:prompt_tokens_total{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.2345678e+06
# HELP vllm:prompt_tokens_created Number of prefill tokens processed.
# TYPE vllm:prompt_tokens_created gauge
vllm:prompt_tokens_created{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7215873612345e+09
# HELP vllm:request_success_total Count of successfully processed requests.
# TYPE vllm:request_success_total counter
vllm:request_success_total{engine="0",finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 512.0
vllm:request_success_total{engine="0",finished_reason="length",model_name="meta-llama/Llama-3.1-8B-Instruct"} 88.0
# HELP vllm:request_queue_time_seconds Histogram of time spent in WAITING phase for request.
# TYPE vllm:request_queue_time_seconds histogram
vllm:request_queue_time_seconds_sum{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 42.5
vllm:request_queue_time_seconds_bucket{engine="0",le="0.3",model_name="meta-llama/Llama-3.1-8B-Instruct"} 400.0
vllm:request_queue_time_seconds_bucket{engine="0",le="0.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 550.0
vllm:request_queue_time_seconds_bucket{engine="0",le="1.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 590.0
vllm:request_queue_time_seconds_bucket{engine="0",le="+Inf",model_name="meta-llama/Llama-3.1-8B-Instruct"} 600.0
vllm:request_queue_time_seconds_count{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 600.0
# HELP odd_labels A metric whose labels need escaping.\nSecond line of help with a \\ backslash.
# TYPE odd_labels untyped
odd_labels{path="C:\\models\\llama",quote="say \"hi\"",multi="a\nb",empty=""} -1.5e-3 1712345678901
odd_labels { spaced = "yes" , trailing="comma", } +Inf
# a free comment that is not HELP or TYPE
no_type_metric NaN
no_type_metric{x="1"} -Inf
`;

describe('parsePrometheusText', () => {
  const { families, errors } = parsePrometheusText(VLLM_STYLE);

  it('reads the vLLM-style body without errors', () => {
    expect(errors).toEqual([]);
  });

  it('types gauges and keeps model labels', () => {
    const f = families.get('vllm:kv_cache_usage_perc')!;
    expect(f.type).toBe('gauge');
    expect(f.help).toBe('KV-cache usage. 1 means 100 percent usage.');
    expect(f.samples).toEqual([
      {
        name: 'vllm:kv_cache_usage_perc',
        labels: { engine: '0', model_name: 'meta-llama/Llama-3.1-8B-Instruct' },
        value: 0.8734177215189873,
      },
    ]);
  });

  it('reads exponent values of counters and keeps _created as its own gauge family', () => {
    expect(families.get('vllm:prompt_tokens_total')!.type).toBe('counter');
    expect(families.get('vllm:prompt_tokens_total')!.samples[0]!.value).toBe(1234567.8);
    expect(families.get('vllm:prompt_tokens_created')!.type).toBe('gauge');
    expect(families.get('vllm:prompt_tokens_created')!.samples[0]!.value).toBe(1721587361.2345);
  });

  it('groups histogram _bucket/_sum/_count under the declared family with +Inf', () => {
    const h = families.get('vllm:request_queue_time_seconds')!;
    expect(h.type).toBe('histogram');
    expect(h.samples.map((s) => s.name)).toEqual([
      'vllm:request_queue_time_seconds_sum',
      'vllm:request_queue_time_seconds_bucket',
      'vllm:request_queue_time_seconds_bucket',
      'vllm:request_queue_time_seconds_bucket',
      'vllm:request_queue_time_seconds_bucket',
      'vllm:request_queue_time_seconds_count',
    ]);
    expect(h.samples.filter((s) => s.name.endsWith('_bucket')).map((s) => s.labels.le)).toEqual([
      '0.3',
      '0.5',
      '1.0',
      '+Inf',
    ]);
    expect(families.has('vllm:request_queue_time_seconds_bucket')).toBe(false);
  });

  it('unescapes label values and HELP text, and reads timestamps', () => {
    const f = families.get('odd_labels')!;
    expect(f.help).toBe('A metric whose labels need escaping.\nSecond line of help with a \\ backslash.');
    expect(f.samples[0]).toEqual({
      name: 'odd_labels',
      labels: { path: 'C:\\models\\llama', quote: 'say "hi"', multi: 'a\nb', empty: '' },
      value: -0.0015,
      timestampMs: 1712345678901,
    });
    expect(f.samples[1]).toEqual({
      name: 'odd_labels',
      labels: { spaced: 'yes', trailing: 'comma' },
      value: Infinity,
    });
  });

  it('makes untyped families for undeclared samples, with NaN and -Inf', () => {
    const f = families.get('no_type_metric')!;
    expect(f.type).toBe('untyped');
    expect(f.samples[0]!.value).toBeNaN();
    expect(f.samples[1]!.value).toBe(-Infinity);
  });

  it('keeps a label value that contains a closing brace, comma and equals sign', () => {
    const r = parsePrometheusText('m{a="x}, b=\\"y\\"",b="z"} 1\n');
    expect(r.errors).toEqual([]);
    expect(r.families.get('m')!.samples[0]!.labels).toEqual({ a: 'x}, b="y"', b: 'z' });
  });

  it('attaches OpenMetrics-style foo_total samples to a counter declared as foo', () => {
    const r = parsePrometheusText('# TYPE foo counter\nfoo_total 3\nfoo_created 1.7e9\n# EOF\n');
    expect(r.errors).toEqual([]);
    expect(r.families.get('foo')!.samples.map((s) => s.name)).toEqual(['foo_total', 'foo_created']);
  });

  it('accepts a quoted UTF-8 metric name inside the braces', () => {
    const r = parsePrometheusText('{"my.metric",le="1"} 4\n');
    expect(r.errors).toEqual([]);
    expect(r.families.get('my.metric')!.samples[0]!.labels).toEqual({ le: '1' });
  });

  it('records unreadable lines with their line number and keeps the rest', () => {
    const r = parsePrometheusText(
      [
        'good 1',
        'bad_value abc',
        'unterminated{a="x} 1',
        'dup{a="1",a="2"} 1',
        'trailing 1 2 3',
        '# TYPE x wibble',
        'good2 2',
      ].join('\n'),
    );
    expect(r.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6]);
    expect(r.errors[0]!.message).toContain("bad value 'abc'");
    expect([...r.families.keys()].filter((k) => r.families.get(k)!.samples.length > 0)).toEqual([
      'good',
      'good2',
    ]);
  });

  it('handles CRLF line endings', () => {
    const r = parsePrometheusText('# TYPE g gauge\r\ng 5\r\n');
    expect(r.families.get('g')!.samples[0]!.value).toBe(5);
  });
});

describe('parsePromFloat', () => {
  it.each([
    ['1', 1],
    ['-0.5', -0.5],
    ['1e3', 1000],
    ['2.5E-2', 0.025],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
    ['.5', 0.5],
    ['7.', 7],
  ])('%s → %d', (text, value) => {
    expect(parsePromFloat(text)).toBe(value);
  });

  it('rejects what Number() would accept but Prometheus does not', () => {
    expect(parsePromFloat('')).toBeUndefined();
    expect(parsePromFloat('0x1f')).toBeUndefined();
    expect(parsePromFloat('1,5')).toBeUndefined();
  });
});

import type { LoadPlanSpec, RequestParams, SloSpec } from '@inferbench/contracts';
import { k6Duration } from './duration.js';
import { K6_COUNTERS } from './names.js';

/** Input of {@link loadPlanToK6Script}. */
export interface K6ScriptInput {
  plan: LoadPlanSpec;
  target: { baseUrl: string; model: string; apiKind: 'chat' | 'completions' };
  /** one scenario set per variant; `params` become the request body (max_tokens, temperature, …) */
  variants: { label: string; params: RequestParams }[];
  slo?: SloSpec;
  /** prompt text sent with every request (k6 has no tokenizer: no exact token counts) */
  prompt?: string;
}

const DEFAULT_PROMPT = 'Write a short story about a lighthouse keeper.';

/** The OpenAI-compatible body for one variant (same fields and names as the loadgen client). */
export function variantBody(input: K6ScriptInput, params: RequestParams): Record<string, unknown> {
  const prompt = input.prompt ?? DEFAULT_PROMPT;
  const body: Record<string, unknown> = { model: input.target.model };
  if (input.target.apiKind === 'chat') body.messages = [{ role: 'user', content: prompt }];
  else body.prompt = prompt;
  if (params.maxTokens !== undefined) body.max_tokens = params.maxTokens;
  if (params.temperature !== undefined) body.temperature = params.temperature;
  if (params.topP !== undefined) body.top_p = params.topP;
  if (params.ignoreEos !== undefined) body.ignore_eos = params.ignoreEos;
  if (params.minTokens !== undefined) body.min_tokens = params.minTokens;
  body.stream = true;
  body.stream_options = { include_usage: true };
  if (params.extra) Object.assign(body, params.extra);
  return body;
}

type Scenario = Record<string, unknown>;

/**
 * k6 arrival rates are integers per `timeUnit`: the smallest whole-second time unit (≤ 1000 s) that
 * makes every given rate (req/s) an integer, else millisecond precision over 1000 s.
 */
export function k6RateUnit(ratesPerSec: readonly number[]): { multiplier: number; timeUnit: string } {
  for (let m = 1; m <= 1000; m++) {
    if (ratesPerSec.every((r) => Math.abs(r * m - Math.round(r * m)) < 1e-9))
      return { multiplier: m, timeUnit: `${m}s` };
  }
  return { multiplier: 1000, timeUnit: '1000s' };
}

function scenariosFor(plan: LoadPlanSpec): {
  scenarios: { suffix: string; s: Scenario; sec: number }[];
  notes: string[];
} {
  const notes: string[] = [];
  const out: { suffix: string; s: Scenario; sec: number }[] = [];
  switch (plan.kind) {
    case 'concurrency': {
      for (const c of plan.levels) {
        if (plan.durationSec !== undefined) {
          out.push({
            suffix: `c${c}`,
            s: { executor: 'constant-vus', vus: c, duration: k6Duration(plan.durationSec) },
            sec: plan.durationSec,
          });
        } else {
          // requests only: k6's shared-iterations runs the same count over c VUs
          out.push({
            suffix: `c${c}`,
            s: {
              executor: 'shared-iterations',
              vus: c,
              iterations: plan.requests!,
              maxDuration: k6Duration(plan.limits?.maxDurationSec ?? 600),
            },
            sec: plan.limits?.maxDurationSec ?? 600,
          });
          notes.push(
            'plan gives requests, not durationSec: shared-iterations (ends at the request count or maxDuration)',
          );
        }
      }
      if (plan.rampUpSec) notes.push('rampUpSec is not carried over (constant-vus starts every VU at once)');
      break;
    }
    case 'rate': {
      const sec = plan.durationSec ?? plan.limits?.maxDurationSec ?? 600;
      if (plan.durationSec === undefined)
        notes.push('plan gives requests, not durationSec: each rate runs for maxDurationSec');
      for (const r of plan.levels) {
        const vus = plan.maxConcurrency ?? Math.max(10, Math.ceil(r * 30));
        const u = k6RateUnit([r]);
        out.push({
          suffix: `r${r}`,
          s: {
            executor: 'constant-arrival-rate',
            rate: Math.round(r * u.multiplier),
            timeUnit: u.timeUnit,
            duration: k6Duration(sec),
            preAllocatedVUs: vus,
            maxVUs: vus,
          },
          sec,
        });
      }
      if (plan.arrival !== 'constant')
        notes.push(`arrival "${plan.arrival}" has no k6 executor: k6 spaces arrivals evenly (constant)`);
      break;
    }
    case 'stages': {
      const sec = plan.stages.reduce((a, s) => a + s.durationSec, 0);
      if (plan.mode === 'concurrency') {
        const targets = [plan.startTarget ?? 1, ...plan.stages.map((s) => s.target)];
        if (targets.some((t) => !Number.isInteger(t)))
          notes.push('fractional concurrency targets rounded (k6 VUs are whole)');
        const stages = plan.stages.map((s) => ({
          duration: k6Duration(s.durationSec),
          target: Math.round(s.target),
        }));
        out.push({
          suffix: 'stages',
          s: { executor: 'ramping-vus', startVUs: Math.round(plan.startTarget ?? 1), stages },
          sec,
        });
      } else {
        const u = k6RateUnit([plan.startTarget ?? 0, ...plan.stages.map((s) => s.target)]);
        const stages = plan.stages.map((s) => ({
          duration: k6Duration(s.durationSec),
          target: Math.round(s.target * u.multiplier),
        }));
        const vus =
          plan.maxConcurrency ?? Math.max(10, Math.ceil(Math.max(...plan.stages.map((s) => s.target)) * 30));
        out.push({
          suffix: 'stages',
          s: {
            executor: 'ramping-arrival-rate',
            startRate: Math.round((plan.startTarget ?? 0) * u.multiplier),
            timeUnit: u.timeUnit,
            stages,
            preAllocatedVUs: vus,
            maxVUs: vus,
          },
          sec,
        });
        if (plan.arrival !== 'constant')
          notes.push(`arrival "${plan.arrival}" has no k6 executor: k6 spaces arrivals evenly`);
      }
      break;
    }
    default:
      throw new Error(`k6 export supports concurrency, rate and stages plans, not "${plan.kind}"`);
  }
  return { scenarios: out, notes };
}

function thresholds(slo: SloSpec | undefined): Record<string, string[]> {
  const t: Record<string, string[]> = {};
  if (!slo) return t;
  const p = `p(${slo.percentile ?? 99})`;
  if (slo.ttftMs !== undefined) t.ib_ttft = [`${p}<=${slo.ttftMs}`];
  if (slo.tpotMs !== undefined) t.ib_tpot = [`${p}<=${slo.tpotMs}`];
  if (slo.itlMs !== undefined) t.ib_itl = [`${p}<=${slo.itlMs}`];
  if (slo.e2eMs !== undefined) t.ib_e2e = [`${p}<=${slo.e2eMs}`];
  return t;
}

function safeName(label: string): string {
  return label.replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * A runnable k6 script (ES module) for a load plan: one scenario per variant × level, run one after
 * another (`startTime` offsets, like our load points that share a server), requests streamed over SSE
 * with the xk6-sse extension (`import sse from 'k6/x/sse'`; build k6 with it), TTFT/TPOT/ITL/E2E as
 * custom Trends named ib_ttft/ib_tpot/ib_itl/ib_e2e (METRICS.md formulas, k6 clock in ms), and
 * `thresholds` from the SLO at its percentile. Plans k6 cannot express exactly are listed in a header
 * comment. Deterministic: the same input gives the same text (golden-file tested).
 */
export function loadPlanToK6Script(input: K6ScriptInput): string {
  const { scenarios, notes } = scenariosFor(input.plan);
  const all: Record<string, Scenario> = {};
  const bodies: Record<string, unknown> = {};
  let offset = 0;
  for (const v of input.variants) {
    bodies[v.label] = variantBody(input, v.params);
    for (const sc of scenarios) {
      all[safeName(`${v.label}_${sc.suffix}`)] = {
        ...sc.s,
        startTime: k6Duration(offset),
        env: { IB_VARIANT: v.label },
      };
      offset += sc.sec;
    }
  }
  const base = input.target.baseUrl.replace(/\/+$/, '');
  const path = input.target.apiKind === 'chat' ? '/chat/completions' : '/completions';
  const url = base.endsWith('/v1') ? base + path : `${base}/v1${path}`;
  const options = { scenarios: all, thresholds: thresholds(input.slo) };
  const lines = [
    '// Generated by @inferbench/interop from an inferbench load plan.',
    '// Run with a k6 binary that includes xk6-sse (https://github.com/phymbert/xk6-sse):',
    '//   IB_API_KEY=... k6 run --summary-export summary.json script.js',
    '// Figures: ib_ttft = first content chunk - send, ib_itl = gaps between chunks,',
    '// ib_tpot = (end - first chunk) / (output tokens - 1), ib_e2e = end - send (ms, k6 clock).',
    ...notes.map((n) => `// Note: ${n}`),
    "import sse from 'k6/x/sse';",
    "import { check } from 'k6';",
    "import { Counter, Trend } from 'k6/metrics';",
    '',
    "const ttft = new Trend('ib_ttft', true);",
    "const tpot = new Trend('ib_tpot', true);",
    "const itl = new Trend('ib_itl', true);",
    "const e2e = new Trend('ib_e2e', true);",
    `const ok = new Counter('${K6_COUNTERS.ok}');`,
    `const failed = new Counter('${K6_COUNTERS.failed}');`,
    `const outputTokens = new Counter('${K6_COUNTERS.outputTokens}');`,
    `const inputTokens = new Counter('${K6_COUNTERS.inputTokens}');`,
    '',
    `const URL = __ENV.IB_URL || ${JSON.stringify(url)};`,
    `const BODIES = ${JSON.stringify(bodies, null, 2)};`,
    '',
    `export const options = ${JSON.stringify(options, null, 2)};`,
    '',
    'export default function () {',
    '  const body = JSON.stringify(BODIES[__ENV.IB_VARIANT]);',
    "  const headers = { 'content-type': 'application/json', accept: 'text/event-stream' };",
    "  if (__ENV.IB_API_KEY) headers.authorization = 'Bearer ' + __ENV.IB_API_KEY;",
    '  const sent = Date.now();',
    '  let first = 0;',
    '  let last = 0;',
    '  let chunks = 0;',
    '  let outTokens = 0;',
    '  let inTokens = 0;',
    '  let bad = false;',
    "  const res = sse.open(URL, { method: 'POST', body: body, headers: headers }, function (client) {",
    "    client.on('event', function (event) {",
    "      if (event.data === '[DONE]') {",
    '        client.close();',
    '        return;',
    '      }',
    '      const now = Date.now();',
    '      let msg;',
    '      try {',
    '        msg = JSON.parse(event.data);',
    '      } catch (e) {',
    '        bad = true;',
    '        client.close();',
    '        return;',
    '      }',
    '      if (msg.usage) {',
    '        outTokens = msg.usage.completion_tokens || 0;',
    '        inTokens = msg.usage.prompt_tokens || 0;',
    '      }',
    '      const c = msg.choices && msg.choices[0];',
    "      const piece = c ? (c.delta ? c.delta.content || c.delta.reasoning_content || '' : c.text || '') : '';",
    '      if (piece) {',
    '        if (chunks === 0) {',
    '          first = now;',
    '          ttft.add(now - sent);',
    '        } else {',
    '          itl.add(now - last);',
    '        }',
    '        last = now;',
    '        chunks++;',
    '      }',
    '    });',
    "    client.on('error', function () {",
    '      bad = true;',
    '    });',
    '  });',
    '  const end = Date.now();',
    '  const good = !bad && res && res.status >= 200 && res.status < 300 && chunks > 0;',
    "  check(res, { 'status is 2xx': function (r) { return r && r.status >= 200 && r.status < 300; } });",
    '  if (!good) {',
    '    failed.add(1);',
    '    return;',
    '  }',
    '  ok.add(1);',
    '  e2e.add(end - sent);',
    '  outputTokens.add(outTokens);',
    '  inputTokens.add(inTokens);',
    '  if (outTokens >= 2) tpot.add((end - first) / (outTokens - 1));',
    '}',
    '',
  ];
  return lines.join('\n');
}

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LoadPlanSpecSchema } from '@inferbench/contracts';
import * as acorn from 'acorn';
import { describe, expect, it } from 'vitest';
import {
  InteropError,
  k6ScenariosToLoadPlan,
  loadPlanToK6Script,
  parseK6Duration,
  type K6ScriptInput,
} from '../src/index.js';
import { FIXTURES } from './helpers.js';

const input: K6ScriptInput = {
  plan: LoadPlanSpecSchema.parse({
    kind: 'rate',
    levels: [2, 4.5],
    arrival: 'poisson',
    durationSec: 60,
    maxConcurrency: 64,
  }),
  target: { baseUrl: 'http://127.0.0.1:8000', model: 'llama-8b', apiKind: 'chat' },
  variants: [
    { label: 'fp16', params: { maxTokens: 128, temperature: 0 } },
    { label: 'int4-awq', params: { maxTokens: 128, ignoreEos: true, extra: { top_k: 1 } } },
  ],
  slo: { ttftMs: 500, tpotMs: 50, percentile: 99 },
};

/** The `options` object of a generated script, read through the JS parser. */
function optionsOf(script: string): unknown {
  const ast = acorn.parse(script, { ecmaVersion: 2022, sourceType: 'module' }) as unknown as {
    body: {
      type: string;
      declaration?: { declarations: { id: { name: string }; init: { start: number; end: number } }[] };
    }[];
  };
  const exp = ast.body.find(
    (n) => n.type === 'ExportNamedDeclaration' && n.declaration?.declarations[0]?.id.name === 'options',
  )!;
  const init = exp.declaration!.declarations[0]!.init;
  return JSON.parse(script.slice(init.start, init.end));
}

describe('load plan → k6 script', () => {
  const script = loadPlanToK6Script(input);

  it('matches the golden file', () => {
    const golden = join(FIXTURES, 'k6-rate-plan.golden.txt');
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, script);
    expect(script).toBe(readFileSync(golden, 'utf8'));
  });

  it('is a valid ES module for a JavaScript parser, importing xk6-sse', () => {
    const ast = acorn.parse(script, { ecmaVersion: 2022, sourceType: 'module' }) as unknown as {
      body: { type: string; source?: { value: string } }[];
    };
    const imports = ast.body.filter((n) => n.type === 'ImportDeclaration').map((n) => n.source!.value);
    expect(imports).toEqual(['k6/x/sse', 'k6', 'k6/metrics']);
    expect(ast.body.some((n) => n.type === 'ExportDefaultDeclaration')).toBe(true);
  });

  it('has one constant-arrival-rate scenario per variant × level, in sequence, and SLO thresholds', () => {
    const opts = optionsOf(script) as {
      scenarios: Record<string, Record<string, unknown>>;
      thresholds: unknown;
    };
    expect(Object.keys(opts.scenarios)).toEqual(['fp16_r2', 'fp16_r4_5', 'int4_awq_r2', 'int4_awq_r4_5']);
    expect(opts.scenarios.int4_awq_r4_5).toMatchObject({ rate: 9, timeUnit: '2s' }); // k6 rates are integers
    expect(opts.scenarios.int4_awq_r2).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 2,
      timeUnit: '1s',
      duration: '60s',
      maxVUs: 64,
      startTime: '120s',
      env: { IB_VARIANT: 'int4-awq' },
    });
    expect(opts.thresholds).toEqual({ ib_ttft: ['p(99)<=500'], ib_tpot: ['p(99)<=50'] });
    expect(script).toMatch(/Note: arrival "poisson" has no k6 executor/);
    expect(script).toContain('"ignore_eos": true');
    expect(script).toContain('"top_k": 1');
  });

  it('round trips: the generated scenarios convert back to the plan (poisson → constant, as noted)', () => {
    const opts = optionsOf(script) as { scenarios: Record<string, unknown> };
    const fp16 = Object.fromEntries(Object.entries(opts.scenarios).filter(([k]) => k.startsWith('fp16')));
    const { plan, notes } = k6ScenariosToLoadPlan({ scenarios: fp16 });
    expect(plan).toEqual(LoadPlanSpecSchema.parse({ ...input.plan, arrival: 'constant' }));
    expect(notes.join()).toMatch(/startTime/);
  });

  it('stages and concurrency plans map to ramping-vus / ramping-arrival-rate / constant-vus', () => {
    const stages = LoadPlanSpecSchema.parse({
      kind: 'stages',
      mode: 'concurrency',
      startTarget: 2,
      stages: [
        { durationSec: 30, target: 16 },
        { durationSec: 90, target: 16 },
      ],
    });
    const o1 = optionsOf(loadPlanToK6Script({ ...input, plan: stages, variants: [input.variants[0]!] })) as {
      scenarios: Record<string, Record<string, unknown>>;
    };
    expect(o1.scenarios.fp16_stages).toMatchObject({
      executor: 'ramping-vus',
      startVUs: 2,
      stages: [
        { duration: '30s', target: 16 },
        { duration: '90s', target: 16 },
      ],
    });
    const rate = LoadPlanSpecSchema.parse({
      kind: 'stages',
      mode: 'rate',
      arrival: 'constant',
      stages: [{ durationSec: 60, target: 10 }],
    });
    const o2 = optionsOf(loadPlanToK6Script({ ...input, plan: rate, variants: [input.variants[0]!] })) as {
      scenarios: Record<string, Record<string, unknown>>;
    };
    expect(o2.scenarios.fp16_stages).toMatchObject({
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1s',
    });
    const conc = LoadPlanSpecSchema.parse({ kind: 'concurrency', levels: [1, 8], durationSec: 45 });
    const o3 = optionsOf(loadPlanToK6Script({ ...input, plan: conc, variants: [input.variants[0]!] })) as {
      scenarios: Record<string, Record<string, unknown>>;
    };
    expect(o3.scenarios.fp16_c8).toMatchObject({
      executor: 'constant-vus',
      vus: 8,
      duration: '45s',
      startTime: '45s',
    });
    expect(k6ScenariosToLoadPlan(o3).plan).toEqual(conc);
    expect(k6ScenariosToLoadPlan(o1).plan).toEqual(stages);
    expect(() =>
      loadPlanToK6Script({ ...input, plan: LoadPlanSpecSchema.parse({ kind: 'sweep', durationSec: 30 }) }),
    ).toThrow(/not "sweep"/);
  });
});

describe('k6 scenarios → load plan', () => {
  it('converts ramping-arrival-rate with timeUnit into req/s stages', () => {
    const { plan } = k6ScenariosToLoadPlan({
      scenarios: {
        ramp: {
          executor: 'ramping-arrival-rate',
          startRate: 60,
          timeUnit: '1m',
          preAllocatedVUs: 10,
          maxVUs: 50,
          stages: [
            { duration: '2m', target: 600 },
            { duration: '30s', target: 0 },
          ],
        },
      },
    });
    expect(plan).toEqual(
      LoadPlanSpecSchema.parse({
        kind: 'stages',
        mode: 'rate',
        arrival: 'constant',
        startTarget: 1,
        stages: [
          { durationSec: 120, target: 10 },
          { durationSec: 30, target: 0 },
        ],
        maxConcurrency: 50,
      }),
    );
  });
  it('rejects what a load plan cannot express, naming the field', () => {
    expect(() =>
      k6ScenariosToLoadPlan({ scenarios: { a: { executor: 'per-vu-iterations', vus: 2, iterations: 3 } } }),
    ).toThrow(/field `scenarios.a.executor`/);
    expect(() =>
      k6ScenariosToLoadPlan({ scenarios: { a: { executor: 'constant-vus', vus: 2, duration: 'soon' } } }),
    ).toThrow(/field `scenarios.a.duration`/);
    expect(() =>
      k6ScenariosToLoadPlan({
        scenarios: {
          a: { executor: 'constant-vus', vus: 2, duration: '1m' },
          b: { executor: 'ramping-vus', stages: [{ duration: '1m', target: 2 }] },
        },
      }),
    ).toThrow(InteropError);
    expect(() =>
      k6ScenariosToLoadPlan({ scenarios: { a: { executor: 'constant-vus', vus: 0, duration: '1m' } } }),
    ).toThrow(/vus/);
  });
  it('parses k6 durations', () => {
    expect(parseK6Duration('1h2m3.5s')).toBe(3723.5);
    expect(parseK6Duration('250ms')).toBe(0.25);
    expect(parseK6Duration('10')).toBeUndefined();
  });
});

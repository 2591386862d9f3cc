import { describe, expect, it } from 'vitest';
import {
  FrozenTargetSchema,
  parseStoredOr,
  RunSpecSchema,
  ShardAttemptsSchema,
  ShardStatesSchema,
  StoredHeadersSchema,
  StoredPointSummarySchema,
  StoredRunHintsSchema,
} from './stored.js';

/**
 * `Run.spec` as the first API version wrote it (migration 20261125211923_init, commit 755a721): frozen targets without
 * `connection`/`tokenizer`, a plan with the then-default seed 1.
 */
const FIRST_ERA_SPEC = {
  v: 1,
  experiment: { id: 'exp1', name: 'old', description: '', tags: [] },
  workload: {
    kind: 'synthetic',
    inputTokens: { kind: 'fixed', value: 64 },
    outputTokens: { kind: 'fixed', value: 16 },
  },
  loadPlan: { kind: 'concurrency', levels: [1, 4], seed: 1, requests: 50 },
  slo: null,
  variants: [
    {
      id: 'v1',
      label: 'fp16',
      optimization: { features: {} },
      params: { maxTokens: 16 },
      target: {
        id: 't1',
        name: 'sim',
        baseUrl: 'http://127.0.0.1:8100/v1',
        apiKind: 'chat',
        model: 'sim-fp16',
        headers: {},
        pool: 'default',
        metricsUrl: null,
        hasApiKey: false,
      },
    },
  ],
};

describe('stored JSON column schemas', () => {
  it('parse a first-era run spec without throwing, leaving the later settings absent', () => {
    const spec = RunSpecSchema.parse(FIRST_ERA_SPEC);
    expect(spec.variants[0]!.target.connection).toBeUndefined();
    expect(spec.variants[0]!.target.tokenizer).toBeUndefined();
    expect(spec.loadPlan).toMatchObject({ kind: 'concurrency', levels: [1, 4], seed: 1 });
    expect(spec.slo).toBeNull();
  });

  it('fill defaults for fields older specs may lack', () => {
    const { slo: _slo, ...noSlo } = FIRST_ERA_SPEC;
    const variant = FIRST_ERA_SPEC.variants[0]!;
    const { optimization: _o, params: _p, ...bareVariant } = variant;
    const { headers: _h, metricsUrl: _m, hasApiKey: _k, ...bareTarget } = variant.target;
    const spec = RunSpecSchema.parse({ ...noSlo, variants: [{ ...bareVariant, target: bareTarget }] });
    expect(spec.slo).toBeNull();
    expect(spec.variants[0]).toMatchObject({ optimization: { features: {} }, params: {} });
    expect(spec.variants[0]!.target).toMatchObject({ headers: {}, metricsUrl: null, hasApiKey: false });
  });

  it('reject a spec that is not one (a corrupt row is an error, not a silently empty run)', () => {
    expect(RunSpecSchema.safeParse({ v: 1 }).success).toBe(false);
    expect(FrozenTargetSchema.safeParse({ id: 't' }).success).toBe(false);
  });

  it('read first-era shard states (no attempt, agent, accumulator) and an absent shardAttempts column', () => {
    const states = ShardStatesSchema.parse({
      '0': { status: 'completed', batchCount: 3, warnings: [] },
      '1': { status: 'failed', batchCount: 0, reason: 'boom', warnings: ['slow'] },
      junk: { status: 'completed', batchCount: 1, warnings: [] },
      '2': 'not a state',
    });
    expect([...states.keys()]).toEqual([0, 1]);
    expect(states.get(1)).toEqual({ status: 'failed', batchCount: 0, reason: 'boom', warnings: ['slow'] });
    expect(ShardAttemptsSchema.parse({})).toEqual(new Map());
    expect(ShardAttemptsSchema.parse({ '0': 2, '1': 'x' })).toEqual(new Map([[0, 2]]));
    expect(ShardStatesSchema.parse(null)).toEqual(new Map());
  });

  it('drop an unreadable telemetry or tokenizer report of a shard instead of the whole state', () => {
    const states = ShardStatesSchema.parse({
      '0': { status: 'completed', batchCount: 1, warnings: [], tokenizer: 42, telemetry: 'x' },
    });
    expect(states.get(0)).toEqual({ status: 'completed', batchCount: 1, warnings: [] });
  });

  it('fall back for optional columns: NULL, unreadable values, non-string headers, bad hints', () => {
    expect(parseStoredOr(StoredPointSummarySchema, null, null)).toBeNull();
    expect(parseStoredOr(StoredPointSummarySchema, { nope: true }, null)).toBeNull();
    expect(StoredHeadersSchema.parse({ a: 'b', n: 1 })).toEqual({ a: 'b' });
    expect(StoredHeadersSchema.parse(null)).toEqual({});
    expect(StoredRunHintsSchema.parse(null)).toEqual([]);
    expect(StoredRunHintsSchema.parse([{ not: 'a hint' }])).toEqual([]);
  });

  it('tell an aggregates-only imported summary from a measured one', () => {
    const agg = StoredPointSummarySchema.parse({
      aggregatesOnly: true,
      requests: { total: 10 },
      tokens: {},
      latency: { ttftMs: { p50: 12 } },
    });
    expect('aggregatesOnly' in agg).toBe(true);
  });
});

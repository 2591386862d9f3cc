import { describe, expect, it } from 'vitest';
import { toPointRow, toRunRow } from './runs.repository.js';

const created = new Date('2026-11-26T10:00:00Z');

/** A Run row exactly as the first API version stored it (migration 20261125211923_init): no hints, source or tags. */
const FIRST_ERA_RUN = {
  id: 'run1',
  experimentId: 'exp1',
  status: 'completed',
  trigger: 'api',
  metadata: { gitSha: 'abc', build: 7 },
  spec: {
    v: 1,
    experiment: { id: 'exp1', name: 'old', description: '', tags: [] },
    workload: {
      kind: 'synthetic',
      inputTokens: { kind: 'fixed', value: 64 },
      outputTokens: { kind: 'fixed', value: 16 },
    },
    loadPlan: { kind: 'concurrency', levels: [1], seed: 1, requests: 20 },
    slo: null,
    variants: [
      {
        id: 'v1',
        label: 'fp16',
        optimization: { features: {} },
        params: {},
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
  },
  error: null,
  createdAt: created,
  startedAt: created,
  finishedAt: created,
  enqueuedAt: created,
  hints: null,
  source: null,
  idempotencyKey: null,
  evaluation: null,
};

/** A LoadPoint row of that era: shard states without attempts, the shardAttempts default, no telemetry/imported. */
const FIRST_ERA_POINT = {
  // the evals migration gave every existing row kind 'load' (column default)
  kind: 'load',
  id: 'lp1',
  runId: 'run1',
  variantId: 'v1',
  variantLabel: 'fp16',
  ordinal: 0,
  level: { kind: 'concurrency', concurrency: 1 },
  levelLabel: 'c=1',
  status: 'completed',
  shards: 1,
  samplesStored: 20,
  shardState: { '0': { status: 'completed', batchCount: 1, warnings: [] } },
  shardAttempts: {},
  summary: null,
  telemetry: null,
  imported: null,
  error: null,
  startedAt: created,
  finishedAt: created,
};

describe('runs repository row parsing', () => {
  it('reads a first-era run row: spec typed, metadata strings only, hints [] and source null', () => {
    const run = toRunRow(FIRST_ERA_RUN);
    expect(run.spec.variants[0]!.target.pool).toBe('default');
    expect(run.spec.loadPlan.seed).toBe(1);
    expect(run.metadata).toEqual({ gitSha: 'abc' });
    expect(run.hints).toEqual([]);
    expect(run.source).toBeNull();
  });

  it('reads a first-era load point row: level typed, shard state with attempt absent, attempts empty', () => {
    const p = toPointRow(FIRST_ERA_POINT);
    expect(p.level).toEqual({ kind: 'concurrency', concurrency: 1 });
    expect(p.shardState.get(0)).toEqual({ status: 'completed', batchCount: 1, warnings: [] });
    expect(p.shardAttempts.size).toBe(0);
    expect(p.summary).toBeNull();
    expect(p.telemetry).toBeNull();
    expect(p.imported).toBeNull();
  });

  it('keeps an unreadable optional column from failing the read', () => {
    const p = toPointRow({ ...FIRST_ERA_POINT, summary: { not: 'a summary' }, imported: 'x', telemetry: [] });
    expect(p.summary).toBeNull();
    expect(p.imported).toBeNull();
    expect(p.telemetry).toBeNull();
  });
});

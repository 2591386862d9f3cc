import { CreateExperimentRequestSchema } from '@inferbench/contracts';
import { describe, expect, it } from 'vitest';
import { fieldErrorsFromIssues } from '../../lib/form-errors';
import { draftToRequest, experimentToDraft, newExperimentDraft, newVariantDraft } from './draft';

describe('draftToRequest', () => {
  it('turns a filled-in draft into a body the contracts schema accepts', () => {
    const d = newExperimentDraft('t1');
    d.name = 'llama fp8 vs bf16';
    d.tags = 'llama, fp8 ,';
    d.sloTtftMs = '300';
    d.variants[0]!.precision = 'bf16';
    d.variants[0]!.features.chunkedPrefill = true;
    d.variants.push({ ...newVariantDraft(1, 't1'), label: 'fp8', precision: 'fp8', maxTokens: '256' });
    const parsed = CreateExperimentRequestSchema.safeParse(draftToRequest(d));
    expect(parsed.success).toBe(true);
    expect(parsed.data?.tags).toEqual(['llama', 'fp8']);
    expect(parsed.data?.loadPlan).toMatchObject({
      kind: 'concurrency',
      levels: [1, 4, 16],
      requests: 100,
      warmup: { requests: 5 },
    });
    expect(parsed.data?.slo).toEqual({ ttftMs: 300, percentile: 99 });
    expect(parsed.data?.variants[0]?.optimization).toEqual({
      precision: 'bf16',
      features: { chunkedPrefill: true },
    });
    expect(parsed.data?.variants[1]?.params).toEqual({ maxTokens: 256 });
  });

  it('leaves the seed empty by default, so each run draws a fresh one; a seed typed in is sent', () => {
    const d = newExperimentDraft('t1');
    d.name = 'fresh seed';
    expect(d.seed).toBe('');
    const parsed = CreateExperimentRequestSchema.parse(draftToRequest(d));
    expect(parsed.loadPlan).not.toHaveProperty('seed');
    d.seed = '42';
    expect(CreateExperimentRequestSchema.parse(draftToRequest(d)).loadPlan).toMatchObject({ seed: 42 });
  });

  it('reports field errors on the paths the form shows them at', () => {
    const d = newExperimentDraft('');
    d.levels = '1, x';
    d.requests = '';
    d.inputTokens = { kind: 'uniform', a: '10', b: '' };
    d.variants.push({ ...newVariantDraft(1, 't1'), label: 'baseline' });
    const parsed = CreateExperimentRequestSchema.safeParse(draftToRequest(d));
    expect(parsed.success).toBe(false);
    const errors = fieldErrorsFromIssues(parsed.error!);
    expect(Object.keys(errors)).toEqual(
      expect.arrayContaining([
        'name',
        'variants.0.targetId',
        'loadPlan.levels.1',
        'workload.inputTokens.max',
      ]),
    );
  });
});

describe('load plan kinds and the edit round trip', () => {
  const filled = () => {
    const d = newExperimentDraft('t1');
    d.name = 'plans';
    return d;
  };

  it('builds stages, sweep and SLA search plans the schema accepts', () => {
    const stages = {
      ...filled(),
      planKind: 'stages' as const,
      loadMode: 'rate' as const,
      stages: '30:10, 60:10, 30:0',
    };
    expect(CreateExperimentRequestSchema.parse(draftToRequest(stages)).loadPlan).toMatchObject({
      kind: 'stages',
      mode: 'rate',
      stages: [
        { durationSec: 30, target: 10 },
        { durationSec: 60, target: 10 },
        { durationSec: 30, target: 0 },
      ],
    });
    const sweep = {
      ...filled(),
      planKind: 'sweep' as const,
      loadMode: 'concurrency' as const,
      maxConcurrency: '64',
    };
    const sweepPlan = CreateExperimentRequestSchema.parse(draftToRequest(sweep)).loadPlan;
    expect(sweepPlan).toMatchObject({ kind: 'sweep', mode: 'concurrency', maxConcurrency: 64, points: 10 });
    const sla = {
      ...filled(),
      planKind: 'sla' as const,
      loadMode: 'concurrency' as const,
      sloTtftMs: '200',
      slaMin: '2',
      slaMax: '128',
    };
    expect(CreateExperimentRequestSchema.parse(draftToRequest(sla)).loadPlan).toMatchObject({
      kind: 'sla',
      slo: { ttftMs: 200 },
      min: 2,
      max: 128,
    });
  });

  it('reports a bad stage and an SLA search without bounds on their fields', () => {
    const bad = { ...filled(), planKind: 'stages' as const, stages: '30:10, x' };
    const errors = fieldErrorsFromIssues(CreateExperimentRequestSchema.safeParse(draftToRequest(bad)).error!);
    expect(Object.keys(errors).some((k) => k.startsWith('loadPlan.stages.1'))).toBe(true);
    const sla = { ...filled(), planKind: 'sla' as const };
    const slaErrors = fieldErrorsFromIssues(
      CreateExperimentRequestSchema.safeParse(draftToRequest(sla)).error!,
    );
    expect(Object.keys(slaErrors).some((k) => k.startsWith('loadPlan.slo'))).toBe(true);
  });

  it('adds a shared prefix and shards', () => {
    const d = { ...filled(), prefixGroups: '4', prefixTokens: '512', shards: '2' };
    const body = CreateExperimentRequestSchema.parse(draftToRequest(d));
    expect(body.workload).toMatchObject({ sharedPrefix: { groups: 4, prefixTokens: 512 } });
    expect(body.loadPlan).toMatchObject({ shards: 2 });
    expect(
      CreateExperimentRequestSchema.parse(draftToRequest({ ...d, shards: 'all' })).loadPlan,
    ).toMatchObject({ shards: 'all' });
  });

  it('experimentToDraft gives back the same request (variant ids kept)', () => {
    const d = filled();
    d.planKind = 'stages';
    d.stages = '10:2, 20:8';
    d.loadMode = 'concurrency';
    d.sloTtftMs = '250';
    d.prefixGroups = '2';
    d.prefixTokens = '64';
    d.variants[0]!.precision = 'fp8';
    d.variants[0]!.features.prefixCaching = true;
    d.variants[0]!.maxTokens = '32';
    const body = CreateExperimentRequestSchema.parse(draftToRequest(d));
    const stored = {
      ...body,
      id: 'e1',
      slo: body.slo ?? null,
      evals: body.evals ?? null,
      webhooks: [],
      variants: body.variants.map((v, i) => ({ ...v, id: `var${i}` })),
      createdAt: '',
      updatedAt: '',
      recentRuns: [],
      baselineRunId: null,
      archivedAt: null,
    };
    const { draft, unsupported } = experimentToDraft(stored);
    expect(unsupported).toEqual([]);
    const again = CreateExperimentRequestSchema.parse(draftToRequest(draft));
    expect(again).toEqual({ ...body, variants: body.variants.map((v, i) => ({ ...v, id: `var${i}` })) });
  });
});

describe('accuracy evals in the draft', () => {
  const named = () => {
    const d = newExperimentDraft('t1');
    d.name = 'with evals';
    return d;
  };

  it('sends no evals while the section is off, and the chosen suites, tasks and mode when on', () => {
    const d = named();
    expect(CreateExperimentRequestSchema.parse(draftToRequest(d))).not.toHaveProperty('evals');
    d.evals = {
      ...d.evals,
      enabled: true,
      suites: ['mini', 'mini-likelihood'],
      tasks: ['arith', 'larger-loglik'],
      concurrency: '4',
      mode: 'alongside-load',
      alongsidePoint: '1',
      seed: '7',
    };
    expect(CreateExperimentRequestSchema.parse(draftToRequest(d)).evals).toEqual({
      suites: ['mini', 'mini-likelihood'],
      tasks: ['arith', 'larger-loglik'],
      concurrency: 4,
      mode: 'alongside-load',
      alongsidePoint: 1,
      seed: 7,
    });
    // standalone ignores the load point position, so it is not sent
    d.evals.mode = 'standalone';
    expect(CreateExperimentRequestSchema.parse(draftToRequest(d)).evals).not.toHaveProperty('alongsidePoint');
  });

  it('reports a bad concurrency and an empty suite list on the evals fields', () => {
    const d = named();
    d.evals = { ...d.evals, enabled: true, suites: [], concurrency: '0' };
    const r = CreateExperimentRequestSchema.safeParse(draftToRequest(d));
    expect(r.success).toBe(false);
    const errors = fieldErrorsFromIssues(r.error!);
    expect(Object.keys(errors)).toEqual(expect.arrayContaining(['evals.suites', 'evals.concurrency']));
  });

  it('round-trips through experimentToDraft, and names inline suites it cannot show', () => {
    const d = named();
    d.evals = { ...d.evals, enabled: true, suites: ['mini'], tasks: ['arith'], concurrency: '2' };
    const body = CreateExperimentRequestSchema.parse(draftToRequest(d));
    const stored = {
      ...body,
      id: 'e1',
      slo: null,
      evals: body.evals ?? null,
      webhooks: [],
      variants: body.variants.map((v, i) => ({ ...v, id: `var${i}` })),
      createdAt: '',
      updatedAt: '',
      recentRuns: [],
      baselineRunId: null,
      archivedAt: null,
    };
    const { draft, unsupported } = experimentToDraft(stored);
    expect(unsupported).toEqual([]);
    expect(CreateExperimentRequestSchema.parse(draftToRequest(draft)).evals).toEqual(body.evals);

    const withInline = experimentToDraft({
      ...stored,
      evals: { ...body.evals!, suites: ['mini', { name: 'own', tasks: [] } as never] },
    });
    expect(withInline.unsupported).toContain('inline eval suites');
    expect(withInline.draft.evals.suites).toEqual(['mini']);
  });
});

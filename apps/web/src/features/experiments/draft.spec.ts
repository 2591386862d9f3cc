import { CreateExperimentRequestSchema } from '@inferbench/contracts';
import { describe, expect, it } from 'vitest';
import { fieldErrorsFromIssues } from '../../lib/form-errors';
import { draftToRequest, newExperimentDraft, newVariantDraft } from './draft';

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

'use client';
import {
  CreateExperimentRequestSchema,
  type Experiment,
  type UpdateExperimentRequest,
} from '@inferbench/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { ErrorState } from '../../../components/states';
import { getApi } from '../../../lib/api';
import { fieldErrorsFromApi, fieldErrorsFromIssues } from '../../../lib/form-errors';
import { targetListOptions } from '../../targets/queries';
import {
  draftToRequest,
  experimentToDraft,
  newExperimentDraft,
  newVariantDraft,
  type ExperimentDraft,
  type VariantDraft,
} from '../draft';
import { experimentKeys } from '../queries';
import { AboutSection } from './new-experiment-form/about-section';
import { EvalsSection } from './new-experiment-form/evals-section';
import { LoadPlanSection } from './new-experiment-form/load-plan-section';
import type { SetDraftField } from './new-experiment-form/section-props';
import { SloSection } from './new-experiment-form/slo-section';
import { VariantsSection } from './new-experiment-form/variants-section';
import { WorkloadSection } from './new-experiment-form/workload-section';

/** Every path the form shows an error for; anything else is listed at the bottom so none is lost. */
function shownPaths(errors: Record<string, string>, d: ExperimentDraft): Set<string> {
  const prefixes = ['name', 'description', 'tags', 'workload', 'loadPlan', 'slo', 'evals', 'variants'];
  const shown = new Set<string>();
  for (const k of Object.keys(errors)) {
    if (k === 'variants' && d.variants.length > 0) shown.add(k);
    else if (prefixes.some((p) => k === p || k.startsWith(`${p}.`))) shown.add(k);
  }
  return shown;
}

/**
 * Create an experiment, or edit one (`experiment` given: same form, saved with PATCH; stored variants keep their
 * ids and runs). Validated with the contracts schema in the browser and again by the API.
 */
export function NewExperimentForm({ experiment }: { experiment?: Experiment } = {}) {
  const targets = useQuery(targetListOptions());
  const firstTargetId = targets.data?.items[0]?.id ?? '';
  const [initial] = useState(() => (experiment ? experimentToDraft(experiment) : undefined));
  const [draft, setDraft] = useState<ExperimentDraft>(
    () => initial?.draft ?? newExperimentDraft(firstTargetId),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [nextKey, setNextKey] = useState(() => (experiment ? experiment.variants.length : 1));
  const queryClient = useQueryClient();
  const router = useRouter();

  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      experiment
        ? // PATCH replaces every field the form shows; a cleared SLO is removed (null)
          getApi().updateExperiment(experiment.id, {
            ...body,
            slo: body.slo ?? null,
            evals: body.evals ?? null,
          } as UpdateExperimentRequest)
        : getApi().createExperiment(body),
    onSuccess: async (exp) => {
      queryClient.setQueryData(experimentKeys.detail(exp.id), exp);
      await queryClient.invalidateQueries({ queryKey: experimentKeys.lists() });
      router.push(`/experiments/${exp.id}`);
    },
    onError: (err) => setErrors(fieldErrorsFromApi(err)),
  });

  const set: SetDraftField = (k, v) => setDraft((d) => ({ ...d, [k]: v }));
  const setVariant = (key: number, patch: Partial<VariantDraft>) =>
    setDraft((d) => ({ ...d, variants: d.variants.map((v) => (v.key === key ? { ...v, ...patch } : v)) }));
  const addVariant = () => {
    set('variants', [
      ...draft.variants,
      newVariantDraft(nextKey, draft.variants.at(-1)?.targetId ?? firstTargetId),
    ]);
    setNextKey((k) => k + 1);
  };
  const removeVariant = (key: number) =>
    set(
      'variants',
      draft.variants.filter((v) => v.key !== key),
    );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = draftToRequest(draft);
    const parsed = CreateExperimentRequestSchema.safeParse(body);
    if (!parsed.success) {
      setErrors(fieldErrorsFromIssues(parsed.error));
      return;
    }
    setErrors({});
    create.mutate(body);
  };

  const leftover = Object.entries(errors).filter(([k]) => !shownPaths(errors, draft).has(k));
  const hasErrors = Object.keys(errors).length > 0;
  const noTargets = targets.isSuccess && targets.data.items.length === 0;

  return (
    <>
      <div className="breadcrumb">
        <Link href="/experiments">Experiments</Link> /
      </div>
      <h1>{experiment ? `Edit ${experiment.name}` : 'New experiment'}</h1>
      <p className="muted">
        {experiment
          ? 'Changes apply to future runs; finished runs keep the spec they ran with.'
          : 'Describe the workload once; every variant is measured at every load level.'}
      </p>
      {initial?.unsupported.length ? (
        <p className="notice">
          This experiment uses {initial.unsupported.join(', ')}, which this form cannot show; saving replaces
          them with what the form holds. Use the API or CLI to keep them.
        </p>
      ) : null}
      {noTargets ? (
        <p className="notice">
          There are no targets yet. <Link href="/targets">Add a target</Link> first; each variant points at
          one.
        </p>
      ) : null}
      <form
        className="form"
        onSubmit={submit}
        noValidate
        aria-label="New experiment"
        style={{ marginTop: '1rem' }}
      >
        <AboutSection draft={draft} errors={errors} set={set} />
        <WorkloadSection draft={draft} errors={errors} set={set} />
        <LoadPlanSection draft={draft} errors={errors} set={set} />
        <SloSection draft={draft} errors={errors} set={set} />
        <EvalsSection draft={draft} errors={errors} set={set} />
        <VariantsSection
          draft={draft}
          errors={errors}
          targets={targets.data?.items ?? []}
          onChange={setVariant}
          onAdd={addVariant}
          onRemove={removeVariant}
        />

        {leftover.length ? (
          <div className="error-box">
            {leftover.map(([path, msg]) => (
              <p key={path}>
                <code>{path}</code>: {msg}
              </p>
            ))}
          </div>
        ) : null}
        {create.isError && !Object.keys(fieldErrorsFromApi(create.error)).length ? (
          <ErrorState error={create.error} title="The experiment was not saved" />
        ) : null}
        {hasErrors ? <p className="field-error">Fix the fields marked in red, then save again.</p> : null}
        <div style={{ display: 'flex', gap: '0.5rem' }}>
          <button type="submit" className="btn btn-primary" disabled={create.isPending}>
            {create.isPending ? 'Saving…' : experiment ? 'Save changes' : 'Create experiment'}
          </button>
          <Link className="btn" href="/experiments">
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}

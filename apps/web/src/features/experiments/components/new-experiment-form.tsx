'use client';
import {
  CreateExperimentRequestSchema,
  type Experiment,
  type UpdateExperimentRequest,
} from '@inferbench/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Field } from '../../../components/field';
import { ErrorState } from '../../../components/states';
import { getApi } from '../../../lib/api';
import { fieldErrorsFromApi, fieldErrorsFromIssues } from '../../../lib/form-errors';
import { targetListOptions } from '../../targets/queries';
import {
  draftToRequest,
  experimentToDraft,
  FEATURE_KEYS,
  newExperimentDraft,
  newVariantDraft,
  type DistDraft,
  type ExperimentDraft,
  type FeatureKey,
  type VariantDraft,
} from '../draft';
import { experimentKeys } from '../queries';

const FEATURE_LABELS: Record<FeatureKey, string> = {
  continuousBatching: 'Continuous batching',
  chunkedPrefill: 'Chunked prefill',
  pdDisaggregation: 'P/D disaggregation',
  speculativeDecoding: 'Speculative decoding',
  prefixCaching: 'Prefix caching',
};

/** Errors at `path` or below it, e.g. `loadPlan.levels` also collects `loadPlan.levels.2`. */
function errorAt(errors: Record<string, string>, ...paths: string[]): string | undefined {
  for (const p of paths) {
    if (errors[p]) return errors[p];
    const nested = Object.entries(errors).find(([k]) => k.startsWith(`${p}.`));
    if (nested) return nested[1];
  }
  return undefined;
}

/** Every path the form shows an error for; anything else is listed at the bottom so none is lost. */
function shownPaths(errors: Record<string, string>, d: ExperimentDraft): Set<string> {
  const prefixes = ['name', 'description', 'tags', 'workload', 'loadPlan', 'slo', 'variants'];
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
          } as UpdateExperimentRequest)
        : getApi().createExperiment(body),
    onSuccess: async (exp) => {
      queryClient.setQueryData(experimentKeys.detail(exp.id), exp);
      await queryClient.invalidateQueries({ queryKey: experimentKeys.lists() });
      router.push(`/experiments/${exp.id}`);
    },
    onError: (err) => setErrors(fieldErrorsFromApi(err)),
  });

  const set = <K extends keyof ExperimentDraft>(k: K, v: ExperimentDraft[K]) =>
    setDraft((d) => ({ ...d, [k]: v }));
  const setVariant = (key: number, patch: Partial<VariantDraft>) =>
    setDraft((d) => ({ ...d, variants: d.variants.map((v) => (v.key === key ? { ...v, ...patch } : v)) }));

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
        <fieldset>
          <legend>About</legend>
          <div className="form-row">
            <Field label="Name" htmlFor="e-name" error={errors.name}>
              <input
                id="e-name"
                type="text"
                value={draft.name}
                onChange={(e) => set('name', e.target.value)}
                placeholder="Llama 3.1 8B: fp8 vs bf16"
              />
            </Field>
            <Field label="Tags" htmlFor="e-tags" error={errorAt(errors, 'tags')} hint="Comma-separated">
              <input
                id="e-tags"
                type="text"
                value={draft.tags}
                onChange={(e) => set('tags', e.target.value)}
                placeholder="llama, quantization"
              />
            </Field>
          </div>
          <Field label="Description" htmlFor="e-description" error={errors.description}>
            <textarea
              id="e-description"
              value={draft.description}
              onChange={(e) => set('description', e.target.value)}
              rows={2}
            />
          </Field>
        </fieldset>

        <fieldset>
          <legend>Workload</legend>
          <div className="form-row">
            <Field label="Prompts" htmlFor="e-workloadKind" error={errors['workload.kind']}>
              <select
                id="e-workloadKind"
                value={draft.workloadKind}
                onChange={(e) => set('workloadKind', e.target.value as ExperimentDraft['workloadKind'])}
              >
                <option value="synthetic">Synthetic (exact token lengths)</option>
                <option value="dataset">From a dataset</option>
              </select>
            </Field>
            {draft.workloadKind === 'dataset' ? (
              <>
                <Field
                  label="Dataset"
                  htmlFor="e-datasetSource"
                  error={errors['workload.source']}
                  hint="builtin:<name> or a JSONL path on the agent"
                >
                  <input
                    id="e-datasetSource"
                    type="text"
                    value={draft.datasetSource}
                    onChange={(e) => set('datasetSource', e.target.value)}
                  />
                </Field>
                <Field label="Format" htmlFor="e-datasetFormat" error={errors['workload.format']}>
                  <select
                    id="e-datasetFormat"
                    value={draft.datasetFormat}
                    onChange={(e) => set('datasetFormat', e.target.value as ExperimentDraft['datasetFormat'])}
                  >
                    <option value="prompts">prompts</option>
                    <option value="chat">chat</option>
                    <option value="sharegpt">sharegpt</option>
                  </select>
                </Field>
              </>
            ) : null}
          </div>
          {draft.workloadKind === 'synthetic' ? (
            <DistFields
              id="e-in"
              label="Input tokens"
              value={draft.inputTokens}
              onChange={(v) => set('inputTokens', v)}
              error={errorAt(errors, 'workload.inputTokens')}
            />
          ) : null}
          <DistFields
            id="e-out"
            label="Output tokens"
            value={draft.outputTokens}
            onChange={(v) => set('outputTokens', v)}
            error={errorAt(errors, 'workload.outputTokens')}
          />
          {draft.workloadKind === 'synthetic' ? (
            <div className="form-row">
              <Field
                label="Shared prefix groups"
                htmlFor="e-prefixGroups"
                error={errorAt(errors, 'workload.sharedPrefix.groups')}
                hint="Prefix-caching tests; blank = none"
              >
                <input
                  id="e-prefixGroups"
                  type="number"
                  value={draft.prefixGroups}
                  onChange={(e) => set('prefixGroups', e.target.value)}
                />
              </Field>
              <Field
                label="Shared prefix tokens"
                htmlFor="e-prefixTokens"
                error={errorAt(errors, 'workload.sharedPrefix.prefixTokens')}
              >
                <input
                  id="e-prefixTokens"
                  type="number"
                  value={draft.prefixTokens}
                  onChange={(e) => set('prefixTokens', e.target.value)}
                />
              </Field>
            </div>
          ) : null}
          {errors.workload ? <p className="field-error">{errors.workload}</p> : null}
        </fieldset>

        <fieldset>
          <legend>Load plan</legend>
          <div className="form-row">
            <Field label="Mode" htmlFor="e-planKind" error={errors['loadPlan.kind']}>
              <select
                id="e-planKind"
                value={draft.planKind}
                onChange={(e) => set('planKind', e.target.value as ExperimentDraft['planKind'])}
              >
                <option value="concurrency">Concurrency levels (closed loop)</option>
                <option value="rate">Request rates (open loop)</option>
                <option value="stages">Stages (ramps, k6-style)</option>
                <option value="sweep">Automatic sweep</option>
                <option value="sla">SLA search (highest load meeting the SLOs)</option>
              </select>
            </Field>
            {draft.planKind === 'stages' || draft.planKind === 'sweep' || draft.planKind === 'sla' ? (
              <Field label="Varies" htmlFor="e-loadMode" error={errors['loadPlan.mode']}>
                <select
                  id="e-loadMode"
                  value={draft.loadMode}
                  onChange={(e) => set('loadMode', e.target.value as ExperimentDraft['loadMode'])}
                >
                  <option value="rate">request rate (open loop)</option>
                  <option value="concurrency">concurrency (closed loop)</option>
                </select>
              </Field>
            ) : null}
            {draft.planKind === 'stages' ? (
              <Field
                label={`Stages (seconds:${draft.loadMode === 'rate' ? 'req/s' : 'concurrency'})`}
                htmlFor="e-stages"
                error={errorAt(errors, 'loadPlan.stages')}
                hint="Comma-separated ramps, e.g. 30:10, 60:10, 30:0"
              >
                <input
                  id="e-stages"
                  type="text"
                  value={draft.stages}
                  onChange={(e) => set('stages', e.target.value)}
                />
              </Field>
            ) : null}
            {draft.planKind === 'sla' ? (
              <>
                <Field label="Search from" htmlFor="e-slaMin" error={errorAt(errors, 'loadPlan.min')}>
                  <input
                    id="e-slaMin"
                    type="number"
                    value={draft.slaMin}
                    onChange={(e) => set('slaMin', e.target.value)}
                  />
                </Field>
                <Field
                  label="Search up to"
                  htmlFor="e-slaMax"
                  error={errorAt(errors, 'loadPlan.max')}
                  hint="The SLO fields below are the target"
                >
                  <input
                    id="e-slaMax"
                    type="number"
                    value={draft.slaMax}
                    onChange={(e) => set('slaMax', e.target.value)}
                  />
                </Field>
              </>
            ) : null}
            {draft.planKind === 'stages' || draft.planKind === 'sla' ? null : draft.planKind === 'sweep' ? (
              <Field
                label="Load points"
                htmlFor="e-sweepPoints"
                error={errorAt(errors, 'loadPlan.points')}
                hint="Including the two probes"
              >
                <input
                  id="e-sweepPoints"
                  type="number"
                  value={draft.sweepPoints}
                  onChange={(e) => set('sweepPoints', e.target.value)}
                />
              </Field>
            ) : (
              <Field
                label={draft.planKind === 'rate' ? 'Rates (req/s)' : 'Concurrency levels'}
                htmlFor="e-levels"
                error={errorAt(errors, 'loadPlan.levels')}
                hint="Comma-separated; one load point per level and variant"
              >
                <input
                  id="e-levels"
                  type="text"
                  value={draft.levels}
                  onChange={(e) => set('levels', e.target.value)}
                />
              </Field>
            )}
            {draft.planKind === 'sweep' ? (
              <Field
                label="Max concurrency"
                htmlFor="e-maxConcurrency"
                error={errorAt(errors, 'loadPlan.maxConcurrency')}
                hint="Saturation probe / ceiling (default 256)"
              >
                <input
                  id="e-maxConcurrency"
                  type="number"
                  value={draft.maxConcurrency}
                  onChange={(e) => set('maxConcurrency', e.target.value)}
                />
              </Field>
            ) : null}
            {draft.planKind === 'rate' || (draft.planKind !== 'concurrency' && draft.loadMode === 'rate') ? (
              <Field label="Arrivals" htmlFor="e-arrival" error={errors['loadPlan.arrival']}>
                <select
                  id="e-arrival"
                  value={draft.arrival}
                  onChange={(e) => set('arrival', e.target.value as ExperimentDraft['arrival'])}
                >
                  <option value="poisson">Poisson</option>
                  <option value="constant">Constant</option>
                  <option value="gamma">Gamma (bursty)</option>
                </select>
              </Field>
            ) : null}
          </div>
          <div className="form-row">
            <Field
              label="Measured requests per point"
              htmlFor="e-requests"
              error={errorAt(errors, 'loadPlan.requests')}
              hint="Requests, duration, or both (first reached ends the point)"
            >
              <input
                id="e-requests"
                type="number"
                value={draft.requests}
                onChange={(e) => set('requests', e.target.value)}
              />
            </Field>
            <Field
              label="Duration per point (s)"
              htmlFor="e-durationSec"
              error={errorAt(errors, 'loadPlan.durationSec')}
            >
              <input
                id="e-durationSec"
                type="number"
                value={draft.durationSec}
                onChange={(e) => set('durationSec', e.target.value)}
              />
            </Field>
            <Field label="Warm-up requests" htmlFor="e-warmup" error={errorAt(errors, 'loadPlan.warmup')}>
              <input
                id="e-warmup"
                type="number"
                value={draft.warmupRequests}
                onChange={(e) => set('warmupRequests', e.target.value)}
              />
            </Field>
            <Field
              label="Agents per point"
              htmlFor="e-shards"
              error={errorAt(errors, 'loadPlan.shards')}
              hint="Blank = 1; 'all' = every live agent"
            >
              <input
                id="e-shards"
                type="text"
                value={draft.shards}
                onChange={(e) => set('shards', e.target.value)}
              />
            </Field>
            <Field
              label="Seed"
              htmlFor="e-seed"
              error={errorAt(errors, 'loadPlan.seed')}
              hint="Blank = a fresh seed per run (recorded with the run); a fixed seed resends the same prompts every run"
            >
              <input
                id="e-seed"
                type="number"
                placeholder="fresh per run"
                value={draft.seed}
                onChange={(e) => set('seed', e.target.value)}
              />
            </Field>
          </div>
          {errors.loadPlan ? <p className="field-error">{errors.loadPlan}</p> : null}
        </fieldset>

        <fieldset>
          <legend>SLOs (optional, in ms)</legend>
          <div className="form-row">
            <Field label="TTFT" htmlFor="e-sloTtft" error={errors['slo.ttftMs']}>
              <input
                id="e-sloTtft"
                type="number"
                value={draft.sloTtftMs}
                onChange={(e) => set('sloTtftMs', e.target.value)}
              />
            </Field>
            <Field label="TPOT" htmlFor="e-sloTpot" error={errors['slo.tpotMs']}>
              <input
                id="e-sloTpot"
                type="number"
                value={draft.sloTpotMs}
                onChange={(e) => set('sloTpotMs', e.target.value)}
              />
            </Field>
            <Field label="ITL" htmlFor="e-sloItl" error={errors['slo.itlMs']}>
              <input
                id="e-sloItl"
                type="number"
                value={draft.sloItlMs}
                onChange={(e) => set('sloItlMs', e.target.value)}
              />
            </Field>
            <Field label="E2E" htmlFor="e-sloE2e" error={errors['slo.e2eMs']}>
              <input
                id="e-sloE2e"
                type="number"
                value={draft.sloE2eMs}
                onChange={(e) => set('sloE2eMs', e.target.value)}
              />
            </Field>
            <Field label="At percentile" htmlFor="e-sloPct" error={errors['slo.percentile']}>
              <input
                id="e-sloPct"
                type="number"
                value={draft.sloPercentile}
                onChange={(e) => set('sloPercentile', e.target.value)}
              />
            </Field>
          </div>
        </fieldset>

        <fieldset>
          <legend>Variants</legend>
          {errors.variants ? <p className="field-error">{errors.variants}</p> : null}
          {draft.variants.map((v, i) => (
            <VariantFields
              key={v.key}
              index={i}
              value={v}
              targets={targets.data?.items ?? []}
              errors={errors}
              onChange={(patch) => setVariant(v.key, patch)}
              onRemove={
                draft.variants.length > 1
                  ? () =>
                      set(
                        'variants',
                        draft.variants.filter((x) => x.key !== v.key),
                      )
                  : undefined
              }
            />
          ))}
          <button
            type="button"
            className="btn"
            onClick={() => {
              set('variants', [
                ...draft.variants,
                newVariantDraft(nextKey, draft.variants.at(-1)?.targetId ?? firstTargetId),
              ]);
              setNextKey((k) => k + 1);
            }}
          >
            Add variant
          </button>
        </fieldset>

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

function DistFields({
  id,
  label,
  value,
  onChange,
  error,
}: {
  id: string;
  label: string;
  value: DistDraft;
  onChange: (v: DistDraft) => void;
  error?: string;
}) {
  const [aLabel, bLabel] =
    value.kind === 'fixed'
      ? ['tokens', '']
      : value.kind === 'uniform'
        ? ['min', 'max']
        : value.kind === 'normal'
          ? ['mean', 'std']
          : ['median', 'sigma'];
  return (
    <div className="form-row">
      <Field label={label} htmlFor={`${id}-kind`} error={error}>
        <select
          id={`${id}-kind`}
          value={value.kind}
          onChange={(e) => onChange({ ...value, kind: e.target.value as DistDraft['kind'] })}
        >
          <option value="fixed">fixed</option>
          <option value="uniform">uniform</option>
          <option value="normal">normal</option>
          <option value="lognormal">log-normal</option>
        </select>
      </Field>
      <Field label={`${label}: ${aLabel}`} htmlFor={`${id}-a`}>
        <input
          id={`${id}-a`}
          type="number"
          value={value.a}
          onChange={(e) => onChange({ ...value, a: e.target.value })}
        />
      </Field>
      {bLabel ? (
        <Field label={`${label}: ${bLabel}`} htmlFor={`${id}-b`}>
          <input
            id={`${id}-b`}
            type="number"
            value={value.b}
            onChange={(e) => onChange({ ...value, b: e.target.value })}
          />
        </Field>
      ) : (
        <div />
      )}
    </div>
  );
}

function VariantFields({
  index,
  value,
  targets,
  errors,
  onChange,
  onRemove,
}: {
  index: number;
  value: VariantDraft;
  targets: { id: string; name: string; model: string }[];
  errors: Record<string, string>;
  onChange: (patch: Partial<VariantDraft>) => void;
  onRemove?: () => void;
}): ReactNode {
  const p = `variants.${index}`;
  const id = `v${value.key}`;
  return (
    <div className="panel" style={{ marginBottom: '0.8rem' }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
        <strong>Variant {index + 1}</strong>
        {onRemove ? (
          <button type="button" className="btn btn-small btn-danger" onClick={onRemove}>
            Remove
          </button>
        ) : null}
      </div>
      <div className="form-row" style={{ marginTop: '0.5rem' }}>
        <Field label="Label" htmlFor={`${id}-label`} error={errors[`${p}.label`]}>
          <input
            id={`${id}-label`}
            type="text"
            value={value.label}
            onChange={(e) => onChange({ label: e.target.value })}
            placeholder="fp8"
          />
        </Field>
        <Field label="Target" htmlFor={`${id}-target`} error={errors[`${p}.targetId`]}>
          <select
            id={`${id}-target`}
            value={value.targetId}
            onChange={(e) => onChange({ targetId: e.target.value })}
          >
            <option value="">Choose a target…</option>
            {targets.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name} ({t.model})
              </option>
            ))}
          </select>
        </Field>
        <Field label="Engine" htmlFor={`${id}-engine`} error={errorAt(errors, `${p}.optimization.engine`)}>
          <input
            id={`${id}-engine`}
            type="text"
            value={value.engine}
            onChange={(e) => onChange({ engine: e.target.value })}
            placeholder="vllm"
          />
        </Field>
        <Field
          label="Model (if not the target's)"
          htmlFor={`${id}-model`}
          error={errorAt(errors, `${p}.optimization.model`)}
        >
          <input
            id={`${id}-model`}
            type="text"
            value={value.model}
            onChange={(e) => onChange({ model: e.target.value })}
          />
        </Field>
        <Field
          label="Precision / quantization"
          htmlFor={`${id}-precision`}
          error={errorAt(errors, `${p}.optimization.precision`)}
        >
          <input
            id={`${id}-precision`}
            type="text"
            value={value.precision}
            onChange={(e) => onChange({ precision: e.target.value })}
            placeholder="bf16, fp8, int4-awq"
          />
        </Field>
      </div>
      <div className="form-row">
        <Field
          label="max_tokens"
          htmlFor={`${id}-maxTokens`}
          error={errorAt(errors, `${p}.params.maxTokens`)}
        >
          <input
            id={`${id}-maxTokens`}
            type="number"
            value={value.maxTokens}
            onChange={(e) => onChange({ maxTokens: e.target.value })}
          />
        </Field>
        <Field
          label="temperature"
          htmlFor={`${id}-temperature`}
          error={errorAt(errors, `${p}.params.temperature`)}
        >
          <input
            id={`${id}-temperature`}
            type="number"
            value={value.temperature}
            onChange={(e) => onChange({ temperature: e.target.value })}
          />
        </Field>
        <div className="field">
          <span className="label">Options</span>
          <div className="checks">
            <label>
              <input
                type="checkbox"
                checked={value.ignoreEos}
                onChange={(e) => onChange({ ignoreEos: e.target.checked })}
              />{' '}
              ignore EOS
            </label>
          </div>
        </div>
      </div>
      <div className="field">
        <span className="label">Serving features</span>
        <div className="checks">
          {FEATURE_KEYS.map((k) => (
            <label key={k}>
              <input
                type="checkbox"
                checked={value.features[k]}
                onChange={(e) => onChange({ features: { ...value.features, [k]: e.target.checked } })}
              />
              {FEATURE_LABELS[k]}
            </label>
          ))}
        </div>
      </div>
      {errorAt(errors, p) && !errors[`${p}.label`] && !errors[`${p}.targetId`] ? (
        <p className="field-error">{errorAt(errors, p)}</p>
      ) : null}
    </div>
  );
}

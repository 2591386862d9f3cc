import { Field } from '../../../../components/field';
import type { ExperimentDraft } from '../../draft';
import { DistFields } from './dist-fields';
import { errorAt, type SectionProps } from './section-props';

/** Where prompts come from (synthetic lengths or a dataset), output lengths and shared prefixes. */
export function WorkloadSection({ draft, errors, set }: SectionProps) {
  return (
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
  );
}

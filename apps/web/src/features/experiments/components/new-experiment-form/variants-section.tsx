import type { ReactNode } from 'react';
import { Field } from '../../../../components/field';
import { FEATURE_KEYS, type FeatureKey, type VariantDraft } from '../../draft';
import { errorAt, type SectionProps } from './section-props';

const FEATURE_LABELS: Record<FeatureKey, string> = {
  continuousBatching: 'Continuous batching',
  chunkedPrefill: 'Chunked prefill',
  pdDisaggregation: 'P/D disaggregation',
  speculativeDecoding: 'Speculative decoding',
  prefixCaching: 'Prefix caching',
};

interface TargetOption {
  id: string;
  name: string;
  model: string;
}

/** The variants measured at every load level, each pointing at a target; at least one stays. */
export function VariantsSection({
  draft,
  errors,
  targets,
  onChange,
  onAdd,
  onRemove,
}: Omit<SectionProps, 'set'> & {
  targets: TargetOption[];
  onChange: (key: number, patch: Partial<VariantDraft>) => void;
  onAdd: () => void;
  onRemove: (key: number) => void;
}) {
  return (
    <fieldset>
      <legend>Variants</legend>
      {errors.variants ? <p className="field-error">{errors.variants}</p> : null}
      {draft.variants.map((v, i) => (
        <VariantFields
          key={v.key}
          index={i}
          value={v}
          targets={targets}
          errors={errors}
          onChange={(patch) => onChange(v.key, patch)}
          onRemove={draft.variants.length > 1 ? () => onRemove(v.key) : undefined}
        />
      ))}
      <button type="button" className="btn" onClick={onAdd}>
        Add variant
      </button>
    </fieldset>
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
  targets: TargetOption[];
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

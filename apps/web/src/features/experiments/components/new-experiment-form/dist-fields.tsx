import { Field } from '../../../../components/field';
import type { DistDraft } from '../../draft';

/** A token-length distribution: its kind, then one or two parameters named after it. */
export function DistFields({
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

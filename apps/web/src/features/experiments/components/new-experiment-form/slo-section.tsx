import { Field } from '../../../../components/field';
import type { SectionProps } from './section-props';

/** Optional latency bounds (ms) at one percentile; SLA search uses them as its target. */
export function SloSection({ draft, errors, set }: SectionProps) {
  return (
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
  );
}

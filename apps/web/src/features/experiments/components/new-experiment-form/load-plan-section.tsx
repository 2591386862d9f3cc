import { Field } from '../../../../components/field';
import type { ExperimentDraft } from '../../draft';
import { errorAt, type SectionProps } from './section-props';

/** How load is applied: the plan kind with its levels/stages/search bounds, then per-point limits. */
export function LoadPlanSection({ draft, errors, set }: SectionProps) {
  return (
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
  );
}

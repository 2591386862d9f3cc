'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Field } from '../../../../components/field';
import { suiteCatalogOptions } from '../../../suites/queries';
import type { EvalsDraft } from '../../draft';
import { errorAt, type SectionProps } from './section-props';

/**
 * Accuracy evals next to the load plan (issue 11): built-in suites and an optional subset of their tasks, items in
 * flight per variant, and whether the eval runs on its own after the load points or alongside one of them.
 */
export function EvalsSection({ draft, errors, set }: SectionProps) {
  const e = draft.evals;
  const catalog = useQuery(suiteCatalogOptions());
  const patch = (p: Partial<EvalsDraft>) => set('evals', { ...e, ...p });
  const chosen = (catalog.data?.suites ?? []).filter((s) => e.suites.includes(s.name));
  const toggle = <T,>(list: T[], v: T, on: boolean) => (on ? [...list, v] : list.filter((x) => x !== v));

  return (
    <fieldset data-testid="evals-section">
      <legend>Accuracy evals (optional)</legend>
      <label>
        <input
          id="e-evals-enabled"
          type="checkbox"
          checked={e.enabled}
          onChange={(ev) => patch({ enabled: ev.target.checked })}
        />{' '}
        Score every variant on eval suites
      </label>
      {e.enabled ? (
        <>
          <Field
            label="Suites"
            htmlFor="e-evals-suites"
            error={errorAt(errors, 'evals.suites')}
            hint="Built-in suites; see the Suites page for their tasks and YAML."
          >
            <div id="e-evals-suites" role="group" aria-label="Eval suites">
              {catalog.isError ? (
                <span className="field-error">The suite list could not be loaded.</span>
              ) : null}
              {(catalog.data?.suites ?? []).map((s) => (
                <label key={s.name} style={{ marginRight: '1rem' }}>
                  <input
                    type="checkbox"
                    name="eval-suite"
                    value={s.name}
                    checked={e.suites.includes(s.name)}
                    onChange={(ev) => {
                      const suites = toggle(e.suites, s.name, ev.target.checked);
                      // drop tasks of a suite that is no longer chosen
                      const keep = new Set(
                        (catalog.data?.suites ?? [])
                          .filter((x) => suites.includes(x.name))
                          .flatMap((x) => x.tasks.map((t) => t.id)),
                      );
                      patch({ suites, tasks: e.tasks.filter((t) => keep.has(t)) });
                    }}
                  />{' '}
                  <span className="mono">{s.name}</span>{' '}
                  <span className="small muted">({s.tasks.length} tasks)</span>
                </label>
              ))}{' '}
              <Link className="small" href="/suites" target="_blank">
                view suites
              </Link>
            </div>
          </Field>
          {chosen.length ? (
            <Field
              label="Tasks"
              htmlFor="e-evals-tasks"
              error={errorAt(errors, 'evals.tasks')}
              hint={
                e.tasks.length ? `${e.tasks.length} task(s) chosen` : 'none ticked = every task of the suites'
              }
            >
              <div id="e-evals-tasks" role="group" aria-label="Eval tasks">
                {chosen.flatMap((s) =>
                  s.tasks.map((t) => (
                    <label key={`${s.name}/${t.id}`} style={{ marginRight: '1rem' }}>
                      <input
                        type="checkbox"
                        name="eval-task"
                        value={t.id}
                        checked={e.tasks.includes(t.id)}
                        onChange={(ev) => patch({ tasks: toggle(e.tasks, t.id, ev.target.checked) })}
                      />{' '}
                      <span className="mono">{t.id}</span>{' '}
                      <span className="small muted">
                        {t.items ?? '?'} items · {t.scoringMode}
                      </span>
                    </label>
                  )),
                )}
              </div>
            </Field>
          ) : null}
          <div className="form-row">
            <Field
              label="Concurrency"
              htmlFor="e-evals-concurrency"
              error={errorAt(errors, 'evals.concurrency')}
              hint="items in flight per variant"
            >
              <input
                id="e-evals-concurrency"
                type="number"
                value={e.concurrency}
                onChange={(ev) => patch({ concurrency: ev.target.value })}
              />
            </Field>
            <Field label="Mode" htmlFor="e-evals-mode" error={errorAt(errors, 'evals.mode')}>
              <select
                id="e-evals-mode"
                value={e.mode}
                onChange={(ev) => patch({ mode: ev.target.value as EvalsDraft['mode'] })}
              >
                <option value="standalone">standalone (after the variant’s load points)</option>
                <option value="alongside-load">alongside a load point (scored under load)</option>
              </select>
            </Field>
            {e.mode === 'alongside-load' ? (
              <Field
                label="Load point"
                htmlFor="e-evals-point"
                error={errorAt(errors, 'evals.alongsidePoint')}
                hint="0 = the variant’s first load point in plan order"
              >
                <input
                  id="e-evals-point"
                  type="number"
                  value={e.alongsidePoint}
                  onChange={(ev) => patch({ alongsidePoint: ev.target.value })}
                />
              </Field>
            ) : null}
            <Field
              label="Seed"
              htmlFor="e-evals-seed"
              error={errorAt(errors, 'evals.seed')}
              hint="blank = 1234"
            >
              <input
                id="e-evals-seed"
                type="number"
                value={e.seed}
                onChange={(ev) => patch({ seed: ev.target.value })}
              />
            </Field>
          </div>
        </>
      ) : null}
    </fieldset>
  );
}

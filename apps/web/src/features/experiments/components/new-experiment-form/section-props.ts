import type { ExperimentDraft } from '../../draft';

/** Sets one field of the draft (the form shell owns the draft state). */
export type SetDraftField = <K extends keyof ExperimentDraft>(key: K, value: ExperimentDraft[K]) => void;

/** What every fieldset of the experiment form gets from the shell. */
export interface SectionProps {
  draft: ExperimentDraft;
  /** field errors by contract path (`loadPlan.levels.2`), from the browser-side parse or the API */
  errors: Record<string, string>;
  set: SetDraftField;
}

/** Errors at `path` or below it, e.g. `loadPlan.levels` also collects `loadPlan.levels.2`. */
export function errorAt(errors: Record<string, string>, ...paths: string[]): string | undefined {
  for (const p of paths) {
    if (errors[p]) return errors[p];
    const nested = Object.entries(errors).find(([k]) => k.startsWith(`${p}.`));
    if (nested) return nested[1];
  }
  return undefined;
}

import { ApiError, type ApiClient } from '@inferbench/api-client';
import {
  TargetListSchema,
  type CreateExperimentRequest,
  type Experiment,
  type Target,
  type UpdateExperimentRequest,
} from '@inferbench/contracts';
import { CliError } from '../errors.js';
import { EXIT_CONFIG, type CiFile } from './config-file.js';

export interface ApplyResult {
  targets: { name: string; id: string; action: 'created' | 'updated' }[];
  experiment: { experiment: Experiment; action: 'created' | 'updated' } | null;
}

/** An API 400 while applying a file is a configuration error (exit 3), naming each field. */
function asConfigError(err: unknown, what: string): unknown {
  if (err instanceof ApiError && (err.code === 'VALIDATION_FAILED' || err.code === 'CONFLICT')) {
    const lines = (err.details?.issues ?? []).map((i) => `  ${i.path}: ${i.message}`);
    return new CliError([`${what}: the API rejected it: ${err.message}`, ...lines].join('\n'), EXIT_CONFIG);
  }
  return err;
}

/**
 * Upsert the file's targets (by name) and its experiment (by exact name): create what is missing, update what
 * exists. Variants keep their rows by label (so their history lines up). Several experiments with the name: error.
 */
export async function applyFile(api: ApiClient, file: CiFile): Promise<ApplyResult> {
  const existing = (await api.request('GET', '/targets?limit=500', TargetListSchema)).items;
  const byName = new Map<string, Target>(existing.map((t) => [t.name, t]));
  const targets: ApplyResult['targets'] = [];
  for (const t of file.targets) {
    const found = byName.get(t.name);
    try {
      const saved = found
        ? await api.updateTarget(found.id, t.body as never)
        : await api.createTarget(t.body as never);
      byName.set(saved.name, saved);
      targets.push({ name: saved.name, id: saved.id, action: found ? 'updated' : 'created' });
    } catch (err) {
      throw asConfigError(err, `target "${t.name}"`);
    }
  }
  if (!file.experiment) return { targets, experiment: null };

  const e = file.experiment;
  const variants = e.variants.map((v) => {
    const targetId = v.targetId ?? byName.get(v.targetName!)?.id;
    if (!targetId)
      throw new CliError(
        `${file.path}: variant "${v.label}" names target "${v.targetName}", which is neither in the file nor in the API`,
        EXIT_CONFIG,
      );
    return { ...v.rest, label: v.label, targetId };
  });
  const matches = (await api.listExperiments({ q: e.name, limit: 500 })).items.filter(
    (x) => x.name === e.name,
  );
  if (matches.length > 1)
    throw new CliError(
      `${matches.length} experiments are named "${e.name}" (${matches.map((m) => m.id).join(', ')}); rename one`,
      EXIT_CONFIG,
    );
  try {
    if (matches.length === 1) {
      const current = await api.getExperiment(matches[0]!.id);
      const ids = new Map(current.variants.map((v) => [v.label, v.id]));
      const body = {
        ...e.body,
        ...(e.body.slo === undefined ? { slo: null } : {}),
        variants: variants.map((v) => (ids.has(v.label) ? { ...v, id: ids.get(v.label)! } : v)),
      } as UpdateExperimentRequest;
      return {
        targets,
        experiment: { experiment: await api.updateExperiment(current.id, body), action: 'updated' },
      };
    }
    const created = await api.createExperiment({ ...e.body, variants } as CreateExperimentRequest);
    return { targets, experiment: { experiment: created, action: 'created' } };
  } catch (err) {
    throw asConfigError(err, `experiment "${e.name}"`);
  }
}

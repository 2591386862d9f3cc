import type { Experiment } from '@inferbench/contracts';

/**
 * The "new experiment" form state (strings, as typed) and its conversion to a CreateExperimentRequest body.
 * Conversion never validates: the contracts schema does, so the browser and the API report the same errors.
 */

export type DistKind = 'fixed' | 'uniform' | 'normal' | 'lognormal';
export interface DistDraft {
  kind: DistKind;
  a: string;
  b: string;
}

export const FEATURE_KEYS = [
  'continuousBatching',
  'chunkedPrefill',
  'pdDisaggregation',
  'speculativeDecoding',
  'prefixCaching',
] as const;
export type FeatureKey = (typeof FEATURE_KEYS)[number];

export interface VariantDraft {
  key: number;
  /** id of the stored variant when editing (kept so its runs stay linked) */
  id?: string;
  label: string;
  targetId: string;
  engine: string;
  model: string;
  precision: string;
  features: Record<FeatureKey, boolean>;
  maxTokens: string;
  temperature: string;
  ignoreEos: boolean;
}

export interface ExperimentDraft {
  name: string;
  description: string;
  tags: string;
  workloadKind: 'synthetic' | 'dataset';
  inputTokens: DistDraft;
  outputTokens: DistDraft;
  datasetSource: string;
  datasetFormat: 'prompts' | 'chat' | 'sharegpt';
  planKind: 'concurrency' | 'rate' | 'stages' | 'sweep' | 'sla';
  levels: string;
  arrival: 'constant' | 'poisson' | 'gamma';
  /** what stages, sweeps and SLA searches vary */
  loadMode: 'rate' | 'concurrency';
  /** stages as `durationSec:target` pairs, e.g. `30:10, 60:10, 30:0` */
  stages: string;
  sweepPoints: string;
  /** sweep: saturation probe concurrency / doubling ceiling */
  maxConcurrency: string;
  slaMin: string;
  slaMax: string;
  /** agents per load point ('' = 1; 'all' = every live agent of the pool) */
  shards: string;
  prefixGroups: string;
  prefixTokens: string;
  requests: string;
  durationSec: string;
  warmupRequests: string;
  seed: string;
  sloTtftMs: string;
  sloTpotMs: string;
  sloItlMs: string;
  sloE2eMs: string;
  sloPercentile: string;
  variants: VariantDraft[];
  /** accuracy evals (issue 11): off = the experiment has none */
  evals: EvalsDraft;
}

/** The form's eval part: built-in suites, optional task subset, how the eval runs next to the load plan. */
export interface EvalsDraft {
  enabled: boolean;
  /** built-in suite names (`mini`, `mini-likelihood`) */
  suites: string[];
  /** task ids to run; empty = every task of the chosen suites */
  tasks: string[];
  concurrency: string;
  mode: 'standalone' | 'alongside-load';
  /** alongside-load: 0-based position of the variant's load point the eval runs with */
  alongsidePoint: string;
  seed: string;
}

export function newEvalsDraft(): EvalsDraft {
  return {
    enabled: false,
    suites: ['mini'],
    tasks: [],
    concurrency: '8',
    mode: 'standalone',
    alongsidePoint: '0',
    seed: '',
  };
}

/** The `evals` part of the request body, or undefined when evals are off. */
export function evalsToRequest(e: EvalsDraft): Record<string, unknown> | undefined {
  if (!e.enabled) return undefined;
  return compact({
    suites: e.suites,
    tasks: e.tasks.length ? e.tasks : undefined,
    concurrency: num(e.concurrency),
    mode: e.mode,
    alongsidePoint: e.mode === 'alongside-load' ? num(e.alongsidePoint) : undefined,
    seed: num(e.seed),
  });
}

const NO_FEATURES: Record<FeatureKey, boolean> = {
  continuousBatching: false,
  chunkedPrefill: false,
  pdDisaggregation: false,
  speculativeDecoding: false,
  prefixCaching: false,
};

export function newVariantDraft(key: number, targetId = ''): VariantDraft {
  return {
    key,
    label: key === 0 ? 'baseline' : '',
    targetId,
    engine: '',
    model: '',
    precision: '',
    features: { ...NO_FEATURES },
    maxTokens: '',
    temperature: '',
    ignoreEos: false,
  };
}

export function newExperimentDraft(defaultTargetId = ''): ExperimentDraft {
  return {
    name: '',
    description: '',
    tags: '',
    workloadKind: 'synthetic',
    inputTokens: { kind: 'fixed', a: '512', b: '' },
    outputTokens: { kind: 'fixed', a: '128', b: '' },
    datasetSource: 'builtin:mini-chat',
    datasetFormat: 'prompts',
    planKind: 'concurrency',
    levels: '1, 4, 16',
    arrival: 'poisson',
    loadMode: 'rate',
    stages: '30:10, 60:10, 30:0',
    sweepPoints: '10',
    maxConcurrency: '',
    slaMin: '1',
    slaMax: '256',
    shards: '',
    prefixGroups: '',
    prefixTokens: '',
    requests: '100',
    durationSec: '',
    warmupRequests: '5',
    // blank: every run draws a fresh seed (recorded with the run), so prompts never repeat by accident
    seed: '',
    sloTtftMs: '',
    sloTpotMs: '',
    sloItlMs: '',
    sloE2eMs: '',
    sloPercentile: '99',
    variants: [newVariantDraft(0, defaultTargetId)],
    evals: newEvalsDraft(),
  };
}

/** '' → undefined; anything else → Number (NaN included, so the schema reports it on the right field). */
function num(s: string): number | undefined {
  const t = s.trim();
  return t === '' ? undefined : Number(t);
}

function dist(d: DistDraft): Record<string, unknown> {
  switch (d.kind) {
    case 'fixed':
      return { kind: 'fixed', value: num(d.a) };
    case 'uniform':
      return { kind: 'uniform', min: num(d.a), max: num(d.b) };
    case 'normal':
      return { kind: 'normal', mean: num(d.a), std: num(d.b) };
    case 'lognormal':
      return { kind: 'lognormal', median: num(d.a), sigma: num(d.b) };
  }
}

/** Drop undefined values so optional fields are absent rather than `undefined` in JSON. */
function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The request body exactly as the user described it; validate it with CreateExperimentRequestSchema. */
export function draftToRequest(d: ExperimentDraft): Record<string, unknown> {
  const sharedPrefix =
    d.prefixGroups.trim() || d.prefixTokens.trim()
      ? { groups: num(d.prefixGroups), prefixTokens: num(d.prefixTokens) }
      : undefined;
  const workload =
    d.workloadKind === 'synthetic'
      ? compact({
          kind: 'synthetic',
          inputTokens: dist(d.inputTokens),
          outputTokens: dist(d.outputTokens),
          sharedPrefix,
        })
      : compact({
          kind: 'dataset',
          source: d.datasetSource.trim(),
          format: d.datasetFormat,
          outputTokens: d.outputTokens.a.trim() ? dist(d.outputTokens) : undefined,
        });
  const extent = compact({
    requests: num(d.requests),
    durationSec: num(d.durationSec),
    seed: num(d.seed),
    warmup: num(d.warmupRequests) ? { requests: num(d.warmupRequests) } : undefined,
    shards: d.shards.trim() === 'all' ? 'all' : num(d.shards),
  });
  const levels = d.levels
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((s) => Number(s));
  const sloBounds = compact({
    ttftMs: num(d.sloTtftMs),
    tpotMs: num(d.sloTpotMs),
    itlMs: num(d.sloItlMs),
    e2eMs: num(d.sloE2eMs),
  });
  const slo = Object.keys(sloBounds).length
    ? { ...sloBounds, ...compact({ percentile: num(d.sloPercentile) }) }
    : undefined;
  const open = d.loadMode === 'rate' ? { arrival: d.arrival } : {};
  let loadPlan: Record<string, unknown>;
  switch (d.planKind) {
    case 'concurrency':
      loadPlan = { kind: 'concurrency', levels, ...extent };
      break;
    case 'rate':
      loadPlan = { kind: 'rate', levels, arrival: d.arrival, ...extent };
      break;
    case 'stages':
      loadPlan = { kind: 'stages', mode: d.loadMode, stages: parseStages(d.stages), ...open, ...extent };
      break;
    case 'sweep':
      loadPlan = compact({
        kind: 'sweep',
        mode: d.loadMode,
        points: num(d.sweepPoints),
        maxConcurrency: num(d.maxConcurrency),
        ...open,
        ...extent,
      });
      break;
    case 'sla':
      // the search's target is the experiment's SLO (the same fields): one place to state the bounds
      loadPlan = compact({
        kind: 'sla',
        mode: d.loadMode,
        slo: slo ?? {},
        min: num(d.slaMin),
        max: num(d.slaMax),
        ...open,
        ...extent,
      });
      break;
  }
  return compact({
    name: d.name,
    description: d.description,
    tags: d.tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    workload,
    loadPlan,
    slo,
    evals: evalsToRequest(d.evals),
    variants: d.variants.map((v) => ({
      ...(v.id ? { id: v.id } : {}),
      targetId: v.targetId,
      label: v.label,
      optimization: compact({
        engine: v.engine.trim() || undefined,
        model: v.model.trim() || undefined,
        precision: v.precision.trim() || undefined,
        features: Object.fromEntries(FEATURE_KEYS.filter((k) => v.features[k]).map((k) => [k, true])),
      }),
      params: compact({
        maxTokens: num(v.maxTokens),
        temperature: num(v.temperature),
        ignoreEos: v.ignoreEos || undefined,
      }),
    })),
  });
}

/** `30:10, 60:10` → stages; a malformed pair becomes NaN fields so the schema reports it on `loadPlan.stages.<i>`. */
function parseStages(text: string): { durationSec: number; target: number }[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((pair) => {
      const [d, t] = pair.split(':');
      return { durationSec: Number(d ?? NaN), target: Number(t ?? NaN) };
    });
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

function distDraft(d: Record<string, unknown> | undefined, fallback: DistDraft): DistDraft {
  if (!d) return fallback;
  switch (d.kind) {
    case 'fixed':
      return { kind: 'fixed', a: str(d.value), b: '' };
    case 'uniform':
      return { kind: 'uniform', a: str(d.min), b: str(d.max) };
    case 'normal':
      return { kind: 'normal', a: str(d.mean), b: str(d.std) };
    case 'lognormal':
      return { kind: 'lognormal', a: str(d.median), b: str(d.sigma) };
    default:
      return fallback;
  }
}

/**
 * A stored experiment as a form draft (the edit form). Parts the form has no fields for (trace plans, limits,
 * burstiness, extra request params) are not representable: `unsupported` names them so the page can say so.
 */
export function experimentToDraft(exp: Experiment): { draft: ExperimentDraft; unsupported: string[] } {
  const base = newExperimentDraft(exp.variants[0]?.targetId ?? '');
  const unsupported: string[] = [];
  // read field by field across the union's members (the form has one field per name, whatever the kind)
  const w: Record<string, unknown> = { ...exp.workload };
  const p: Record<string, unknown> = { ...exp.loadPlan };
  const draft: ExperimentDraft = {
    ...base,
    name: exp.name,
    description: exp.description,
    tags: exp.tags.join(', '),
    workloadKind: w.kind === 'dataset' ? 'dataset' : 'synthetic',
    inputTokens: distDraft(w.inputTokens as Record<string, unknown> | undefined, base.inputTokens),
    outputTokens: distDraft(w.outputTokens as Record<string, unknown> | undefined, {
      kind: 'fixed',
      a: '',
      b: '',
    }),
    datasetSource: str(w.source) || base.datasetSource,
    datasetFormat: (w.format as ExperimentDraft['datasetFormat'] | undefined) ?? base.datasetFormat,
    prefixGroups: str((w.sharedPrefix as Record<string, unknown> | undefined)?.groups),
    prefixTokens: str((w.sharedPrefix as Record<string, unknown> | undefined)?.prefixTokens),
    levels: Array.isArray(p.levels) ? p.levels.join(', ') : base.levels,
    arrival: (p.arrival as ExperimentDraft['arrival'] | undefined) ?? base.arrival,
    loadMode: (p.mode as ExperimentDraft['loadMode'] | undefined) ?? base.loadMode,
    stages: Array.isArray(p.stages)
      ? (p.stages as { durationSec: number; target: number }[])
          .map((st) => `${st.durationSec}:${st.target}`)
          .join(', ')
      : base.stages,
    sweepPoints: str(p.points) || base.sweepPoints,
    maxConcurrency: str(p.maxConcurrency),
    slaMin: str(p.min) || base.slaMin,
    slaMax: str(p.max) || base.slaMax,
    requests: str(p.requests),
    durationSec: str(p.durationSec),
    warmupRequests: str((p.warmup as Record<string, unknown> | undefined)?.requests),
    seed: str(p.seed),
    shards: str(p.shards),
    sloTtftMs: str(exp.slo?.ttftMs),
    sloTpotMs: str(exp.slo?.tpotMs),
    sloItlMs: str(exp.slo?.itlMs),
    sloE2eMs: str(exp.slo?.e2eMs),
    sloPercentile: str(exp.slo?.percentile) || base.sloPercentile,
    variants: exp.variants.map((v, i) => ({
      ...newVariantDraft(i, v.targetId),
      id: v.id,
      label: v.label,
      engine: v.optimization.engine ?? '',
      model: v.optimization.model ?? '',
      precision: v.optimization.precision ?? '',
      features: Object.fromEntries(
        FEATURE_KEYS.map((k) => [k, Boolean((v.optimization.features as Record<string, unknown>)[k])]),
      ) as Record<FeatureKey, boolean>,
      maxTokens: str(v.params.maxTokens),
      temperature: str(v.params.temperature),
      ignoreEos: Boolean(v.params.ignoreEos),
    })),
  };
  if (exp.evals) {
    const builtin: string[] = exp.evals.suites.flatMap((x) => (typeof x === 'string' ? [x] : []));
    if (builtin.length < exp.evals.suites.length) unsupported.push('inline eval suites');
    draft.evals = {
      enabled: builtin.length > 0,
      suites: builtin,
      tasks: exp.evals.tasks ?? [],
      concurrency: str(exp.evals.concurrency),
      mode: exp.evals.mode,
      alongsidePoint: str(exp.evals.alongsidePoint ?? 0),
      seed: str(exp.evals.seed),
    };
  }
  if (p.kind === 'trace') unsupported.push('trace replay plans');
  else if (
    p.kind === 'concurrency' ||
    p.kind === 'rate' ||
    p.kind === 'stages' ||
    p.kind === 'sweep' ||
    p.kind === 'sla'
  )
    draft.planKind = p.kind;
  if (p.limits) unsupported.push('load point limits');
  if (p.burstiness !== undefined) unsupported.push('burstiness');
  if (p.kind === 'sla' && exp.slo === null) {
    const sla = p.slo as Record<string, unknown>;
    draft.sloTtftMs = str(sla.ttftMs);
    draft.sloTpotMs = str(sla.tpotMs);
    draft.sloItlMs = str(sla.itlMs);
    draft.sloE2eMs = str(sla.e2eMs);
    draft.sloPercentile = str(sla.percentile) || base.sloPercentile;
  }
  return { draft, unsupported };
}

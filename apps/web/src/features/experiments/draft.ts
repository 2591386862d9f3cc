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
  planKind: 'concurrency' | 'rate' | 'sweep';
  levels: string;
  arrival: 'constant' | 'poisson' | 'gamma';
  sweepPoints: string;
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
    sweepPoints: '10',
    requests: '100',
    durationSec: '',
    warmupRequests: '5',
    seed: '1',
    sloTtftMs: '',
    sloTpotMs: '',
    sloItlMs: '',
    sloE2eMs: '',
    sloPercentile: '99',
    variants: [newVariantDraft(0, defaultTargetId)],
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
  const workload =
    d.workloadKind === 'synthetic'
      ? { kind: 'synthetic', inputTokens: dist(d.inputTokens), outputTokens: dist(d.outputTokens) }
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
  });
  const levels = d.levels
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((s) => Number(s));
  const loadPlan =
    d.planKind === 'concurrency'
      ? { kind: 'concurrency', levels, ...extent }
      : d.planKind === 'rate'
        ? { kind: 'rate', levels, arrival: d.arrival, ...extent }
        : compact({ kind: 'sweep', mode: 'rate', points: num(d.sweepPoints), arrival: d.arrival, ...extent });
  const sloBounds = compact({
    ttftMs: num(d.sloTtftMs),
    tpotMs: num(d.sloTpotMs),
    itlMs: num(d.sloItlMs),
    e2eMs: num(d.sloE2eMs),
  });
  const slo = Object.keys(sloBounds).length
    ? { ...sloBounds, ...compact({ percentile: num(d.sloPercentile) }) }
    : undefined;
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
    variants: d.variants.map((v) => ({
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

import type { LoadPlanSpec, RequestSample, Stats } from '@inferbench/contracts';
import type { LoadPointAccumulator, SummaryFigure } from '@inferbench/metrics';

/** Tools whose result files can be imported. */
export const SOURCE_TOOLS = ['vllm', 'guidellm', 'aiperf', 'inference-perf', 'k6'] as const;
export type SourceTool = (typeof SOURCE_TOOLS)[number];

/** The concrete file shape an importer read. */
export type SourceFormat =
  | 'vllm-benchmark-serving'
  | 'vllm-bench-serve'
  | 'guidellm-report'
  | 'aiperf-json'
  | 'aiperf-csv'
  | 'inference-perf-report'
  | 'k6-summary-export'
  | 'k6-handle-summary';

/**
 * A distribution as a file states it, mapped to our units (ms for latencies, tokens/s for rates).
 * Every field is optional: what the file lacks is absent. `percentiles` keys are the percentile as
 * a decimal string: `'50'`, `'90'`, `'99'`, `'99.9'`.
 */
export interface ImportedStats {
  count?: number;
  mean?: number;
  std?: number;
  min?: number;
  max?: number;
  percentiles: Record<string, number>;
}

/** Scalar per-load-point figures (METRICS.md names) a file may state. */
export type ImportedScalar =
  | 'durationSec'
  | 'requestThroughput'
  | 'outputTokenThroughput'
  | 'totalTokenThroughput'
  | 'goodput'
  | 'achievedConcurrency'
  | 'errorRate';

/** Where one of our figures came from in the peer file. */
export interface FigureSource {
  /** path of the value in the file, e.g. `p99_tpot_ms` or `metrics.inter_token_latency_ms.successful` */
  key: string;
  /** `same`: the peer computes our quantity; `approx`: same quantity, documented difference in `note` */
  relation: 'same' | 'approx';
  note?: string;
}

/** The load the file says it ran (absent when it does not say). */
export type ImportedLoad =
  | { kind: 'concurrency'; concurrency: number }
  | { kind: 'rate'; rate: number | 'inf'; maxConcurrency?: number; burstiness?: number }
  | { kind: 'other'; description: string };

/** Figures rebuilt from per-request records with our own accumulator (only for files that hold them). */
export interface RebuiltFigures {
  samples: RequestSample[];
  /** our HDR accumulator fed with `samples`: percentiles, CDFs, bootstrap CIs like a native point */
  accumulator: LoadPointAccumulator;
  /** Stats of every figure the samples define (our formulas) */
  latency: Partial<Record<SummaryFigure, Stats>>;
}

/** One load point of an imported file. */
export interface ImportedPoint {
  label: string;
  load?: ImportedLoad;
  /** `aggregates`: the file holds only aggregates ("aggregates only"); `samples`: per-request records too */
  detail: 'samples' | 'aggregates';
  requests: { total?: number; succeeded?: number; failed?: number };
  tokens: { input?: number; output?: number };
  scalars: Partial<Record<ImportedScalar, number>>;
  /** latency (and per-request rate) distributions as the file states them, under our names */
  reported: Partial<Record<SummaryFigure, ImportedStats>>;
  /** for every mapped figure (`latency.tpotMs`, `scalars.requestThroughput`, `tokens.output`, …) its source */
  sources: Record<string, FigureSource>;
  rebuilt?: RebuiltFigures;
  /** peer figures kept verbatim that have no equivalent of ours */
  extras: Record<string, unknown>;
  /** caveats about this point's figures (e.g. client re-tokenized output counts) */
  flags: string[];
}

/** Result of importing one file. */
export interface ImportResult {
  tool: SourceTool;
  format: SourceFormat;
  /** tool version when the file states it */
  toolVersion?: string;
  detectedBy: 'shape' | 'forced';
  metadata: Record<string, unknown>;
  points: ImportedPoint[];
  warnings: string[];
}

/** Options of {@link importResultFile}. */
export interface ImportOptions {
  /** skip detection and read the file as this tool's output */
  tool?: SourceTool;
  /** file name, used only to tell CSV/YAML from JSON when the content is ambiguous */
  fileName?: string;
}

/** A load-plan spec converted from k6, with what could not be carried over. */
export interface ConvertedPlan {
  plan: LoadPlanSpec;
  notes: string[];
}

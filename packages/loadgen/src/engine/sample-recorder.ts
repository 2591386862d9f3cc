import type { ErrorClass, RequestSample } from '@inferbench/contracts';
import type { LlmOutcome, Tokenizer } from '../ports.js';
import type { WorkItem, WorkloadSource } from '../workloads/workload.js';
import type { PointProgress } from './constraints/index.js';
import { outcomeToSample } from './samples.js';
import type { SelfCheck } from './self-check.js';

/** The runner's counters (warm-up included unless named otherwise); constraints see them read-only. */
export class PointCounters implements PointProgress {
  admitted = 0;
  admittedMeasured = 0;
  completed = 0;
  errors = 0;
  cancelled = 0;
  warmup = 0;
  outputTokens = 0;
  tailCancelled = false;

  constructor(
    private readonly inFlightSet: ReadonlySet<unknown>,
    readonly planned: number | undefined,
  ) {}

  get inFlight(): number {
    return this.inFlightSet.size;
  }
}

/** A finished request as the recorder needs it. */
export interface RecordedRequest {
  idx: number;
  warmup: boolean;
  item: WorkItem;
  scheduledUs?: number;
  clientQueueUs?: number;
}

export interface SampleRecorderDeps {
  tokenizer: Tokenizer;
  onSample(sample: RequestSample): void;
  workload: WorkloadSource;
  selfCheck: SelfCheck;
  /** the point's warnings (a throwing sample consumer is noted here once) */
  warnings: string[];
}

/**
 * Turns each finished request into its one sample: converts the outcome, counts it, feeds the schedule
 * self-check, hands the sample to the consumer (which must not stop the point by throwing) and tells the
 * workload (multi-turn sessions continue from the reply).
 */
export class SampleRecorder {
  private onSampleFailed = false;

  constructor(
    private readonly n: PointCounters,
    private readonly deps: SampleRecorderDeps,
  ) {}

  record(
    p: RecordedRequest,
    o: LlmOutcome,
    startUs: number,
    errorClass: ErrorClass | undefined,
  ): RequestSample {
    const sample = outcomeToSample(
      o,
      {
        idx: p.idx,
        warmup: p.warmup,
        startUs,
        promptTokens: p.item.promptTokens,
        ...(p.scheduledUs !== undefined ? { scheduledUs: p.scheduledUs } : {}),
        ...(p.clientQueueUs !== undefined ? { clientQueueUs: p.clientQueueUs } : {}),
        ...(errorClass !== undefined ? { errorClass } : {}),
      },
      this.deps.tokenizer,
    );
    if (sample.warmup) this.n.warmup++;
    if (sample.errorClass === 'cancelled') {
      this.n.cancelled++;
    } else {
      this.n.completed++;
      if (sample.errorClass !== undefined) this.n.errors++;
      this.n.outputTokens += sample.outputTokens;
      // warm-up absorbs one-time costs (connection setup, lazy module/WASM compilation): judge the window only
      if (sample.scheduledUs !== undefined && !sample.warmup) {
        this.deps.selfCheck.recordScheduleDelay(
          sample.sentUs - sample.scheduledUs - (sample.clientQueueUs ?? 0),
        );
      }
    }
    try {
      this.deps.onSample(sample);
    } catch (err) {
      if (!this.onSampleFailed) {
        this.onSampleFailed = true;
        this.deps.warnings.push(
          `the sample consumer threw (${err instanceof Error ? err.message : String(err)}); samples may be missing downstream`,
        );
      }
    }
    this.deps.workload.complete(p.item, { ok: sample.errorClass === undefined, replyText: o.text });
    return sample;
  }
}

/** The outcome recorded for a request that never returned one (cut off, or the client threw). */
export function cancelledOutcome(nowUs: number, message: string): LlmOutcome {
  return {
    sentUs: nowUs,
    chunkTimesUs: [],
    endUs: nowUs,
    httpStatus: 0,
    errorClass: 'cancelled',
    errorMessage: message,
    text: '',
    reasoningText: '',
    toolCallText: '',
  };
}

import type { RequestSample } from '@inferbench/contracts';

/**
 * Groups samples into batches of at most `batchSize`, numbering them 0,1,2,... A batch is sealed when
 * it is full or when `flush()` is called (the processor calls it every second and at the end), so a slow
 * load point still reports its samples at least once a second.
 */
export class SampleBatcher {
  private current: RequestSample[] = [];
  private nextSeq = 0;
  private total = 0;

  constructor(
    private readonly batchSize: number,
    private readonly seal: (samples: RequestSample[], batchSeq: number) => void,
  ) {}

  /** Batches sealed so far (= the `batchCount` of the finished event once flushed). */
  get batchCount(): number {
    return this.nextSeq;
  }

  /** Samples received so far. */
  get sampleCount(): number {
    return this.total;
  }

  add(sample: RequestSample): void {
    this.current.push(sample);
    this.total++;
    if (this.current.length >= this.batchSize) this.flush();
  }

  /** Seal the partial batch, if any. */
  flush(): void {
    if (this.current.length === 0) return;
    const samples = this.current;
    this.current = [];
    this.seal(samples, this.nextSeq++);
  }
}

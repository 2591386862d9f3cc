/**
 * KV-cache accounting of one batched worker, in tokens. A running sequence holds its prompt plus what it has
 * generated ({@link Seq.kvTokens}); the pool is released on finish, abort, preemption (recompute) or hand-off to a
 * P/D decode worker.
 */
import type { Seq } from './seq.js';

/** The KV pool of one worker. */
export class KvCache {
  private used = 0;

  constructor(readonly capacityTokens: number) {}

  get usedTokens(): number {
    return this.used;
  }

  /** Would `tokens` more fit? */
  hasRoomFor(tokens: number): boolean {
    return this.used + tokens <= this.capacityTokens;
  }

  /** Admission: the sequence holds its prompt and what it already generated (after a preemption). */
  allocate(seq: Seq): void {
    seq.kvTokens = seq.promptTokens + seq.generated;
    this.used += seq.kvTokens;
  }

  /** `n` new tokens of a running sequence. */
  grow(seq: Seq, n: number): void {
    seq.kvTokens += n;
    this.used += n;
  }

  /** Frees everything the sequence holds. */
  release(seq: Seq): void {
    this.used -= seq.kvTokens;
    seq.kvTokens = 0;
  }
}

import { Injectable } from '@nestjs/common';
import { KeyedMutex } from '../../common/keyed-mutex.js';

/**
 * One lock per run, shared by every use case that changes a run or its work items, so concurrent ingest jobs and the
 * sweeper never interleave read-decide-write sequences of one run. Conditional updates in the database still guard
 * terminal states should several API processes ever run. A use case that already holds the lock calls the other
 * use cases' `…Locked` methods.
 */
@Injectable()
export class RunLocks {
  private readonly mutex = new KeyedMutex();

  run<T>(runId: string, fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(runId, fn);
  }
}

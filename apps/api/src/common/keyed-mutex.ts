/**
 * Serializes async work per key inside this process (e.g. every state change of one run), so concurrent
 * ingest jobs and the sweeper never interleave read-decide-write sequences for the same run. Conditional
 * updates in the database still guard terminal states should several API processes ever run.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

/**
 * Automatic prefix caching (vLLM-like): an LRU of chained prompt-block hashes per model. A prompt skips the prefill
 * of its leading blocks that are cached; blocks become cached when a prefill completes, and the least recently used
 * ones are evicted beyond what the KV cache could hold.
 */

/** LRU of cached prefix blocks. */
export class PrefixCache {
  /** chained block hash -> true (a Map keeps insertion order: the first key is the least recently used) */
  private readonly blocks = new Map<number, true>();

  constructor(
    private readonly blockSize: number,
    private readonly maxBlocks: number,
  ) {}

  /**
   * Prompt tokens served from the cache for a prompt of `promptTokens` with these block hashes: the leading run of
   * cached blocks (refreshed in the LRU), less one token, since at least one prompt token is always computed (it
   * produces the first output token).
   */
  lookup(blockHashes: readonly number[], promptTokens: number): number {
    let hits = 0;
    for (const h of blockHashes) {
      if (!this.blocks.has(h)) break;
      // refresh LRU position
      this.blocks.delete(h);
      this.blocks.set(h, true);
      hits++;
    }
    return Math.min(hits * this.blockSize, promptTokens - 1);
  }

  /** Caches (or refreshes) the blocks, then evicts the least recently used beyond capacity. */
  insert(blockHashes: readonly number[]): void {
    for (const h of blockHashes) {
      this.blocks.delete(h);
      this.blocks.set(h, true);
    }
    while (this.blocks.size > this.maxBlocks) {
      const oldest = this.blocks.keys().next().value as number;
      this.blocks.delete(oldest);
    }
  }
}

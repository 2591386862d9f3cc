import { describe, expect, it } from 'vitest';
import { waitForCommonStart, type StartSyncStore } from './start-sync.js';

/** In-memory stand-in for the five Redis commands (TTLs are irrelevant within one test). */
class MemoryStore implements StartSyncStore {
  readonly sets = new Map<string, Set<string>>();
  readonly values = new Map<string, string>();
  setCalls = 0;
  async sadd(key: string, member: string): Promise<number> {
    const s = this.sets.get(key) ?? new Set<string>();
    const had = s.has(member);
    s.add(member);
    this.sets.set(key, s);
    return had ? 0 : 1;
  }
  async scard(key: string): Promise<number> {
    return this.sets.get(key)?.size ?? 0;
  }
  async pexpire(): Promise<number> {
    return 1;
  }
  async set(key: string, value: string): Promise<'OK' | null> {
    this.setCalls++;
    if (this.values.has(key)) return null;
    this.values.set(key, value);
    return 'OK';
  }
  async get(key: string): Promise<string | null> {
    return this.values.get(key) ?? null;
  }
}

const sync = { key: 'lp1-r0', shards: 3, timeoutMs: 2_000 };

describe('waitForCommonStart', () => {
  it('gives every shard the same start time, set once by the last to arrive, and sleeps until it', async () => {
    const store = new MemoryStore();
    const signal = new AbortController().signal;
    const first = waitForCommonStart(store, sync, 0, signal, { prefix: 't', leadMs: 100 });
    await new Promise((r) => setTimeout(r, 60));
    const second = waitForCommonStart(store, sync, 1, signal, { prefix: 't', leadMs: 100 });
    await new Promise((r) => setTimeout(r, 60));
    const arrivedLastAt = Date.now();
    const third = waitForCommonStart(store, sync, 2, signal, { prefix: 't', leadMs: 100 });
    const outcomes = await Promise.all([first, second, third]);
    const ends = Date.now();
    expect(outcomes.every((o) => o.synced)).toBe(true);
    const starts = new Set(outcomes.map((o) => o.startAtEpochMs));
    expect(starts.size).toBe(1);
    const startAt = outcomes[0]!.startAtEpochMs!;
    expect(startAt).toBeGreaterThanOrEqual(arrivedLastAt + 100);
    expect(ends).toBeGreaterThanOrEqual(startAt);
    expect(store.values.get('t:startsync:lp1-r0:at')).toBe(String(startAt));
  });

  it('starts alone with a warning when the peers never arrive', async () => {
    const store = new MemoryStore();
    const t0 = Date.now();
    const o = await waitForCommonStart(store, { ...sync, timeoutMs: 150 }, 0, new AbortController().signal, {
      prefix: 't',
    });
    expect(o.synced).toBe(false);
    expect(o.warning).toMatch(/3 shards registered within 150 ms/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(store.setCalls).toBe(0);
  });

  it('returns at once when the point is cancelled during the wait', async () => {
    const store = new MemoryStore();
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 50);
    const t0 = Date.now();
    const o = await waitForCommonStart(store, { ...sync, timeoutMs: 5_000 }, 0, ctl.signal, { prefix: 't' });
    expect(o.synced).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});

import { START_SYNC_LEAD_MS, startSyncKeys, type StartSync } from '@inferbench/contracts';

/** The Redis commands the common start needs (ioredis satisfies it). */
export interface StartSyncStore {
  sadd(key: string, member: string): Promise<number>;
  scard(key: string): Promise<number>;
  pexpire(key: string, ms: number): Promise<number>;
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>;
  get(key: string): Promise<string | null>;
}

/** How the wait for the common start ended. */
export interface StartSyncOutcome {
  /** true when every shard arrived and a common start time was agreed */
  synced: boolean;
  /** the agreed start (epoch ms); absent when not synced */
  startAtEpochMs?: number;
  /** time spent waiting, ms */
  waitedMs: number;
  /** plain-language note when the shard starts without its peers */
  warning?: string;
}

export interface StartSyncOptions {
  prefix: string;
  nowEpochMs?: () => number;
  /** registration poll period, ms (default 20) */
  pollMs?: number;
  /** lead between the last arrival and the common start, ms (default START_SYNC_LEAD_MS) */
  leadMs?: number;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Agree on one start time with the other shards of a load point through Redis, then sleep until it:
 * each shard adds its index to a set; once the set holds `sync.shards` members, whoever sees that first
 * writes `now + leadMs` with SET NX (one writer wins, everyone reads the same value). Bounded by
 * `sync.timeoutMs` (a shard whose peers never arrive starts alone and says so) and by `signal` (cancel).
 * A Redis command that hangs (server down) is bounded by the same timeout.
 */
export async function waitForCommonStart(
  store: StartSyncStore,
  sync: StartSync,
  shardIndex: number,
  signal: AbortSignal,
  opts: StartSyncOptions,
): Promise<StartSyncOutcome> {
  const now = opts.nowEpochMs ?? Date.now;
  const pollMs = opts.pollMs ?? 20;
  const leadMs = opts.leadMs ?? START_SYNC_LEAD_MS;
  const keys = startSyncKeys(opts.prefix, sync.key);
  const t0 = now();
  const deadline = t0 + sync.timeoutMs;
  // keys outlive the wait (a late shard still reads the agreed time) but never linger
  const ttlMs = sync.timeoutMs + 60_000;
  const timedOut = (): StartSyncOutcome => ({
    synced: false,
    waitedMs: now() - t0,
    warning: `started without a common start: not every one of the ${sync.shards} shards registered within ${sync.timeoutMs} ms`,
  });
  const bounded = async <T>(p: Promise<T>): Promise<T | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    const left = Math.max(1, deadline - now());
    try {
      return await Promise.race([
        p,
        new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), left))),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  if ((await bounded(store.sadd(keys.arrived, String(shardIndex)))) === undefined) return timedOut();
  await bounded(store.pexpire(keys.arrived, ttlMs));
  while (!signal.aborted) {
    let at = await bounded(store.get(keys.startAt));
    if (at === undefined) return timedOut();
    if (at === null) {
      const arrived = await bounded(store.scard(keys.arrived));
      if (arrived === undefined) return timedOut();
      if (arrived >= sync.shards) {
        await bounded(store.set(keys.startAt, String(now() + leadMs), 'PX', ttlMs, 'NX'));
        at = await bounded(store.get(keys.startAt));
        if (at === undefined) return timedOut();
      }
    }
    if (at !== null) {
      const startAtEpochMs = Number(at);
      await sleep(startAtEpochMs - now(), signal);
      return { synced: true, startAtEpochMs, waitedMs: now() - t0 };
    }
    if (now() >= deadline) return timedOut();
    await sleep(Math.min(pollMs, deadline - now()), signal);
  }
  return { synced: false, waitedMs: now() - t0 };
}

/**
 * Resumable live events over the real API, Redis and PostgreSQL: every run event is an entry of the run's Redis
 * Stream, its id is the SSE `id:`, and a client reconnecting with `Last-Event-ID` gets exactly the entries it missed,
 * then the live ones, with no duplicate at the seam. Also: `ApiClient.followRun` resumes by itself across a cut
 * connection (a TCP proxy between it and the API), a position that was trimmed away gets a fresh snapshot, and the
 * stream expires a while after the run ends.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '@inferbench/api-client';
import {
  loadPointJobId,
  loadQueueName,
  LoadPointJobSchema,
  RunStreamEventSchema,
  type LoadPointJob,
  type Run,
  type RunStreamEvent,
} from '@inferbench/contracts';
import { freePort } from '@inferbench/testing';
import { RUN_STREAM_ENDED_TTL_MS, runStreamKey } from '../src/modules/runs/run-events.publisher.js';
import {
  AUTH_HEADERS,
  agentEvents,
  announceAgent,
  experimentBody,
  makeSamples,
  sendEvents,
  startTestApi,
  targetBody,
  TEST_BOOTSTRAP_TOKEN,
  waitFor,
  type TestApi,
} from './helpers.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

interface Seen {
  id: string;
  event: RunStreamEvent;
}

/** A raw SSE reader (no client library): collects `{id, event}` until the stream ends or `close()` is called. */
function openStream(url: string, lastEventId?: string) {
  const seen: Seen[] = [];
  const ac = new AbortController();
  const done = (async () => {
    const res = await fetch(url, {
      headers: {
        ...AUTH_HEADERS,
        accept: 'text/event-stream',
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) return;
        buf += dec.decode(value, { stream: true });
        let sep: number;
        while ((sep = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, sep);
          buf = buf.slice(sep + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id && data) seen.push({ id, event: RunStreamEventSchema.parse(JSON.parse(data)) });
        }
      }
    } catch (err) {
      if (!ac.signal.aborted) throw err;
    }
  })();
  return { seen, done, close: () => ac.abort() };
}

/** Every entry of the run's stream after `afterId`, as the API stored them. */
async function streamEntries(runId: string, afterId = '-'): Promise<Seen[]> {
  const rows = await t.redis.xrange(
    runStreamKey(t.prefix, runId),
    afterId === '-' ? '-' : `(${afterId}`,
    '+',
  );
  return rows.map(([id, fields]) => ({ id, event: RunStreamEventSchema.parse(JSON.parse(fields[1]!)) }));
}

async function startRun(pool: string, name: string): Promise<{ run: Run; job: LoadPointJob }> {
  await announceAgent(t, `agent-${pool}`, pool);
  const target = await t.client.createTarget(targetBody(`${name}-target`, { pool }));
  const exp = await t.client.createExperiment(
    experimentBody([target.id], {
      name,
      loadPlan: { kind: 'concurrency', levels: [1], requests: 4, seed: 1 },
    }),
  );
  const run = await t.client.startRun(exp.id);
  const job = await waitFor(`a job on ${pool}`, async () => {
    const jobs = await t.queue(loadQueueName(pool)).getJobs(['waiting', 'prioritized', 'delayed']);
    return jobs.map((j) => LoadPointJobSchema.parse(j.data)).find((j) => j.runId === run.id);
  });
  await t.queue(loadQueueName(pool)).remove(loadPointJobId(job.loadPointId, job.shard.index));
  return { run, job };
}

/** A TCP proxy to the API whose open connections can be cut (new ones are still accepted). */
async function startProxy(upstreamPort: number) {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const up = net.connect(upstreamPort, '127.0.0.1');
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(up).pipe(client);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('resumable run events', () => {
  it('a client that reconnects with Last-Event-ID gets exactly the events it missed, then live ones, no duplicates', async () => {
    const { run, job } = await startRun('pool-resume', 'resume');
    const url = `${t.url}/runs/${run.id}/events`;

    const first = openStream(url);
    await waitFor('snapshot', async () => first.seen.length >= 1);
    expect(first.seen[0]!.event).toEqual({
      type: 'run.status',
      runId: run.id,
      status: 'queued',
      error: null,
    });
    await sendEvents(t, [agentEvents.started(job), agentEvents.progress(job, 1)]);
    await waitFor('progress 1 on the first connection', async () =>
      first.seen.some((s) => s.event.type === 'loadpoint.progress'),
    );
    first.close();
    await first.done;
    const lastSeen = first.seen.at(-1)!.id;

    // while nobody listens
    await sendEvents(t, [
      agentEvents.progress(job, 2),
      agentEvents.progress(job, 3),
      agentEvents.batch(job, 0, makeSamples(2)),
    ]);
    await waitFor('progress 3 in the stream', async () =>
      (await streamEntries(run.id, lastSeen)).some(
        (s) => s.event.type === 'loadpoint.progress' && s.event.totals.done === 3,
      ),
    );
    const missed = await streamEntries(run.id, lastSeen);
    expect(missed.length).toBeGreaterThanOrEqual(2);

    const second = openStream(url, lastSeen);
    await waitFor('the missed events replayed', async () => second.seen.length >= missed.length);
    expect(second.seen.slice(0, missed.length)).toEqual(missed);
    // then live, up to the end
    await sendEvents(t, [
      agentEvents.progress(job, 4),
      agentEvents.batch(job, 1, makeSamples(2, 2)),
      agentEvents.finished(job, 2),
    ]);
    await second.done;
    expect(second.seen.at(-1)!.event).toMatchObject({ type: 'run.status', status: 'completed' });

    // everything after the first connection's last event, exactly once and in order
    const all = await streamEntries(run.id);
    expect(second.seen).toEqual(await streamEntries(run.id, lastSeen));
    const ids = [...first.seen.slice(1), ...second.seen].map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const snapshotId = first.seen[0]!.id;
    expect(ids).toEqual(
      (await streamEntries(run.id, snapshotId === '0-0' ? '-' : snapshotId)).map((s) => s.id),
    );
    expect(all.length).toBeGreaterThanOrEqual(ids.length);

    // resuming from the terminal event of a finished run: nothing missed, the stream still ends with the status
    const late = openStream(url, second.seen.at(-1)!.id);
    await late.done;
    expect(late.seen.map((s) => s.event)).toEqual([
      { type: 'run.status', runId: run.id, status: 'completed', error: null },
    ]);

    // kept a while after the end, then gone
    const ttlMs = await t.redis.pttl(runStreamKey(t.prefix, run.id));
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(RUN_STREAM_ENDED_TTL_MS);
  });

  it('ApiClient.followRun resumes by itself across a cut connection and sees every event once', async () => {
    const { run, job } = await startRun('pool-follow', 'follow');
    const proxy = await startProxy(Number(new URL(t.url).port));
    try {
      const seen: Seen[] = [];
      let currentId = '';
      const follow = new ApiClient({ baseUrl: proxy.url, token: TEST_BOOTSTRAP_TOKEN }).followRun(
        run.id,
        (event) => seen.push({ id: currentId, event }),
        undefined,
        { retryDelayMs: 50, onEventId: (id) => (currentId = id) },
      );
      // onEventId runs before onEvent for the same block, so each event is tagged with its own id
      await waitFor('snapshot', async () => seen.length >= 1);
      await sendEvents(t, [agentEvents.started(job), agentEvents.progress(job, 1)]);
      await waitFor('progress 1', async () => seen.some((s) => s.event.type === 'loadpoint.progress'));
      proxy.cut();
      await sendEvents(t, [agentEvents.progress(job, 2), agentEvents.progress(job, 3)]);
      await waitFor('reconnected', async () => proxy.connections >= 2);
      await sendEvents(t, [agentEvents.batch(job, 0, makeSamples(4)), agentEvents.finished(job, 1)]);
      await follow;

      expect(proxy.connections).toBe(2);
      const afterSnapshot = await streamEntries(run.id, seen[0]!.id === '0-0' ? '-' : seen[0]!.id);
      expect(seen.slice(1)).toEqual(afterSnapshot);
      expect(
        seen
          .filter((s) => s.event.type === 'loadpoint.progress')
          .map((s) => s.event.type === 'loadpoint.progress' && s.event.totals.done),
      ).toEqual([1, 2, 3]);
      expect(seen.at(-1)!.event).toMatchObject({ type: 'run.status', status: 'completed' });
    } finally {
      await proxy.close();
    }
  });

  it('a position that was trimmed away (or an expired stream) gets a fresh snapshot instead of a partial replay', async () => {
    const { run, job } = await startRun('pool-trim', 'trim');
    await sendEvents(t, [
      agentEvents.started(job),
      agentEvents.progress(job, 1),
      agentEvents.progress(job, 2),
    ]);
    const key = runStreamKey(t.prefix, run.id);
    await waitFor('3 entries', async () => (await t.redis.xlen(key)) >= 4);
    const [oldest] = await streamEntries(run.id);
    // drop everything but the newest entry, as MAXLEN would on a very long run
    await t.redis.xtrim(key, 'MAXLEN', 1);
    const s = openStream(`${t.url}/runs/${run.id}/events`, oldest!.id);
    await waitFor('an event', async () => s.seen.length >= 1);
    const newest = (await streamEntries(run.id)).at(-1)!;
    expect(s.seen[0]).toEqual({
      id: newest.id,
      event: { type: 'run.status', runId: run.id, status: 'running', error: null },
    });
    s.close();
    await s.done;

    await t.redis.del(key);
    const gone = openStream(`${t.url}/runs/${run.id}/events`, oldest!.id);
    await waitFor('an event', async () => gone.seen.length >= 1);
    expect(gone.seen[0]).toEqual({
      id: '0-0',
      event: { type: 'run.status', runId: run.id, status: 'running', error: null },
    });
    gone.close();
    await gone.done;
  });
});

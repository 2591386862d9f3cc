/**
 * Shared plumbing of the client benchmarks (B1, B3): the forked fast server, a closed-loop stream runner
 * for the inferbench client and for a bare node:http SSE reader, percentiles and machine conditions.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { request as httpRequest, Agent as HttpAgent, type ClientRequest } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { OpenAiCompatibleClient, SystemClock, type LlmRequest } from '@inferbench/loadgen';
import type { FastServerRecord } from './client-fast-server.js';

export interface ServerConfig {
  ttftMs: number;
  itlMs: number;
  tokens: number;
  eventsPerWrite: number;
  recordAllWrites: boolean;
}

/** Handle on the forked server process. */
export interface FastServerProcess {
  port: number;
  configure(c: ServerConfig): Promise<void>;
  /** records since the last configure/report; cpuUs = server CPU time over the same span */
  report(): Promise<{ records: FastServerRecord[]; writes: number; cpuUs: number }>;
  stop(): Promise<void>;
}

/** Fork bench/lib/client-fast-server.ts (tsx's loader is inherited through execArgv). */
export async function startFastServer(): Promise<FastServerProcess> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./client-fast-server.ts', import.meta.url)), [], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waitFor = <T>(type: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`fast server exited (${code})`));
      const onMsg = (m: { type: string }): void => {
        if (m.type === type) {
          child.off('message', onMsg);
          child.off('exit', onExit);
          resolve(m as T);
        }
      };
      child.on('message', onMsg);
      child.once('exit', onExit);
    });
  const { port } = await waitFor<{ port: number }>('listening');
  return {
    port,
    configure: async (c) => {
      const done = waitFor('configured');
      child.send({ type: 'config', ...c });
      await done;
    },
    report: async () => {
      const r = waitFor<{ records: FastServerRecord[]; writes: number; cpuUs: number }>('report');
      child.send({ type: 'report' });
      return r;
    },
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'exit' });
      await exited;
    },
  };
}

/** What the runner keeps of one request. */
export interface StreamResult {
  id: string;
  ok: boolean;
  sentUs: number;
  chunkTimesUs: number[];
}

export interface RunOptions {
  port: number;
  streams: number;
  /** workers start spread over this many ms */
  rampMs: number;
  /** requests sent before warmupMs are not measured */
  warmupMs: number;
  measureMs: number;
}

export interface RunResult {
  results: StreamResult[];
  /** clock.nowUs() at the start of the measured window and its end */
  windowStartUs: number;
  windowEndUs: number;
  clientCpuUs: number;
  /** kernel part of clientCpuUs */
  clientSystemCpuUs: number;
  loopDelayP99Ms: number;
}

type SendFn = (id: string, signal: AbortSignal) => Promise<StreamResult>;

const clock = new SystemClock();

/** Closed loop: `streams` workers, each sending the next request as soon as its stream ends. */
async function runClosedLoop(opts: RunOptions, send: SendFn): Promise<RunResult> {
  const results: StreamResult[] = [];
  const ac = new AbortController();
  const t0 = clock.nowUs();
  const windowStartUs = t0 + opts.warmupMs * 1000;
  const windowEndUs = windowStartUs + opts.measureMs * 1000;
  let cpuAtWindow: NodeJS.CpuUsage | undefined;
  let cpuUs = 0;
  let systemUs = 0;
  const h = monitorEventLoopDelay({ resolution: 1 });
  const startWindow = setTimeout(() => {
    cpuAtWindow = process.cpuUsage();
    h.enable();
  }, opts.warmupMs);
  const endWindow = setTimeout(() => {
    const d = process.cpuUsage(cpuAtWindow);
    cpuUs = d.user + d.system;
    systemUs = d.system;
    h.disable();
    ac.abort(); // cancel the streams still running: the window is over
  }, opts.warmupMs + opts.measureMs);
  const worker = async (w: number): Promise<void> => {
    await clock.sleepUntilUs(t0 + (w * opts.rampMs * 1000) / opts.streams, ac.signal);
    for (let n = 0; !ac.signal.aborted; n++) {
      results.push(await send(`w${w}n${n}`, ac.signal));
    }
  };
  await Promise.all(Array.from({ length: opts.streams }, (_, w) => worker(w)));
  clearTimeout(startWindow);
  clearTimeout(endWindow);
  return {
    results,
    windowStartUs,
    windowEndUs,
    clientCpuUs: cpuUs,
    clientSystemCpuUs: systemUs,
    loopDelayP99Ms: h.percentile(99) / 1e6,
  };
}

/** Run the inferbench client (OpenAiCompatibleClient) closed-loop. */
export async function runInferbenchClient(
  opts: RunOptions,
  /** `fastChunkParse: false` selects the full JSON.parse path per chunk (b1-per-chunk compares both) */
  clientOptions: { fastChunkParse?: boolean } = {},
): Promise<RunResult> {
  const client = new OpenAiCompatibleClient({ clock, maxConnections: opts.streams, ...clientOptions });
  const base = (id: string, signal: AbortSignal): LlmRequest => ({
    target: { baseUrl: `http://127.0.0.1:${opts.port}`, apiKind: 'chat', model: 'bench', headers: {} },
    params: { maxTokens: 1000 },
    prompt: { kind: 'chat', messages: [{ role: 'user', content: id }] },
    promptTokens: 1,
    signal,
  });
  const r = await runClosedLoop(opts, async (id, signal) => {
    const o = await client.send(base(id, signal));
    return { id, ok: o.errorClass === undefined, sentUs: o.sentUs, chunkTimesUs: o.chunkTimesUs };
  });
  await client.close();
  return r;
}

/**
 * Baseline: the least a Node client can do. node:http keep-alive agent, string-split on "\n\n",
 * JSON.parse per event, one timestamp per 'data' event; sentUs at the request's 'finish' event.
 */
export async function runBareReader(opts: RunOptions): Promise<RunResult> {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: opts.streams });
  const active = new Set<ClientRequest>();
  const r = await runClosedLoop(opts, (id, signal) => {
    return new Promise<StreamResult>((resolve) => {
      const body = JSON.stringify({
        model: 'bench',
        messages: [{ role: 'user', content: id }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const res: StreamResult = { id, ok: false, sentUs: Number.NaN, chunkTimesUs: [] };
      let settled = false;
      const settle = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        res.ok = ok;
        active.delete(req);
        resolve(res);
      };
      const req = httpRequest({
        host: '127.0.0.1',
        port: opts.port,
        path: '/v1/chat/completions',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      active.add(req);
      const onAbort = (): void => {
        req.destroy();
        settle(false);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('finish', () => (res.sentUs = clock.nowUs()));
      req.on('response', (incoming) => {
        incoming.setEncoding('utf8');
        let buf = '';
        let done = false;
        incoming.on('data', (s: string) => {
          const t = clock.nowUs();
          buf += s;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const ev = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (!ev.startsWith('data: ')) continue;
            const d = ev.slice(6);
            if (d === '[DONE]') {
              done = true;
              continue;
            }
            const o = JSON.parse(d) as { choices: { delta?: { content?: string } }[] };
            if (o.choices[0]?.delta?.content) res.chunkTimesUs.push(t);
          }
        });
        incoming.on('end', () => {
          signal.removeEventListener('abort', onAbort);
          settle(done);
        });
        incoming.on('error', () => settle(false));
      });
      req.on('error', () => settle(false));
      req.end(body);
    });
  });
  for (const req of active) req.destroy();
  agent.destroy();
  return r;
}

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

/** Machine conditions recorded with every benchmark figure. */
export function machine(): Record<string, unknown> {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    node: process.version,
    loadavg: loadavg().map((l) => round(l, 2)),
  };
}

/** received output chunks whose arrival lies inside the window */
export function chunksInWindow(r: RunResult): number {
  let n = 0;
  for (const s of r.results)
    for (const t of s.chunkTimesUs) if (t >= r.windowStartUs && t < r.windowEndUs) n++;
  return n;
}

/** client TTFT − server time-to-first-write, µs, for requests sent inside the window that got a first chunk */
export function ttftOverheadsUs(r: RunResult, server: Map<string, FastServerRecord>): number[] {
  const out: number[] = [];
  for (const s of r.results) {
    // cancelled-at-window-end streams count too: their first chunk was real
    if (s.sentUs < r.windowStartUs || s.sentUs >= r.windowEndUs) continue;
    const rec = server.get(s.id);
    const first = s.chunkTimesUs[0];
    if (!rec || first === undefined) continue;
    out.push(first - s.sentUs - rec.ttfwUs);
  }
  return out.sort((a, b) => a - b);
}

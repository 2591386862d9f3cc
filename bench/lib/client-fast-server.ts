/**
 * A fast OpenAI-style SSE server for client benchmarks, run as a child process (child_process.fork).
 *
 * Raw `net` + a minimal HTTP/1.1 parser (keep-alive, Content-Length bodies) instead of node:http so the
 * server spends its CPU writing pre-built chunked-encoding frames, not in http machinery: it must outrun
 * the client under test. Per request: after `ttftMs` it writes the response head together with the first
 * content chunk, then one chunk every `itlMs` (each a separate `socket.write`), then finish + usage +
 * `[DONE]` + the chunked terminator.
 *
 * Times are `performance.now()` in THIS process: only durations leave it (time-to-first-write and write
 * offsets relative to when the request was fully received), so no cross-process clock alignment is needed.
 *
 * IPC protocol (parent → child): {type:'config', ttftMs, itlMs, tokens, eventsPerWrite} | {type:'report'}
 * | {type:'exit'}; (child → parent): {type:'listening', port} | {type:'report', records, cpuUs, writes}.
 */
import { createServer, type Socket } from 'node:net';

interface Config {
  ttftMs: number;
  itlMs: number;
  tokens: number;
  /** SSE events per socket write (1 = one event per write, like an unloaded vLLM) */
  eventsPerWrite: number;
  /** record every write offset (B3) or only the first (B1) */
  recordAllWrites: boolean;
}

/** One finished response, durations in µs. */
export interface FastServerRecord {
  /** the request's first message content (the client puts a unique id there) */
  id: string;
  /** first write (head + first chunk) − request fully received */
  ttfwUs: number;
  /** every output write − request fully received (only with recordAllWrites) */
  writeOffsetsUs?: number[];
}

let config: Config = { ttftMs: 10, itlMs: 20, tokens: 50, eventsPerWrite: 1, recordAllWrites: false };
let records: FastServerRecord[] = [];
let writes = 0;

const CONTENT_EVENT =
  'data: {"id":"chatcmpl-b","object":"chat.completion.chunk","created":1,"model":"bench","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}\n\n';
const HEAD =
  'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\nconnection: keep-alive\r\n\r\n';

function frame(body: string): Buffer {
  const b = Buffer.from(body, 'utf8');
  return Buffer.concat([
    Buffer.from(`${b.length.toString(16)}\r\n`, 'latin1'),
    b,
    Buffer.from('\r\n', 'latin1'),
  ]);
}

let contentFrame = frame(CONTENT_EVENT);
let firstFrame = Buffer.concat([Buffer.from(HEAD, 'latin1'), contentFrame]);

function tailFrame(tokens: number): Buffer {
  const fin =
    'data: {"id":"chatcmpl-b","object":"chat.completion.chunk","created":1,"model":"bench","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}]}\n\n';
  const usage = `data: {"id":"chatcmpl-b","object":"chat.completion.chunk","created":1,"model":"bench","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":${tokens},"total_tokens":${tokens + 4}}}\n\n`;
  return Buffer.concat([frame(fin + usage + 'data: [DONE]\n\n'), Buffer.from('0\r\n\r\n', 'latin1')]);
}
let tail = tailFrame(config.tokens);

function applyConfig(c: Partial<Config>): void {
  config = { ...config, ...c };
  contentFrame = frame(CONTENT_EVENT.repeat(config.eventsPerWrite));
  firstFrame = Buffer.concat([Buffer.from(HEAD, 'latin1'), contentFrame]);
  tail = tailFrame(config.tokens);
}

/** Serve one connection: parse requests one after the other (no pipelining). */
function serve(socket: Socket): void {
  socket.setNoDelay(true);
  let buf: Buffer = Buffer.alloc(0);
  let busy = false;
  socket.on('error', () => socket.destroy());
  socket.on('data', (d: Buffer) => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    if (!busy) tryRequest();
  });

  function tryRequest(): void {
    const headEnd = buf.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = buf.toString('latin1', 0, headEnd);
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const len = m ? Number(m[1]) : 0;
    if (buf.length < headEnd + 4 + len) return;
    const receivedMs = performance.now();
    const body = buf.toString('utf8', headEnd + 4, headEnd + 4 + len);
    buf = buf.subarray(headEnd + 4 + len);
    busy = true;
    let id = '';
    try {
      id = (JSON.parse(body) as { messages?: { content?: string }[] }).messages?.[0]?.content ?? '';
    } catch {
      id = '';
    }
    stream(id, receivedMs);
  }

  function stream(id: string, receivedMs: number): void {
    const offsets: number[] | undefined = config.recordAllWrites ? [] : undefined;
    const chunksPerWrite = config.eventsPerWrite;
    let sentTokens = 0;
    let ttfwUs = -1;
    const { tokens, itlMs } = config;
    const step = (): void => {
      if (socket.destroyed) return;
      const nowMs = performance.now();
      if (ttfwUs < 0) {
        ttfwUs = (nowMs - receivedMs) * 1000;
        socket.write(firstFrame);
        // recorded at the first write: streams cut off at the end of a window still count for TTFT
        records.push({ id, ttfwUs, writeOffsetsUs: offsets });
      } else {
        socket.write(contentFrame);
      }
      writes++;
      offsets?.push((nowMs - receivedMs) * 1000);
      sentTokens += chunksPerWrite;
      if (sentTokens >= tokens) {
        socket.write(tail);
        busy = false;
        if (buf.length > 0) tryRequest();
        return;
      }
      setTimeout(step, itlMs);
    };
    setTimeout(step, config.ttftMs);
  }
}

const server = createServer(serve);
// a deep accept queue: B1 opens thousands of connections within ~2 s, and a SYN dropped from a full
// default queue (511) comes back only after TCP's 1 s retransmit timeout
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  const addr = server.address();
  process.send?.({ type: 'listening', port: typeof addr === 'object' && addr ? addr.port : 0 });
});

let cpuBase = process.cpuUsage();
process.on('message', (msg: { type: string } & Partial<Config>) => {
  if (msg.type === 'config') {
    applyConfig(msg);
    records = [];
    writes = 0;
    cpuBase = process.cpuUsage();
    process.send?.({ type: 'configured' });
  } else if (msg.type === 'report') {
    const cpu = process.cpuUsage(cpuBase);
    process.send?.({ type: 'report', records, writes, cpuUs: cpu.user + cpu.system });
    records = [];
    writes = 0;
    cpuBase = process.cpuUsage();
  } else if (msg.type === 'exit') {
    server.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));

/**
 * Minimal streaming client used by the simulator's own tests and benchmark: real fetch, real
 * SSE parsing, one timestamp per `data:` event. Not a replacement for the agent's client.
 */

/** One SSE event as received. */
export interface SseEvent {
  /** performance.now() when the bytes carrying the event arrived */
  atMs: number;
  /** raw text after `data: ` */
  data: string;
  /** parsed JSON, or undefined for [DONE] / malformed lines */
  json: Record<string, unknown> | undefined;
}

/** Result of one streamed request. */
export interface StreamResult {
  status: number;
  headers: Headers;
  sentAtMs: number;
  events: SseEvent[];
  /** [DONE] was received */
  isDone: boolean;
  /** the body ended with an error (e.g. the server cut the connection) */
  error: unknown;
  /** the body as text, for non-SSE answers */
  bodyText: string;
  /** times of events carrying output (content, reasoning or text) */
  tokenTimesMs: number[];
}

/** POSTs `body` to `url` and reads the SSE stream to its end. */
export async function postStream(url: string, body: unknown, signal?: AbortSignal): Promise<StreamResult> {
  const sentAtMs = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  const out: StreamResult = {
    status: res.status,
    headers: res.headers,
    sentAtMs,
    events: [],
    isDone: false,
    error: undefined,
    bodyText: '',
    tokenTimesMs: [],
  };
  if (!res.body) return out;
  const isSse = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
  const decoder = new TextDecoder();
  let pending = '';
  try {
    for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
      const atMs = performance.now();
      const text = decoder.decode(bytes, { stream: true });
      if (!isSse) {
        out.bodyText += text;
        continue;
      }
      pending += text;
      let sep: number;
      while ((sep = pending.indexOf('\n\n')) >= 0) {
        const block = pending.slice(0, sep);
        pending = pending.slice(sep + 2);
        if (!block.startsWith('data: '))
          throw new Error(`bad SSE framing: ${JSON.stringify(block.slice(0, 80))}`);
        const data = block.slice(6);
        let json: Record<string, unknown> | undefined;
        if (data === '[DONE]') out.isDone = true;
        else {
          try {
            json = JSON.parse(data) as Record<string, unknown>;
          } catch {
            json = undefined;
          }
        }
        out.events.push({ atMs, data, json });
        if (json && outputText(json) !== '') out.tokenTimesMs.push(atMs);
      }
    }
  } catch (e) {
    out.error = e;
  }
  if (pending !== '') out.error ??= new Error(`trailing bytes without separator: ${pending.slice(0, 80)}`);
  return out;
}

/** Output text carried by a chunk (content, reasoning_content or completions text). */
export function outputText(json: Record<string, unknown>): string {
  const choices = json.choices as { delta?: Record<string, unknown>; text?: string }[] | undefined;
  const c = choices?.[0];
  if (!c) return '';
  if (typeof c.text === 'string') return c.text;
  const d = c.delta ?? {};
  return `${typeof d.reasoning_content === 'string' ? d.reasoning_content : ''}${typeof d.content === 'string' ? d.content : ''}`;
}

/** Gaps between consecutive token times. */
export function gaps(timesMs: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < timesMs.length; i++) out.push(timesMs[i]! - timesMs[i - 1]!);
  return out;
}

/** A prompt of exactly n tokens under the simulator's counting rule (n words of <= 4 chars). */
export function promptOf(n: number, salt = ''): string {
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(i === 0 && salt ? salt.slice(0, 4) : `w${(i * 7919) % 997}`);
  return words.join(' ');
}

/** Prometheus text -> map from series (`name{labels}` exactly as written) to value. */
export async function scrapeMetrics(baseUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

/** Value of `name{model_name="model"}` (or with a leading `le`/other labels given in `labels`). */
export function series(m: Map<string, number>, name: string, model: string, labels = ''): number {
  const key = `${name}{${labels ? `${labels},` : ''}model_name="${model}"}`;
  const v = m.get(key);
  if (v === undefined) throw new Error(`no series ${key}`);
  return v;
}

/** Mean of a histogram (sum / count), seconds. */
export function histMean(m: Map<string, number>, name: string, model: string): number {
  return series(m, `${name}_sum`, model) / series(m, `${name}_count`, model);
}

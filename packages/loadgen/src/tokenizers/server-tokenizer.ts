import type { Tokenizer } from '../ports.js';
import { WORDS } from '../workloads/word-stream.js';

/** Engines whose tokenize endpoint we speak. */
export type TokenizeEngine = 'vllm' | 'llamacpp' | 'tgi';

/** Where a target's tokenize endpoint is and how to reach it. */
export interface TokenizeEndpointTarget {
  baseUrl: string;
  model: string;
  headers?: Record<string, string>;
  apiKey?: string;
}

/**
 * A server's tokenize endpoint, found by {@link detectTokenizeEndpoint}. Request/response shapes:
 * - vLLM `POST /tokenize` `{model, prompt, add_special_tokens}` → `{count, max_model_len, tokens[]}`
 *   (and `POST /detokenize` `{model, tokens}` → `{prompt}`);
 * - llama.cpp server `POST /tokenize` `{content, add_special}` → `{tokens[]}`
 *   (and `POST /detokenize` `{tokens}` → `{content}`);
 * - TGI `POST /tokenize` `{inputs}` → `[{id, text, start, stop}]` (no detokenize).
 */
export interface TokenizeEndpoint {
  engine: TokenizeEngine;
  url: string;
  /** raw token count of one text as the server tokenizes it (special tokens it always adds included) */
  countRaw(text: string): Promise<number>;
}

/** Scheme, host and port of the base URL plus any path before `/v1` (the tokenize routes sit at the root). */
export function serverOrigin(baseUrl: string): string {
  const u = new URL(baseUrl);
  const path = u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${u.origin}${path}`;
}

function headersOf(t: TokenizeEndpointTarget): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...(t.apiKey ? { authorization: `Bearer ${t.apiKey}` } : {}),
    ...t.headers,
  };
}

async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: left undefined
  }
  return { status: res.status, json };
}

const isIntArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isInteger(x));

/**
 * Finds the target's tokenize endpoint: tries the vLLM shape, then llama.cpp's, then TGI's, at
 * `<origin>/tokenize`. Returns null when none answers in its shape (404, another shape, not reachable).
 */
export async function detectTokenizeEndpoint(
  target: TokenizeEndpointTarget,
  timeoutMs = 5000,
): Promise<TokenizeEndpoint | null> {
  const url = `${serverOrigin(target.baseUrl)}/tokenize`;
  const headers = headersOf(target);
  const probe = ' the';
  const shapes: {
    engine: TokenizeEngine;
    body: (text: string) => unknown;
    count: (json: unknown) => number | null;
  }[] = [
    {
      engine: 'vllm',
      body: (text) => ({ model: target.model, prompt: text, add_special_tokens: false }),
      count: (j) => {
        const o = j as { count?: unknown; tokens?: unknown } | undefined;
        return o && typeof o.count === 'number' && isIntArray(o.tokens) ? o.tokens.length : null;
      },
    },
    {
      engine: 'llamacpp',
      body: (text) => ({ content: text, add_special: false }),
      count: (j) => {
        const o = j as { tokens?: unknown; count?: unknown } | undefined;
        return o && o.count === undefined && Array.isArray(o.tokens) ? o.tokens.length : null;
      },
    },
    {
      engine: 'tgi',
      body: (text) => ({ inputs: text }),
      count: (j) =>
        Array.isArray(j) && j.every((t) => typeof t === 'object' && t !== null && 'id' in t)
          ? j.length
          : null,
    },
  ];
  for (const shape of shapes) {
    let r: { status: number; json: unknown };
    try {
      r = await postJson(url, shape.body(probe), headers, timeoutMs);
    } catch {
      return null; // not reachable: no other shape will answer either
    }
    if (r.status === 404 || r.status === 405) return null;
    if (r.status !== 200) continue;
    const n = shape.count(r.json);
    if (n === null || n < 1) continue;
    return {
      engine: shape.engine,
      url,
      countRaw: async (text) => {
        const res = await postJson(url, shape.body(text), headers, timeoutMs);
        const c = res.status === 200 ? shape.count(res.json) : null;
        if (c === null) throw new Error(`${url} answered ${res.status} to a tokenize request`);
        return c;
      },
    };
  }
  return null;
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Units of text: each word with its leading whitespace, plus trailing whitespace as its own unit. */
export function splitUnits(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** Every unit the synthetic corpus can contain: ` word`, ` Word`, each bare or with one punctuation mark. */
export function corpusUnits(): string[] {
  const out: string[] = [];
  for (const w of WORDS) {
    const cap = w[0]!.toUpperCase() + w.slice(1);
    for (const base of [w, cap]) for (const p of ['', '.', ',', ';', '?', '!']) out.push(` ${base}${p}`);
  }
  return out;
}

/** Result of checking that the server's count of a text is the sum of its units' counts. */
export interface AdditivityCheck {
  texts: number;
  mismatches: number;
  /** first mismatch: server count vs table sum */
  example?: { server: number; table: number };
}

/** Highest token index per unit; a unit with more tokens than this is counted but not given ids beyond it. */
const IDS_PER_UNIT = 4096;

/**
 * A synchronous {@link Tokenizer} that counts exactly like a server's tokenize endpoint, for text made of units
 * (whitespace + word) it has learned: each unit's count is asked from the server once (batched, before any load),
 * and a text's count is the sum over its units. That sum is exact for tokenizers that never merge across a
 * whitespace-word boundary (byte-level BPEs with a GPT/Llama-3 split regex, SentencePiece with `▁` words); it is
 * checked against the server on sample texts ({@link checkAdditivity}) before use.
 *
 * Ids are this class's own: unit `u` with `c` tokens encodes as `c` ids whose first decodes to the unit's text and
 * the rest to '' (so a prefix of ids decodes to whole units, and decode of a concatenation is the concatenation).
 * Units never learned count with `fallback` and are remembered; {@link learnPending} asks the server for them later
 * (between load points, never on the request path). {@link approximateCounts} says how many counts used it.
 */
export class ServerTokenizer implements Tokenizer {
  readonly name: string;
  private readonly counts = new Map<string, number>();
  private readonly unitIds = new Map<string, number>();
  private readonly units: string[] = [];
  private readonly pending = new Set<string>();
  /** texts counted (in part) with the fallback since creation */
  approximateCounts = 0;

  constructor(
    readonly endpoint: TokenizeEndpoint,
    private readonly fallback: Tokenizer,
    /** tokens the server adds to any text it tokenizes (e.g. a BOS TGI always adds); subtracted */
    private readonly constantTokens: number,
  ) {
    this.name = `server:${endpoint.engine}@${endpoint.url}`;
  }

  /** Creates one and learns the synthetic corpus's units. */
  static async create(
    endpoint: TokenizeEndpoint,
    fallback: Tokenizer,
    concurrency = 16,
  ): Promise<ServerTokenizer> {
    // calibrate special tokens the endpoint always adds: n(x) = k + c·units
    const one = await endpoint.countRaw(' the');
    const two = await endpoint.countRaw(' the the');
    const constant = Math.max(0, 2 * one - two);
    const tok = new ServerTokenizer(endpoint, fallback, constant);
    await tok.learn(corpusUnits(), concurrency);
    return tok;
  }

  get learnedUnits(): number {
    return this.counts.size;
  }

  get pendingUnits(): number {
    return this.pending.size;
  }

  /** Asks the server for the counts of units not known yet. */
  async learn(units: Iterable<string>, concurrency = 16): Promise<void> {
    const todo = [...new Set(units)].filter((u) => u !== '' && !this.counts.has(u));
    const raw = await mapLimit(todo, concurrency, (u) => this.endpoint.countRaw(u));
    todo.forEach((u, i) => {
      this.counts.set(u, Math.max(0, raw[i]! - this.constantTokens));
      this.pending.delete(u);
    });
  }

  /** Learns the units met by counts since the last call (call it off the request path, e.g. between points). */
  async learnPending(concurrency = 16): Promise<number> {
    const n = this.pending.size;
    if (n > 0) await this.learn([...this.pending], concurrency);
    return n;
  }

  /** Compares the server's counts of `texts` with this tokenizer's. */
  async checkAdditivity(texts: readonly string[], concurrency = 8): Promise<AdditivityCheck> {
    await this.learn(texts.flatMap(splitUnits), concurrency);
    const server = await mapLimit(texts, concurrency, (t) => this.endpoint.countRaw(t));
    const check: AdditivityCheck = { texts: texts.length, mismatches: 0 };
    texts.forEach((t, i) => {
      const table = this.count(t);
      const s = server[i]! - this.constantTokens;
      if (s !== table) {
        check.mismatches++;
        check.example ??= { server: s, table };
      }
    });
    return check;
  }

  private unitCount(u: string): number {
    const c = this.counts.get(u);
    if (c !== undefined) return c;
    this.pending.add(u);
    return this.fallback.count(u);
  }

  count(text: string): number {
    let n = 0;
    let approx = false;
    for (const u of splitUnits(text)) {
      const c = this.counts.get(u);
      if (c !== undefined) n += c;
      else {
        approx = true;
        n += this.unitCount(u);
      }
    }
    if (approx) this.approximateCounts++;
    return n;
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    for (const u of splitUnits(text)) {
      let k = this.unitIds.get(u);
      if (k === undefined) {
        k = this.units.length;
        this.units.push(u);
        this.unitIds.set(u, k);
      }
      const c = Math.min(this.unitCount(u), IDS_PER_UNIT);
      for (let j = 0; j < c; j++) ids.push(k * IDS_PER_UNIT + j);
    }
    return ids;
  }

  decode(ids: number[]): string {
    let s = '';
    for (const id of ids) {
      if (id % IDS_PER_UNIT !== 0) continue;
      const u = this.units[id / IDS_PER_UNIT];
      if (u === undefined) throw new RangeError(`unknown server-tokenizer id ${id}`);
      s += u;
    }
    return s;
  }
}

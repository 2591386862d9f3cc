/**
 * Asks an inference server which engine it is, for when its metric names do not say (or its
 * `/metrics` is off): `GET /v1/models` and the `owned_by` of the served models (vLLM says `vllm`,
 * llama-server `llamacpp`, SGLang `sglang`), then TGI's `GET /info` (`router: "text-generation-router"`).
 * Never throws; `undefined` when nothing answers in a recognisable way.
 */
import type { EngineHint } from './server-telemetry.js';

/** Options of {@link probeEngine}. */
export interface EngineProbeOptions {
  /** the target's OpenAI base URL, with or without the trailing `/v1` */
  baseUrl: string;
  headers?: Record<string, string>;
  /** per request, ms (default 3000) */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

const OWNED_BY: Record<string, EngineHint['engine']> = {
  vllm: 'vllm',
  llamacpp: 'llamacpp',
  sglang: 'sglang',
};

async function getJson(
  fetchFn: typeof globalThis.fetch,
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<unknown> {
  try {
    const res = await fetchFn(url, {
      headers: { accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      return undefined;
    }
    return (await res.json()) as unknown;
  } catch {
    return undefined;
  }
}

/** The engine named by a `/v1/models` body, from its models' `owned_by`. */
export function engineFromModels(body: unknown): EngineHint['engine'] | undefined {
  const data = (body as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(data)) return undefined;
  for (const m of data) {
    const owner = (m as { owned_by?: unknown } | null)?.owned_by;
    if (typeof owner !== 'string') continue;
    const engine = OWNED_BY[owner.toLowerCase()];
    if (engine) return engine;
  }
  return undefined;
}

/** Whether a `/info` body is TGI's (its router names itself `text-generation-router`). */
export function isTgiInfo(body: unknown): boolean {
  const router = (body as { router?: unknown } | undefined)?.router;
  return typeof router === 'string' && router.startsWith('text-generation-router');
}

/** Asks the server's `/v1/models`, then `/info`, which engine it is. */
export async function probeEngine(opts: EngineProbeOptions): Promise<EngineHint | undefined> {
  const fetchFn = opts.fetch ?? globalThis.fetch;
  const timeoutMs = opts.timeoutMs ?? 3000;
  const headers = opts.headers ?? {};
  const base = opts.baseUrl.replace(/\/+$/, '');
  const root = base.replace(/\/v1$/, '');
  const fromModels = engineFromModels(await getJson(fetchFn, `${root}/v1/models`, headers, timeoutMs));
  if (fromModels) return { engine: fromModels, source: 'v1-models' };
  if (isTgiInfo(await getJson(fetchFn, `${root}/info`, headers, timeoutMs)))
    return { engine: 'tgi', source: 'tgi-info' };
  return undefined;
}

import type { ServerEngine, ServerTelemetry } from '@inferbench/contracts';

/** How each engine is named on the page. */
export const ENGINE_NAMES: Record<ServerEngine, string> = {
  vllm: 'vLLM',
  sglang: 'SGLang',
  tgi: 'TGI',
  llamacpp: 'llama.cpp',
  trtllm: 'TensorRT-LLM',
  unknown: 'unknown',
};

/** `vLLM metrics`, or for an engine named by `/v1/models`: `llama.cpp (from /v1/models) metrics`. */
export function engineCaption(server: Pick<ServerTelemetry, 'engine' | 'engineDetectedBy'>): string {
  const name = ENGINE_NAMES[server.engine] ?? server.engine;
  if (server.engineDetectedBy === 'v1-models') return `${name} (from /v1/models)`;
  if (server.engineDetectedBy === 'tgi-info') return `${name} (from /info)`;
  return name;
}

const fixed = (v: number, digits: number): string => v.toFixed(digits);

/**
 * Rows for the figures derived from counters (llama.cpp): per-request prefill and decode speed,
 * prefill share of processing time, busy slots per decode call. Empty when there are none.
 */
export function derivedRows(server: Pick<ServerTelemetry, 'derived' | 'deltas'>): [string, string][] {
  const d = server.derived;
  if (!d) return [];
  const rows: [string, string][] = [];
  if (d.prefillTokensPerSec !== undefined)
    rows.push(['prefill speed per request (tokens/s)', fixed(d.prefillTokensPerSec, 1)]);
  if (d.decodeTokensPerSec !== undefined)
    rows.push(['decode speed per request (tokens/s)', fixed(d.decodeTokensPerSec, 1)]);
  if (d.prefillTimeSharePct !== undefined)
    rows.push(['prefill share of processing time', `${fixed(d.prefillTimeSharePct, 1)} %`]);
  if (d.busySlotsPerDecode !== undefined) {
    const calls = server.deltas.decodeCalls;
    rows.push([
      'busy slots per decode call',
      `${fixed(d.busySlotsPerDecode, 2)}${calls !== undefined ? ` (over ${Math.round(calls)} calls)` : ''}`,
    ]);
  }
  return rows;
}

/** The line shown instead of the TTFT split bar: the engine's reason when it gave one. */
export function noSplitMessage(server: Pick<ServerTelemetry, 'missing'>): string {
  const why = server.missing?.find((m) => m.figure === 'TTFT queue/prefill split')?.reason;
  return why
    ? `No TTFT queue/prefill split: ${why}.`
    : 'No TTFT split: the server exposes no queue/prefill histograms.';
}

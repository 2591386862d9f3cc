import type { TraceEntry } from '@inferbench/contracts';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Parses a JSONL trace into entries sorted by time, shifted so the first entry is at 0 ms.
 * Accepted keys per line: time as `timestamp` (ms, Mooncake-style) or `tMs` or `tSec`; input length as
 * `input_length` / `inputTokens` / `input_tokens`; output length as `output_length` / `outputTokens` /
 * `output_tokens`. Blank lines and `#` comments are skipped; anything else malformed throws with its line number.
 */
export function parseTrace(text: string): TraceEntry[] {
  const out: TraceEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`trace line ${i + 1}: not JSON`);
    }
    const tSec = num(rec.tSec);
    const tMs = num(rec.timestamp) ?? num(rec.tMs) ?? (tSec !== undefined ? tSec * 1000 : undefined);
    const input = num(rec.input_length) ?? num(rec.inputTokens) ?? num(rec.input_tokens);
    const output = num(rec.output_length) ?? num(rec.outputTokens) ?? num(rec.output_tokens);
    if (tMs === undefined || input === undefined || output === undefined) {
      throw new Error(`trace line ${i + 1}: needs a timestamp (timestamp|tMs|tSec) and input/output lengths`);
    }
    out.push({
      tMs,
      inputTokens: Math.max(1, Math.round(input)),
      outputTokens: Math.max(1, Math.round(output)),
    });
  }
  return normalizeTrace(out);
}

/** Sorts entries by time (stable) and shifts them so the first is at 0 ms. */
export function normalizeTrace(entries: readonly TraceEntry[]): TraceEntry[] {
  const sorted = entries.map((e, i) => ({ e, i })).sort((a, b) => a.e.tMs - b.e.tMs || a.i - b.i);
  const t0 = sorted[0]?.e.tMs ?? 0;
  return sorted.map(({ e }) => ({ ...e, tMs: e.tMs - t0 }));
}

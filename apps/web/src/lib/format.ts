/** Display helpers. Inputs carry their unit in the parameter name; outputs are strings for tables. */

/** Milliseconds with precision that suits the magnitude: 0.42 ms, 12.3 ms, 1 234 ms. */
export function formatMs(valueMs: number | undefined | null): string {
  if (valueMs === undefined || valueMs === null || !Number.isFinite(valueMs)) return '—';
  const abs = Math.abs(valueMs);
  if (abs < 10) return valueMs.toFixed(2);
  if (abs < 100) return valueMs.toFixed(1);
  return Math.round(valueMs).toLocaleString('en-US');
}

/** A rate (per second) with 2 significant decimals for small values. */
export function formatRate(value: number | undefined | null): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '—';
  if (Math.abs(value) < 10) return value.toFixed(2);
  if (Math.abs(value) < 1000) return value.toFixed(1);
  return Math.round(value).toLocaleString('en-US');
}

export function formatInt(value: number | undefined | null): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '—';
  return Math.round(value).toLocaleString('en-US');
}

export function formatPct(fraction0to1: number | undefined | null): string {
  if (fraction0to1 === undefined || fraction0to1 === null || !Number.isFinite(fraction0to1)) return '—';
  return `${(fraction0to1 * 100).toFixed(fraction0to1 < 0.1 ? 2 : 1)}%`;
}

/** ISO timestamp → "2026-05-04 13:02:11" in the viewer's locale-neutral form (UTC shown explicitly). */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Elapsed seconds as "1m 05s" / "12.3s". */
export function formatDurationSec(durationSec: number | undefined | null): string {
  if (durationSec === undefined || durationSec === null || !Number.isFinite(durationSec)) return '—';
  if (durationSec < 60) return `${durationSec.toFixed(1)}s`;
  const m = Math.floor(durationSec / 60);
  const s = Math.round(durationSec % 60);
  if (m < 60) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Duration between two ISO timestamps (end defaults to now for live items). */
export function formatSpan(
  startIso: string | null | undefined,
  endIso: string | null | undefined,
  nowMs = Date.now(),
): string {
  if (!startIso) return '—';
  const startMs = new Date(startIso).getTime();
  const endMs = endIso ? new Date(endIso).getTime() : nowMs;
  return formatDurationSec((endMs - startMs) / 1000);
}

/** "3 minutes ago" style, for lists. */
export function formatRelative(iso: string | null | undefined, nowMs = Date.now()): string {
  if (!iso) return '—';
  const diffSec = Math.round((nowMs - new Date(iso).getTime()) / 1000);
  if (!Number.isFinite(diffSec)) return iso;
  if (diffSec < 5) return 'just now';
  if (diffSec < 60) return `${diffSec}s ago`;
  if (diffSec < 3600) return `${Math.floor(diffSec / 60)} min ago`;
  if (diffSec < 86_400) return `${Math.floor(diffSec / 3600)} h ago`;
  return `${Math.floor(diffSec / 86_400)} d ago`;
}

/** Signed relative change b vs a, e.g. "+12.5%"; undefined when a is 0 or missing. */
export function formatDelta(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || a === 0) return '—';
  const pct = ((b - a) / Math.abs(a)) * 100;
  const sign = pct > 0 ? '+' : '';
  return `${sign}${pct.toFixed(1)}%`;
}

/** Axis tick: integers without decimals, otherwise like the tables. */
export function formatTick(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

/** Placeholder for a figure that has no value (no successful request, not measured). */
export const NONE = '-';

/** A number with `digits` decimals, or NONE. */
export function fmtNum(x: number | undefined | null, digits = 1): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return NONE;
  return x.toFixed(digits);
}

/**
 * Milliseconds with precision that fits the magnitude: 0.123 / 12.3 / 1234, so sub-millisecond ITLs
 * and multi-second E2E latencies both stay readable in one column.
 */
export function fmtMs(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return NONE;
  const a = Math.abs(ms);
  if (a < 1) return ms.toFixed(3);
  if (a < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

/** Signed percent change, e.g. `+12.5%`, or NONE when the base is 0 or missing. */
export function fmtPctChange(base: number | undefined, value: number | undefined): string {
  if (
    base === undefined ||
    value === undefined ||
    !Number.isFinite(base) ||
    !Number.isFinite(value) ||
    base === 0
  )
    return NONE;
  const pct = ((value - base) / Math.abs(base)) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

/** Signed absolute difference with the same precision rules as the figure. */
export function fmtDelta(
  base: number | undefined,
  value: number | undefined,
  fmt: (x: number) => string,
): string {
  if (base === undefined || value === undefined || !Number.isFinite(base) || !Number.isFinite(value))
    return NONE;
  const d = value - base;
  return `${d >= 0 ? '+' : ''}${fmt(d)}`;
}

/** Seconds as `1m05s` / `12.3s`. */
export function fmtDuration(sec: number): string {
  if (!Number.isFinite(sec)) return NONE;
  if (sec < 60) return `${sec.toFixed(1)}s`;
  const m = Math.floor(sec / 60);
  const s = Math.round(sec - m * 60);
  return `${m}m${String(s).padStart(2, '0')}s`;
}

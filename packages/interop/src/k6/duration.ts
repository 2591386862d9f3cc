/** Parse a k6 duration string (`90s`, `1m30s`, `2h`, `500ms`, or a number of ms) into seconds. */
export function parseK6Duration(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v / 1000;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (!/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 's' ? n : n / 1000;
  }
  return total;
}

/** Seconds as a k6 duration string (`90s`, `0.5s`). */
export function k6Duration(sec: number): string {
  return `${Number(sec.toFixed(3))}s`;
}

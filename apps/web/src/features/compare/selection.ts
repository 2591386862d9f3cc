/** Compare selection items from `?runs=a,b:variantId` (also accepts pasted run URLs); duplicates dropped, at most 12. */
export function parseItems(raw: string): string[] {
  const ids = raw
    .split(/[\s,]+/)
    .map((s) =>
      s
        .trim()
        .replace(/^.*\/runs\//, '')
        .replace(/[/?#].*$/, ''),
    )
    .filter(Boolean);
  return [...new Set(ids)].slice(0, 12);
}

/** The compare URL of a selection (the selection lives in the URL so it can be shared). */
export function compareHref(items: readonly string[]): string {
  return items.length ? `/compare?runs=${items.map(encodeURIComponent).join(',')}` : '/compare';
}

/** Points not dominated by another (higher-or-equal throughput and lower-or-equal latency, one strictly). */
export function paretoFront<T extends { x: number; y: number }>(points: readonly T[]): T[] {
  const front = points.filter(
    (p) => !points.some((q) => q !== p && q.x >= p.x && q.y <= p.y && (q.x > p.x || q.y < p.y)),
  );
  return [...front].sort((a, b) => a.x - b.x);
}

/** Stats key of an SLO percentile (the percentiles every Stats carries); p99 when it has none of them. */
export function statKeyOfPercentile(p: number | undefined): 'p50' | 'p90' | 'p95' | 'p99' | 'p999' {
  switch (p) {
    case 50:
      return 'p50';
    case 90:
      return 'p90';
    case 95:
      return 'p95';
    case 99.9:
      return 'p999';
    default:
      return 'p99';
  }
}

import type { LoadPointSummary } from '@inferbench/contracts';

/**
 * The error class with the most failed requests (ties: the first by name), or undefined when none failed.
 */
export function dominantErrorClass(errorsByClass: Record<string, number>): string | undefined {
  let best: string | undefined;
  let bestN = 0;
  for (const cls of Object.keys(errorsByClass).sort()) {
    const n = errorsByClass[cls] ?? 0;
    if (n > bestN) {
      best = cls;
      bestN = n;
    }
  }
  return best;
}

/** `connect 290, http 10`: failed requests by class, most frequent first. */
export function formatErrorClasses(errorsByClass: Record<string, number>): string {
  return Object.entries(errorsByClass)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([cls, n]) => `${cls} ${n}`)
    .join(', ');
}

/**
 * Why a load point must fail although its engine completed: some request was measured and none succeeded.
 * Names the dominant error class and, when given, one real message of that class, e.g.
 * `all 300 requests failed: connect (connect ECONNREFUSED 127.0.0.1:9)`. Undefined when some request
 * succeeded or none was measured (nothing to judge).
 */
export function allFailedReason(
  summary: LoadPointSummary,
  sampleMessage?: string | null,
): string | undefined {
  const { succeeded, failed } = summary.requests;
  if (succeeded > 0 || failed === 0) return undefined;
  const cls = dominantErrorClass(summary.errorsByClass) ?? 'unknown';
  const others = Object.keys(summary.errorsByClass).filter(
    (c) => c !== cls && (summary.errorsByClass[c] ?? 0) > 0,
  );
  const msg = sampleMessage?.trim();
  const of = failed === 1 ? 'the only request failed' : `all ${failed} requests failed`;
  return `${of}: ${cls}${msg ? ` (${msg})` : ''}${others.length ? `; also ${formatErrorClasses(Object.fromEntries(others.map((c) => [c, summary.errorsByClass[c]!])))}` : ''}`;
}

/**
 * The warning for a load point whose error rate exceeds `maxErrorRate`, with the failed requests by class,
 * e.g. `error rate 12.0 % exceeds maxErrorRate 5.0 % (36 of 300 requests failed: connect 30, http 6)`.
 * Undefined when the rate is within the bound.
 */
export function errorRateWarning(summary: LoadPointSummary, maxErrorRate: number): string | undefined {
  if (!(summary.errorRate > maxErrorRate)) return undefined;
  const window = summary.requests.succeeded + summary.requests.failed;
  return `error rate ${(summary.errorRate * 100).toFixed(1)} % exceeds maxErrorRate ${(maxErrorRate * 100).toFixed(1)} % (${summary.requests.failed} of ${window} requests failed: ${formatErrorClasses(summary.errorsByClass)})`;
}

/**
 * Mark a summary whose error rate exceeds `maxErrorRate`: sets `errorRateExceeded` and appends the
 * {@link errorRateWarning} to `warnings` (once). Returns the same summary object.
 */
export function markErrorRate<S extends LoadPointSummary>(summary: S, maxErrorRate: number): S {
  const warning = errorRateWarning(summary, maxErrorRate);
  if (warning === undefined) return summary;
  summary.errorRateExceeded = { errorRate: summary.errorRate, maxErrorRate };
  if (!summary.warnings.includes(warning)) summary.warnings = [...summary.warnings, warning];
  return summary;
}

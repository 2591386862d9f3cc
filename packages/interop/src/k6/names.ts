import type { SummaryFigure } from '@inferbench/metrics';

/**
 * Custom k6 metric names used by the scripts {@link loadPlanToK6Script} writes, and read back by the
 * k6 summary importer. Each Trend is computed in the script with the METRICS.md formula.
 */
export const K6_TRENDS: Record<string, SummaryFigure> = {
  ib_ttft: 'ttftMs',
  ib_tpot: 'tpotMs',
  ib_itl: 'itlMs',
  ib_e2e: 'e2eMs',
};
export const K6_COUNTERS = {
  ok: 'ib_requests_ok',
  failed: 'ib_requests_failed',
  outputTokens: 'ib_output_tokens',
  inputTokens: 'ib_input_tokens',
} as const;

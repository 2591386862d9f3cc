import {
  describeTokenizer,
  type LoadPointSummary,
  type Stats,
  type TokenizerInfo,
} from '@inferbench/contracts';
import { formatDurationSec, formatInt, formatMs, formatPct, formatRate } from '../../../lib/format';

/** Latency rows of the summary table, in the order people read them (METRICS.md names). */
export const LATENCY_ROWS: { key: string; label: string; hint: string }[] = [
  { key: 'ttftMs', label: 'TTFT', hint: 'time to first output chunk' },
  { key: 'ttftContentMs', label: 'TTFT-content', hint: 'time to first non-reasoning content' },
  { key: 'tpotMs', label: 'TPOT', hint: '(E2E − TTFT) / (output tokens − 1)' },
  { key: 'itlMs', label: 'ITL', hint: 'gaps between output chunks, pooled' },
  { key: 'e2eMs', label: 'E2E', hint: 'end of stream − sent' },
];
const OPTIONAL_ROWS: { key: string; label: string; hint: string }[] = [
  { key: 'ntpotMs', label: 'NTPOT', hint: 'E2E / output tokens' },
  {
    key: 'scheduleDelayMs',
    label: 'Schedule delay',
    hint: 'sent − scheduled (client falling behind shows here)',
  },
];
const STAT_COLS: { key: keyof Stats; label: string }[] = [
  { key: 'mean', label: 'mean' },
  { key: 'p50', label: 'p50' },
  { key: 'p90', label: 'p90' },
  { key: 'p95', label: 'p95' },
  { key: 'p99', label: 'p99' },
  { key: 'p999', label: 'p99.9' },
  { key: 'max', label: 'max' },
];

/** Headline throughput figures of one load point. */
export function SummaryKpis({ summary }: { summary: LoadPointSummary }) {
  const items: [string, string][] = [
    [
      'Requests',
      `${formatInt(summary.requests.succeeded)} ok / ${formatInt(summary.requests.failed)} failed`,
    ],
    ['Request throughput', `${formatRate(summary.requestThroughput)} req/s`],
    ['Output token throughput', `${formatRate(summary.outputTokenThroughput)} tok/s`],
    ['Total token throughput', `${formatRate(summary.totalTokenThroughput)} tok/s`],
  ];
  if (summary.goodput !== undefined) items.push(['Goodput', `${formatRate(summary.goodput)} req/s`]);
  if (summary.sloAttainmentPct !== undefined)
    items.push(['SLO attainment', `${summary.sloAttainmentPct.toFixed(1)}%`]);
  items.push(['Achieved concurrency', formatRate(summary.achievedConcurrency)]);
  items.push(['Error rate', formatPct(summary.errorRate)]);
  items.push(['Measured window', formatDurationSec(summary.durationSec)]);
  return (
    <div className="kpis">
      {items.map(([label, value]) => (
        <div className="kpi" key={label}>
          <span className="kpi-label">{label}</span>
          <span className="kpi-value">{value}</span>
        </div>
      ))}
    </div>
  );
}

/** Warnings from the client's self-checks, shown before any figure they may invalidate. */
export function SummaryWarnings({ warnings }: { warnings: string[] }) {
  if (!warnings.length) return null;
  return (
    <div className="warning-box" role="note">
      <strong>Check before trusting these figures</strong>
      <ul>
        {warnings.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
    </div>
  );
}

/** The latency table (ms) of one load point. */
export function LatencyTable({ summary }: { summary: LoadPointSummary }) {
  const rows = [...LATENCY_ROWS, ...OPTIONAL_ROWS.filter((r) => summary.latency[r.key]?.count)];
  return (
    <div className="table-wrap">
      <table className="latency-table">
        <thead>
          <tr>
            <th>
              Latency <span className="unit">(ms)</span>
            </th>
            {STAT_COLS.map((c) => (
              <th key={c.key} className="num">
                {c.label}
              </th>
            ))}
            <th className="num">samples</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const s = summary.latency[r.key];
            return (
              <tr key={r.key} data-figure={r.key}>
                <td title={r.hint}>{r.label}</td>
                {STAT_COLS.map((c) => (
                  <td key={c.key} className="num">
                    {s && s.count > 0 ? formatMs(s[c.key]) : '—'}
                  </td>
                ))}
                <td className="num muted">{formatInt(s?.count ?? 0)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Failed requests by error class (METRICS.md classes). */
export function ErrorsByClass({ summary }: { summary: LoadPointSummary }) {
  const entries = Object.entries(summary.errorsByClass).filter(([, n]) => n > 0);
  const retries = summary.connectionRetries ?? 0;
  // re-sent requests are not errors, but always reported (METRICS.md "connection retries")
  const retryNote =
    retries > 0 ? (
      <span className="muted" data-testid="connection-retries">
        {' '}
        {formatInt(retries)} connection {retries === 1 ? 'retry' : 'retries'} (re-sent after the server closed
        a reused connection; not errors).
      </span>
    ) : null;
  if (!entries.length) return <p className="muted small">No failed requests.{retryNote}</p>;
  return (
    <p className="small">
      <strong style={{ color: 'var(--bad)' }}>{formatInt(summary.requests.failed)} failed request(s):</strong>{' '}
      {entries.map(([cls, n]) => `${cls} ${formatInt(n)}`).join(' · ')}
      {retryNote}
    </p>
  );
}

/**
 * Amber marker of a load point whose error rate exceeded the plan's maxErrorRate: the rates and the failed
 * requests by class. Nothing when the point is within its bound.
 */
export function ErrorRateMarker({ summary }: { summary: LoadPointSummary | null | undefined }) {
  const ex = summary?.errorRateExceeded;
  if (!summary || !ex) return null;
  const classes = Object.entries(summary.errorsByClass)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([cls, n]) => `${cls} ${formatInt(n)}`)
    .join(' · ');
  return (
    <span
      className="small error-rate-warning"
      role="note"
      data-testid="error-rate-warning"
      style={{
        display: 'inline-block',
        color: 'var(--warn)',
        background: 'var(--warn-weak)',
        padding: '2px 6px',
        borderRadius: 4,
      }}
    >
      ⚠ error rate {formatPct(ex.errorRate)} &gt; {formatPct(ex.maxErrorRate)} max
      {classes ? ` (${classes})` : ''}
    </span>
  );
}

/**
 * Token accounting line: where counts came from and whether server and client agreed, and which client-side
 * tokenizer built the prompts (null when the agent did not say).
 */
export function TokenNote({
  summary,
  tokenizer = null,
}: {
  summary: LoadPointSummary;
  tokenizer?: TokenizerInfo | null;
}) {
  const t = summary.tokens;
  const sources = Object.entries(t.bySource)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${formatInt(n)}`)
    .join(', ');
  return (
    <p className="muted small">
      Tokens: {formatInt(t.input)} in, {formatInt(t.output)} out
      {t.reasoning ? ` (${formatInt(t.reasoning)} reasoning)` : ''}; {t.tokensPerChunk.toFixed(2)} tokens per
      chunk{sources ? `; counted by ${sources}` : ''}
      {t.disagreements
        ? `; ${formatInt(t.disagreements)} server/client disagreement(s)${t.disagreementMaxAbs !== undefined ? ` (|server − client| mean ${(t.disagreementMeanAbs ?? 0).toFixed(1)}, max ${formatInt(t.disagreementMaxAbs)} tokens)` : ''}`
        : ''}
      . Warm-up requests excluded: {formatInt(summary.requests.warmup)}; cancelled tail:{' '}
      {formatInt(summary.requests.cancelled)}.
      {tokenizer ? (
        <>
          {' '}
          <span data-testid="point-tokenizer" title={tokenizer.warning ?? tokenizer.name}>
            Tokenizer: {describeTokenizer(tokenizer)}.
          </span>
        </>
      ) : null}
    </p>
  );
}

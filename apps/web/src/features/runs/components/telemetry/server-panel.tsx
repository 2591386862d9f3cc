'use client';
import type { ServerTelemetry } from '@inferbench/contracts';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import {
  CHART_GRID,
  CHART_LEGEND,
  CHART_MARGIN,
  ChartFrame,
  xAxisLabel,
  yAxisLabel,
} from '../../../../components/chart-frame';
import { formatInt, formatMs, formatTick } from '../../../../lib/format';
import { derivedRows, engineCaption, noSplitMessage } from './server-figures';
import styles from './telemetry.module.css';

const QUEUE_COLOR = '#d9480f';
const PREFILL_COLOR = '#2f5bd3';
const OTHER_COLOR = '#adb5bd';

const pct = (v: number | undefined): string => (v === undefined ? '—' : `${v.toFixed(1)} %`);

/** Server TTFT split as one stacked bar (queue | prefill | other) with the mean times in ms. */
export function TtftSplitBar({ server }: { server: ServerTelemetry }) {
  const split = server.ttftSplit;
  if (!split || (split.queueSharePct === undefined && split.prefillSharePct === undefined)) {
    return <p className={styles.unavailable}>{noSplitMessage(server)}</p>;
  }
  const parts = [
    {
      key: 'queue',
      label: 'queue',
      share: split.queueSharePct ?? 0,
      ms: split.queueMsMean,
      color: QUEUE_COLOR,
    },
    {
      key: 'prefill',
      label: 'prefill',
      share: split.prefillSharePct ?? 0,
      ms: split.prefillMsMean,
      color: PREFILL_COLOR,
    },
    { key: 'other', label: 'other', share: split.otherSharePct ?? 0, ms: undefined, color: OTHER_COLOR },
  ];
  const basis =
    split.shareBasis === 'server-ttft'
      ? `server TTFT mean ${formatMs(split.serverTtftMsMean)} ms`
      : 'queue + prefill';
  return (
    <div data-testid="ttft-split">
      <div className="small muted">TTFT split (shares of {basis})</div>
      <div
        className={styles.splitBar}
        role="img"
        aria-label={parts.map((p) => `${p.label} ${pct(p.share)}`).join(', ')}
      >
        {parts.map((p) =>
          p.share > 0 ? (
            <span
              key={p.key}
              style={{ width: `${Math.min(100, p.share)}%`, background: p.color }}
              title={`${p.label} ${pct(p.share)}`}
            />
          ) : null,
        )}
      </div>
      <div className={styles.legend}>
        {parts.map((p) => (
          <span key={p.key}>
            <span className={styles.swatch} style={{ background: p.color }} />
            {p.label} {pct(p.share)}
            {p.ms !== undefined ? <span className="muted"> · {formatMs(p.ms)} ms mean</span> : null}
          </span>
        ))}
        {split.queueMsP99 !== undefined || split.prefillMsP99 !== undefined ? (
          <span className="muted">
            p99 queue {formatMs(split.queueMsP99)} ms · prefill {formatMs(split.prefillMsP99)} ms (approx.,
            from buckets)
          </span>
        ) : null}
      </div>
    </div>
  );
}

/** Running / waiting requests and KV-cache usage over the point, one line per gauge. */
function GaugeChart({ server }: { server: ServerTelemetry }) {
  const hasKv = server.series.some((p) => p.kvUsagePct !== undefined);
  if (server.series.length < 2) return null;
  return (
    <ChartFrame title="Server queue and KV cache over time" height={220}>
      {/* half a panel wide: less side room than a full-width chart */}
      <LineChart data={server.series} margin={{ ...CHART_MARGIN, right: 16, left: 8 }}>
        <CartesianGrid {...CHART_GRID} />
        <XAxis
          dataKey="tSec"
          type="number"
          domain={['dataMin', 'dataMax']}
          tickFormatter={formatTick}
          label={xAxisLabel('time since scrape start (s)')}
        />
        <YAxis yAxisId="req" allowDecimals={false} label={yAxisLabel('requests')} />
        {hasKv ? (
          <YAxis
            yAxisId="pct"
            orientation="right"
            domain={[0, 100]}
            label={yAxisLabel('KV cache (%)', 'right')}
          />
        ) : null}
        <Tooltip
          formatter={(v, name) => [
            typeof v === 'number'
              ? String(name).includes('KV')
                ? `${v.toFixed(1)} %`
                : formatInt(v)
              : String(v),
            name,
          ]}
        />
        <Legend {...CHART_LEGEND} />
        <Line
          yAxisId="req"
          type="stepAfter"
          dataKey="running"
          name="running"
          stroke="#2b8a3e"
          dot={false}
          isAnimationActive={false}
        />
        <Line
          yAxisId="req"
          type="stepAfter"
          dataKey="waiting"
          name="waiting"
          stroke={QUEUE_COLOR}
          dot={false}
          isAnimationActive={false}
        />
        {hasKv ? (
          <Line
            yAxisId="pct"
            type="monotone"
            dataKey="kvUsagePct"
            name="KV cache used (%)"
            stroke="#862e9c"
            dot={false}
            isAnimationActive={false}
          />
        ) : null}
      </LineChart>
    </ChartFrame>
  );
}

/** Counter increases over the point (tokens, preemptions, prefix-cache hits), plus gauge mean/max. */
function CountersTable({ server }: { server: ServerTelemetry }) {
  const d = server.deltas;
  const g = server.gaugeStats;
  const hitPct =
    d.prefixCacheQueryTokens && d.prefixCacheQueryTokens > 0 && d.prefixCacheHitTokens !== undefined
      ? (100 * d.prefixCacheHitTokens) / d.prefixCacheQueryTokens
      : undefined;
  const rows: [string, string][] = [
    ['prompt tokens', formatInt(d.promptTokens)],
    ['generation tokens', formatInt(d.generationTokens)],
    ['requests succeeded', formatInt(d.requestsSucceeded)],
    ['preemptions', formatInt(d.preemptions)],
    [
      'prefix-cache hits (tokens)',
      d.prefixCacheHitTokens === undefined
        ? '—'
        : `${formatInt(d.prefixCacheHitTokens)}${hitPct !== undefined ? ` (${hitPct.toFixed(1)} % of ${formatInt(d.prefixCacheQueryTokens)} queried)` : ''}`,
    ],
    ['running (mean / max)', `${g.runningMean?.toFixed(2) ?? '—'} / ${formatInt(g.runningMax)}`],
    ['waiting (mean / max)', `${g.waitingMean?.toFixed(2) ?? '—'} / ${formatInt(g.waitingMax)}`],
    ['KV cache used (mean / max)', `${pct(g.kvUsagePctMean)} / ${pct(g.kvUsagePctMax)}`],
    ...derivedRows(server),
  ];
  return (
    <div className="table-wrap">
      <table data-testid="server-counters">
        <thead>
          <tr>
            <th>Over the point</th>
            <th className="num">Value</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <td>{k}</td>
              <td className="num">{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The figures this engine does not expose, each with the reason (e.g. llama.cpp has no queue time). */
function MissingFigures({ server }: { server: ServerTelemetry }) {
  if (!server.missing?.length) return null;
  return (
    <div className={styles.unavailable} data-testid="server-missing">
      Not available from {engineCaption(server)}:
      <ul>
        {server.missing.map((m) => (
          <li key={m.figure}>
            {m.figure}: {m.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What the target's Prometheus endpoint said during one load point (shown only when available). */
export function ServerPanel({ server }: { server: ServerTelemetry }) {
  return (
    <section className={styles.panel} data-testid="server-panel" aria-label="Server telemetry">
      <p className={styles.panelTitle}>
        Server{' '}
        <span className="small muted">
          ({engineCaption(server)} metrics, {server.scrapes} scrapes over {server.windowSec.toFixed(1)} s
          {server.scrapeErrors ? `, ${server.scrapeErrors} failed` : ''}
          {server.counterResets ? `, ${server.counterResets} counter resets` : ''})
        </span>
      </p>
      <TtftSplitBar server={server} />
      <div className={styles.grid}>
        <GaugeChart server={server} />
        <CountersTable server={server} />
      </div>
      <MissingFigures server={server} />
    </section>
  );
}

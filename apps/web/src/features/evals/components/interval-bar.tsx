/**
 * A small horizontal bar on a 0–100 % scale: the interval as a band, the estimate as a tick. Used next to
 * accuracy figures so overlapping (or not) intervals are visible at a glance.
 */
export function IntervalBar({
  value,
  lower,
  upper,
  width = 120,
  label,
}: {
  /** 0..1 */
  value: number;
  lower: number;
  upper: number;
  width?: number;
  /** accessible description, e.g. "95 % Wilson interval 61.2 %–78.9 %" */
  label?: string;
}) {
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const x = (v: number) => clamp(v) * width;
  return (
    <svg
      width={width}
      height={12}
      role="img"
      aria-label={label ?? `${pct(value)} (${pct(lower)}–${pct(upper)})`}
      data-testid="interval-bar"
      style={{ verticalAlign: 'middle' }}
    >
      <rect x={0} y={5} width={width} height={2} fill="#e7eaf0" />
      <rect
        x={x(lower)}
        y={2}
        width={Math.max(1, x(upper) - x(lower))}
        height={8}
        rx={2}
        fill="#c5d3f6"
        data-part="interval"
      />
      <rect
        x={Math.max(0, x(value) - 1)}
        y={0}
        width={2}
        height={12}
        fill="var(--accent)"
        data-part="estimate"
      />
    </svg>
  );
}

/** A signed interval of a difference on a −1..+1 scale, zero in the middle (paired accuracy deltas). */
export function DeltaIntervalBar({
  delta,
  lower,
  upper,
  significant,
  width = 140,
}: {
  delta: number;
  lower: number;
  upper: number;
  /** coloured only when the paired test supports a difference; grey otherwise */
  significant: boolean;
  width?: number;
}) {
  // scale to the widest of ±10 points and the interval, so small deltas stay visible
  const span = Math.max(0.1, Math.abs(lower), Math.abs(upper), Math.abs(delta));
  const x = (v: number) => ((Math.max(-span, Math.min(span, v)) + span) / (2 * span)) * width;
  const color = significant ? (delta < 0 ? 'var(--bad)' : 'var(--ok)') : '#adb5bd';
  return (
    <svg
      width={width}
      height={12}
      role="img"
      aria-label={`difference ${pts(delta)} (${pts(lower)} to ${pts(upper)})`}
      data-testid="delta-interval-bar"
      style={{ verticalAlign: 'middle' }}
    >
      <rect x={0} y={5} width={width} height={2} fill="#e7eaf0" />
      <rect x={width / 2 - 0.5} y={0} width={1} height={12} fill="#868e96" />
      <rect
        x={x(lower)}
        y={3}
        width={Math.max(1, x(upper) - x(lower))}
        height={6}
        rx={2}
        fill={color}
        opacity={0.35}
      />
      <rect x={Math.max(0, x(delta) - 1)} y={0} width={2} height={12} fill={color} />
    </svg>
  );
}

function pct(v: number): string {
  return `${(v * 100).toFixed(1)} %`;
}

/** A difference of proportions in percentage points, signed. */
export function pts(v: number): string {
  const p = v * 100;
  return `${p > 0 ? '+' : p < 0 ? '−' : ''}${Math.abs(p).toFixed(1)} pts`;
}

import type { BottleneckHint, BottleneckKind } from '@inferbench/contracts';
import styles from './telemetry.module.css';

const KIND_COLOR: Record<BottleneckKind, string> = {
  'queue-bound': '#d9480f',
  'prefill-bound': '#2f5bd3',
  'decode-bound': '#2b8a3e',
  'kv-capacity-bound': '#862e9c',
  knee: '#c2255c',
};

const showValue = (v: number | string | boolean): string =>
  typeof v === 'number' ? String(Math.round(v * 100) / 100) : String(v);

/** The run's bottleneck hints (computed by the API when the run ended): kind, variant, sentence, evidence. */
export function BottleneckHints({ hints }: { hints: BottleneckHint[] }) {
  if (!hints.length) return null;
  return (
    <section data-testid="bottleneck-hints" aria-label="Bottleneck hints">
      <h2>Bottleneck hints</h2>
      {hints.map((h, i) => (
        <div
          className={styles.hint}
          key={`${h.variant ?? ''}-${h.kind}-${i}`}
          style={{ borderLeftColor: KIND_COLOR[h.kind] }}
          data-kind={h.kind}
        >
          <div className={styles.hintHead}>
            <span className={styles.kind} style={{ background: KIND_COLOR[h.kind] }}>
              {h.kind}
            </span>
            {h.variant !== undefined ? <strong>{h.variant}</strong> : null}
            {h.level !== undefined ? <span className="mono small">level {h.level}</span> : null}
          </div>
          <div>{h.message}</div>
          <div className={styles.evidence}>
            {Object.entries(h.evidence).map(([k, v]) => (
              <span className={styles.evidenceItem} key={k}>
                {k} = {showValue(v)}
              </span>
            ))}
          </div>
        </div>
      ))}
    </section>
  );
}

import type { Run, RunEvaluation, ThresholdVerdict } from '@inferbench/contracts';
import junitModule, { type Builder } from 'junit-report-builder';

// the package's types declare an ES default export; at run time it is `module.exports = builder`, which Node's ESM
// import hands over as the default
const junit = junitModule as unknown as Builder;

function fmt(v: number | null, unit: string): string {
  if (v === null) return '-';
  const a = Math.abs(v);
  const n = a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
  return unit === 'ratio' || unit === '' ? n : `${n} ${unit}`;
}

const pointKey = (v: { variantLabel: string; levelLabel: string }) => `${v.variantLabel} ${v.levelLabel}`;

/** `ttft p(95)<500` — the test case name of a threshold. */
export function thresholdCaseName(v: ThresholdVerdict): string {
  return `${v.metric} ${v.threshold}`;
}

/**
 * JUnit XML: one suite per load point (`<experiment> · <variant> <level>`), one test case per threshold (failed with
 * the observed value), and a `baseline` suite with one case per regression rule per point.
 */
export function junitXml(run: Run, ev: RunEvaluation): string {
  const b = junit.newBuilder();
  const suites = new Map<string, ReturnType<typeof b.testSuite>>();
  const suiteOf = (name: string) => {
    let s = suites.get(name);
    if (!s) {
      s = b.testSuite().name(name);
      suites.set(name, s);
    }
    return s;
  };
  const className = `inferbench.${run.experimentName}`;
  for (const v of ev.thresholds) {
    const tc = suiteOf(`${run.experimentName} · ${pointKey(v)}`)
      .testCase()
      .className(`${className}.${pointKey(v)}`)
      .name(thresholdCaseName(v));
    if (!v.pass) {
      tc.failure(
        v.observed === null
          ? `${thresholdCaseName(v)}: ${v.note ?? 'no data'}`
          : `${thresholdCaseName(v)}: observed ${fmt(v.observed, v.unit)}`,
        'threshold',
      );
    }
  }
  if (ev.baseline) {
    const s = suiteOf(`${run.experimentName} · baseline ${ev.baseline.baselineRunId ?? '(none)'}`);
    if (ev.baseline.skipped) s.testCase().className(`${className}.baseline`).name('baseline gate').skipped();
    for (const c of ev.baseline.checks) {
      const tc = s
        .testCase()
        .className(`${className}.${pointKey(c)}`)
        .name(`${pointKey(c)} ${c.rule} regression <= ${c.tolerancePct}%`);
      if (!c.pass)
        tc.failure(
          `${c.rule}: ${fmt(c.baseline, c.unit)} → ${fmt(c.current, c.unit)} (${c.worsePct === null ? '?' : `${c.worsePct.toFixed(1)} % worse`}, beyond noise)`,
          'regression',
        );
    }
  }
  if (ev.abortedBy) {
    suiteOf(`${run.experimentName} · run`)
      .testCase()
      .className(`${className}.run`)
      .name('run not aborted by a threshold')
      .failure(`aborted: ${ev.abortedBy}`, 'abort');
  }
  if (run.status !== 'completed') {
    suiteOf(`${run.experimentName} · run`)
      .testCase()
      .className(`${className}.run`)
      .name('run completed')
      .failure(`run ${run.status}${run.error ? `: ${run.error}` : ''}`, 'run');
  }
  return b.build();
}

/** Markdown for a CI job summary or a PR comment. */
export function markdownSummary(
  run: Run,
  ev: RunEvaluation,
  opts: { runUrl: string; exitCode: number },
): string {
  const verdict =
    opts.exitCode === 0
      ? '✅ passed'
      : opts.exitCode === 1
        ? '❌ thresholds or regression failed'
        : `⚠️ run ${run.status}`;
  const lines = [
    `### inferbench: ${run.experimentName} — ${verdict}`,
    '',
    `Run [\`${run.id}\`](${opts.runUrl}) · status **${run.status}**` +
      (run.metadata.gitSha ? ` · commit \`${run.metadata.gitSha.slice(0, 12)}\`` : '') +
      (run.metadata.gitBranch ? ` · branch \`${run.metadata.gitBranch}\`` : ''),
    '',
  ];
  if (ev.abortedBy) lines.push(`**Aborted early** by \`${ev.abortedBy}\``, '');
  if (run.error) lines.push(`> ${run.error}`, '');
  if (ev.thresholds.length) {
    lines.push('| variant | level | metric | threshold | observed | |', '|---|---|---|---|---:|---|');
    for (const v of ev.thresholds)
      lines.push(
        `| ${v.variantLabel} | ${v.levelLabel} | ${v.metric} | \`${v.threshold}\` | ${fmt(v.observed, v.unit)} | ${v.pass ? '✅' : '❌'} |`,
      );
    lines.push('');
  }
  if (ev.baseline) {
    if (ev.baseline.skipped) lines.push(`Baseline gate skipped: ${ev.baseline.skipped}.`, '');
    else {
      lines.push(
        `Baseline run \`${ev.baseline.baselineRunId}\` (fails only when worse than the tolerance **and** beyond the 95 % intervals):`,
        '',
        '| variant | level | figure | baseline | this run | change | tolerance | beyond noise | |',
        '|---|---|---|---:|---:|---:|---:|---|---|',
      );
      for (const c of ev.baseline.checks)
        lines.push(
          `| ${c.variantLabel} | ${c.levelLabel} | ${c.rule} | ${fmt(c.baseline, c.unit)} | ${fmt(c.current, c.unit)} | ${c.worsePct === null ? '-' : `${c.worsePct >= 0 ? '+' : ''}${c.worsePct.toFixed(1)} % worse`} | ${c.tolerancePct} % | ${c.beyondNoise === null ? 'n/a' : c.beyondNoise ? 'yes' : 'no'} | ${c.pass ? '✅' : '❌'} |`,
        );
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
}

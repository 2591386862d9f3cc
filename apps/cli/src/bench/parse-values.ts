import { LengthDistSchema, type LengthDist, type SloSpec, type Stage } from '@inferbench/contracts';
import { CliError } from '../errors.js';

/** A finite number from `text`, or a CliError naming the flag. */
function toNum(flag: string, text: string, what: string): number {
  const t = text.trim();
  const x = Number(t);
  if (t === '' || !Number.isFinite(x)) throw new CliError(`${flag}: ${what} must be a number, got "${text}"`);
  return x;
}

/**
 * A token-length distribution from its command-line form:
 * `256` or `fixed:256`; `uniform:100-300`; `normal:MEAN,STD[,MIN,MAX]`; `lognormal:MEDIAN,SIGMA[,MIN,MAX]`.
 * Validated with the contracts schema so the CLI accepts exactly what a workload file accepts.
 */
export function parseLengthDist(text: string, flag = '--input-tokens'): LengthDist {
  const t = text.trim();
  const colon = t.indexOf(':');
  const kind = colon < 0 ? 'fixed' : t.slice(0, colon).trim().toLowerCase();
  const args = colon < 0 ? t : t.slice(colon + 1);
  const usage = `${flag} takes 256, uniform:100-300, normal:256,50[,min,max] or lognormal:200,0.5[,min,max], got "${text}"`;
  let dist: unknown;
  switch (kind) {
    case 'fixed':
      dist = { kind, value: toNum(flag, args, 'the length') };
      break;
    case 'uniform': {
      const m = /^\s*([^-\s]+)\s*-\s*([^-\s]+)\s*$/.exec(args);
      if (!m) throw new CliError(usage);
      const min = toNum(flag, m[1]!, 'uniform min');
      const max = toNum(flag, m[2]!, 'uniform max');
      if (min > max) throw new CliError(`${flag}: uniform min ${min} is above max ${max}`);
      dist = { kind, min, max };
      break;
    }
    case 'normal':
    case 'lognormal': {
      const parts = args.split(',');
      if (parts.length !== 2 && parts.length !== 4) throw new CliError(usage);
      const [a, b, lo, hi] = parts.map((p, i) =>
        toNum(flag, p, ['the centre', 'the spread', 'min', 'max'][i]!),
      );
      const clamp = lo === undefined || hi === undefined ? {} : { min: lo, max: hi };
      if (lo !== undefined && hi !== undefined && lo > hi)
        throw new CliError(`${flag}: min ${lo} is above max ${hi}`);
      dist =
        kind === 'normal' ? { kind, mean: a, std: b, ...clamp } : { kind, median: a, sigma: b, ...clamp };
      break;
    }
    default:
      throw new CliError(usage);
  }
  const parsed = LengthDistSchema.safeParse(dist);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(
      `${flag}: ${issue ? `${issue.path.join('.') || 'value'} ${issue.message}` : 'invalid'} (in "${text}")`,
    );
  }
  return parsed.data;
}

/** A comma-separated list of numbers (`1,4,8`), each checked by `check` (returns an error text or null). */
export function parseNumberList(text: string, flag: string, check: (x: number) => string | null): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === ''))
    throw new CliError(`${flag} takes a number or a comma-separated list, got "${text}"`);
  return parts.map((p) => {
    const x = Number(p);
    const bad = Number.isFinite(x) ? check(x) : 'a number';
    if (bad !== null) throw new CliError(`${flag}: each value must be ${bad}, got "${p}"`);
    return x;
  });
}

/** Seconds from `30`, `30s`, `1.5m`, `2h` or `500ms`. */
export function parseDurationSec(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!m) throw new CliError(`${flag}: "${text}" is not a duration (30, 30s, 1m, 1h, 500ms)`);
  const scale: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  return Number(m[1]) * scale[(m[2] ?? 's').toLowerCase()]!;
}

/** k6-style stages: `30s:10,1m:50,30s:0` (duration:target, moving linearly to each target). */
export function parseStages(text: string, flag = '--stages'): Stage[] {
  const parts = text.split(',').map((p) => p.trim());
  return parts.map((p) => {
    const colon = p.lastIndexOf(':');
    if (colon <= 0) throw new CliError(`${flag}: each stage is duration:target (e.g. 30s:10), got "${p}"`);
    const durationSec = parseDurationSec(p.slice(0, colon), flag);
    if (!(durationSec > 0)) throw new CliError(`${flag}: a stage must last more than 0 s, got "${p}"`);
    const target = Number(p.slice(colon + 1).trim());
    if (p.slice(colon + 1).trim() === '' || !Number.isFinite(target) || target < 0) {
      throw new CliError(`${flag}: a stage target must be a number >= 0, got "${p}"`);
    }
    return { durationSec, target };
  });
}

const SLO_FIGURES: Record<string, 'ttftMs' | 'tpotMs' | 'itlMs' | 'e2eMs'> = {
  ttft: 'ttftMs',
  tpot: 'tpotMs',
  itl: 'itlMs',
  e2e: 'e2eMs',
};

/**
 * An SLO from an expression such as `p99(ttft)<500ms,p99(tpot)<50ms` (also `and` / `&&` between terms,
 * `<=`, units ms (default), s or us, and a bare `ttft<500ms` meaning p99). The contracts' SloSpec judges
 * every bound at ONE percentile, so all terms must use the same one. `<` and `<=` mean the same here
 * (the check is value ≤ bound).
 */
export function parseSloExpression(text: string, flag = '--sla'): SloSpec {
  const terms = text
    .split(/\s*(?:,|&&|\band\b)\s*/i)
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (terms.length === 0)
    throw new CliError(`${flag}: empty SLO; write e.g. "p99(ttft)<500ms,p99(tpot)<50ms"`);
  const slo: Partial<Record<'ttftMs' | 'tpotMs' | 'itlMs' | 'e2eMs', number>> = {};
  let percentile: number | undefined;
  for (const term of terms) {
    const m =
      /^(?:p(\d+(?:\.\d+)?)\s*\(\s*([a-z0-9_]+)\s*\)|([a-z0-9_]+))\s*(<=?)\s*(\d+(?:\.\d+)?)\s*(ms|s|us)?$/i.exec(
        term,
      );
    if (!m) {
      throw new CliError(
        `${flag}: cannot read "${term}"; write terms like p99(ttft)<500ms (figures: ttft, tpot, itl, e2e; units ms, s, us)`,
      );
    }
    const name = (m[2] ?? m[3]!).toLowerCase();
    const key = SLO_FIGURES[name];
    if (!key)
      throw new CliError(`${flag}: unknown figure "${name}" in "${term}" (known: ttft, tpot, itl, e2e)`);
    const p = m[1] === undefined ? 99 : Number(m[1]);
    if (!(p >= 1 && p <= 100))
      throw new CliError(`${flag}: percentile p${m[1]} is outside 1..100 in "${term}"`);
    if (percentile !== undefined && p !== percentile) {
      throw new CliError(
        `${flag}: all bounds must use the same percentile (one SLO is judged at one percentile), got p${percentile} and p${p}`,
      );
    }
    percentile = p;
    if (slo[key] !== undefined) throw new CliError(`${flag}: ${name} is bounded twice`);
    const unit = (m[6] ?? 'ms').toLowerCase();
    const boundMs = Number(m[5]) * (unit === 's' ? 1000 : unit === 'us' ? 0.001 : 1);
    if (!(boundMs > 0)) throw new CliError(`${flag}: the bound of "${term}" must be > 0`);
    slo[key] = boundMs;
  }
  return { ...slo, percentile: percentile ?? 99 };
}

/** The SLO back in expression form, e.g. `p99(ttft)<500ms, p99(tpot)<50ms`. */
export function formatSlo(slo: SloSpec): string {
  const names: [keyof typeof SLO_FIGURES, 'ttftMs' | 'tpotMs' | 'itlMs' | 'e2eMs'][] = [
    ['ttft', 'ttftMs'],
    ['tpot', 'tpotMs'],
    ['itl', 'itlMs'],
    ['e2e', 'e2eMs'],
  ];
  return names
    .filter(([, k]) => slo[k] !== undefined)
    .map(([n, k]) => `p${slo.percentile}(${n})<${slo[k]}ms`)
    .join(', ');
}

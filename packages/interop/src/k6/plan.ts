import { LoadPlanSpecSchema, type LoadPlanSpec } from '@inferbench/contracts';
import { InteropError } from '../errors.js';
import type { ConvertedPlan } from '../types.js';
import { isObject, type Json } from '../util.js';
import { parseK6Duration } from './duration.js';

const SUPPORTED = ['constant-vus', 'ramping-vus', 'constant-arrival-rate', 'ramping-arrival-rate'];

/**
 * Convert k6 `options` (or just its `scenarios` object) into our load-plan spec, validated with the
 * contracts' LoadPlanSpecSchema:
 * - every scenario `constant-vus` → `concurrency` plan, one level per scenario (`vus`), `durationSec`;
 * - every scenario `constant-arrival-rate` → `rate` plan, levels `rate / timeUnit` req/s, arrival
 *   `constant` (k6 arrivals are evenly spaced), `maxConcurrency` = `maxVUs` (k6 never has more
 *   iterations in flight than VUs);
 * - one `ramping-vus` → `stages` plan in concurrency mode (`startVUs` → startTarget);
 * - one `ramping-arrival-rate` → `stages` plan in rate mode (`startRate`, stage targets / timeUnit).
 * What has no counterpart (startTime offsets, gracefulStop, gracefulRampDown, preAllocatedVUs, exec,
 * env, tags) is listed in `notes`. Other executors throw an InteropError naming the field.
 */
export function k6ScenariosToLoadPlan(input: unknown): ConvertedPlan {
  if (!isObject(input)) throw new InteropError('k6', 'scenarios', 'expected an options object');
  const scen = isObject(input.scenarios) ? input.scenarios : input;
  const path = isObject(input.scenarios) ? 'scenarios' : '';
  const entries = Object.entries(scen);
  if (entries.length === 0) throw new InteropError('k6', path || 'scenarios', 'no scenario');
  const notes: string[] = [];
  const scenarios = entries.map(([name, s]) => {
    const p = `${path ? path + '.' : ''}${name}`;
    if (!isObject(s)) throw new InteropError('k6', p, 'expected a scenario object');
    const ex = s.executor;
    if (typeof ex !== 'string' || !SUPPORTED.includes(ex))
      throw new InteropError(
        'k6',
        `${p}.executor`,
        `unsupported executor ${JSON.stringify(ex)} (supported: ${SUPPORTED.join(', ')})`,
      );
    for (const k of [
      'startTime',
      'gracefulStop',
      'gracefulRampDown',
      'preAllocatedVUs',
      'exec',
      'env',
      'tags',
    ])
      if (s[k] !== undefined) notes.push(`${p}.${k} has no load-plan counterpart and was dropped`);
    return { name, p, s, ex };
  });
  const kinds = new Set(scenarios.map((x) => x.ex));
  if (kinds.size > 1)
    throw new InteropError(
      'k6',
      path || 'scenarios',
      `mixes executors (${[...kinds].join(', ')}); a load plan has one kind`,
    );
  const ex = scenarios[0]!.ex;
  const dur = (s: Json, p: string, key = 'duration'): number => {
    const d = parseK6Duration(s[key]);
    if (d === undefined || d <= 0)
      throw new InteropError(
        'k6',
        `${p}.${key}`,
        `expected a k6 duration like "60s", got ${JSON.stringify(s[key])}`,
      );
    return d;
  };
  const posNum = (s: Json, p: string, key: string): number => {
    const v = s[key];
    if (typeof v !== 'number' || !(v > 0))
      throw new InteropError('k6', `${p}.${key}`, `expected a positive number, got ${JSON.stringify(v)}`);
    return v;
  };
  const timeUnit = (s: Json, p: string): number => (s.timeUnit === undefined ? 1 : dur(s, p, 'timeUnit'));
  const stagesOf = (s: Json, p: string, div: number) => {
    if (!Array.isArray(s.stages) || s.stages.length === 0)
      throw new InteropError('k6', `${p}.stages`, 'missing or empty');
    return s.stages.map((st, i) => {
      if (!isObject(st)) throw new InteropError('k6', `${p}.stages[${i}]`, 'expected {duration, target}');
      const target = st.target;
      if (typeof target !== 'number' || target < 0)
        throw new InteropError(
          'k6',
          `${p}.stages[${i}].target`,
          `expected a number ≥ 0, got ${JSON.stringify(target)}`,
        );
      return { durationSec: dur(st, `${p}.stages[${i}]`), target: target / div };
    });
  };

  let plan: LoadPlanSpec;
  if (ex === 'constant-vus' || ex === 'constant-arrival-rate') {
    const durations = scenarios.map(({ s, p }) => dur(s, p));
    const d = durations[0]!;
    if (durations.some((x) => x !== d))
      notes.push(`scenarios have different durations; every load point uses the first (${d}s)`);
    if (ex === 'constant-vus') {
      plan = LoadPlanSpecSchema.parse({
        kind: 'concurrency',
        levels: scenarios.map(({ s, p }) => {
          const v = posNum(s, p, 'vus');
          if (!Number.isInteger(v)) throw new InteropError('k6', `${p}.vus`, 'expected an integer');
          return v;
        }),
        durationSec: d,
      });
    } else {
      const maxVus = scenarios.map(({ s }) =>
        typeof s.maxVUs === 'number'
          ? s.maxVUs
          : typeof s.preAllocatedVUs === 'number'
            ? s.preAllocatedVUs
            : undefined,
      );
      const cap = maxVus.every((x) => x !== undefined) ? Math.max(...(maxVus as number[])) : undefined;
      plan = LoadPlanSpecSchema.parse({
        kind: 'rate',
        levels: scenarios.map(({ s, p }) => posNum(s, p, 'rate') / timeUnit(s, p)),
        arrival: 'constant',
        durationSec: d,
        ...(cap !== undefined ? { maxConcurrency: cap } : {}),
      });
      if (cap !== undefined)
        notes.push(`maxConcurrency ${cap} from maxVUs (k6 keeps at most that many iterations in flight)`);
    }
  } else {
    if (scenarios.length > 1)
      throw new InteropError(
        'k6',
        path || 'scenarios',
        `several ${ex} scenarios: a stages plan is one load point`,
      );
    const { s, p } = scenarios[0]!;
    if (ex === 'ramping-vus') {
      const start = s.startVUs === undefined ? 1 : s.startVUs;
      if (typeof start !== 'number' || start < 0)
        throw new InteropError('k6', `${p}.startVUs`, 'expected a number ≥ 0');
      plan = LoadPlanSpecSchema.parse({
        kind: 'stages',
        mode: 'concurrency',
        startTarget: start,
        stages: stagesOf(s, p, 1),
      });
    } else {
      const tu = timeUnit(s, p);
      const start = s.startRate === undefined ? 0 : s.startRate;
      if (typeof start !== 'number' || start < 0)
        throw new InteropError('k6', `${p}.startRate`, 'expected a number ≥ 0');
      const cap = typeof s.maxVUs === 'number' ? s.maxVUs : undefined;
      plan = LoadPlanSpecSchema.parse({
        kind: 'stages',
        mode: 'rate',
        arrival: 'constant',
        startTarget: start / tu,
        stages: stagesOf(s, p, tu),
        ...(cap !== undefined ? { maxConcurrency: cap } : {}),
      });
    }
  }
  return { plan, notes };
}

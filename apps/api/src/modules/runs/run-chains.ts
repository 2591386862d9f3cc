import type { FrozenVariant, RunSpec } from '@inferbench/contracts';
import { chainKey } from './run-spec.js';
import type { PointRow, RunWithPointsRow } from './runs.repository.js';

/** A chain: work items sharing a target, run one after another, with the chain's variants in spec order. */
export interface Chain {
  variants: FrozenVariant[];
  points: PointRow[];
}

/** The frozen variant a work item belongs to (by label: the variant row may have been deleted since). */
export function variantOf(spec: RunSpec, point: Pick<PointRow, 'variantLabel'>): FrozenVariant {
  const v = spec.variants.find((x) => x.label === point.variantLabel);
  if (!v) throw new Error(`variant '${point.variantLabel}' missing from the run spec`);
  return v;
}

/** Points grouped by chain (shared target), in ordinal order, with the chain's variants in spec order. */
export function chainsOf(run: RunWithPointsRow): Map<string, Chain> {
  const chains = new Map<string, Chain>();
  for (const v of run.spec.variants) {
    const key = chainKey(v);
    const c = chains.get(key) ?? { variants: [], points: [] };
    c.variants.push(v);
    chains.set(key, c);
  }
  for (const p of run.loadPoints) chains.get(chainKey(variantOf(run.spec, p)))?.points.push(p);
  return chains;
}

/** Pools of chains whose next point waits for an agent (nothing running in the chain). */
export function waitingPools(run: RunWithPointsRow): Set<string> {
  const pools = new Set<string>();
  for (const chain of chainsOf(run).values()) {
    if (chain.points.some((p) => p.status === 'running')) continue;
    const head = chain.points.find((p) => p.status === 'queued');
    if (head) pools.add(variantOf(run.spec, head).target.pool);
  }
  return pools;
}

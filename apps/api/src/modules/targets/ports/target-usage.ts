import type { Db } from '../../../infra/prisma/prisma.service.js';

/**
 * How the targets module learns whether a target is in use (the Variant table belongs to experiments, which depends
 * on targets): targets declares this interface and the token, and the experiments module provides the
 * implementation (`ExperimentsPortsModule`, a global module). Read-only.
 */
export const TARGET_USAGE = Symbol('TargetUsage');

export interface TargetUsage {
  /** How many experiment variants point at the target. */
  countVariantsUsing(targetId: string, db?: Db): Promise<number>;
}

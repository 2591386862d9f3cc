import { Inject, Injectable } from '@nestjs/common';
import type { Db } from '../../infra/prisma/prisma.service.js';
import type { TargetUsage } from '../targets/ports/target-usage.js';
import { ExperimentsRepository } from './experiments.repository.js';

/** The experiments module's answer to the targets module's `TargetUsage` port (read-only). */
@Injectable()
export class TargetUsageAdapter implements TargetUsage {
  constructor(@Inject(ExperimentsRepository) private readonly repo: ExperimentsRepository) {}

  countVariantsUsing(targetId: string, db?: Db): Promise<number> {
    return this.repo.countVariantsUsingTarget(targetId, db);
  }
}

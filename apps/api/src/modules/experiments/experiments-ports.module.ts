import { Global, Module } from '@nestjs/common';
import { TARGET_USAGE } from '../targets/ports/target-usage.js';
import { ExperimentsModule } from './experiments.module.js';
import { TargetUsageAdapter } from './target-usage.adapter.js';

/**
 * The port that the targets module declares (`TARGET_USAGE`), answered by the experiments module's adapter. Global,
 * so targets injects the token without importing experiments (which would be a cycle).
 */
@Global()
@Module({
  imports: [ExperimentsModule],
  providers: [{ provide: TARGET_USAGE, useExisting: TargetUsageAdapter }],
  exports: [TARGET_USAGE],
})
export class ExperimentsPortsModule {}

import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from './config.js';
import type { Logger } from './common/logging/logger.js';
import { InfraModule } from './infra/infra.module.js';
import { AgentsModule } from './modules/agents/agents.module.js';
import { AuditModule } from './modules/audit/audit.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { CiModule } from './modules/ci/ci.module.js';
import { CompareModule } from './modules/compare/compare.module.js';
import { EvalsModule } from './modules/evals/evals.module.js';
import { ExperimentsModule } from './modules/experiments/experiments.module.js';
import { ExperimentsPortsModule } from './modules/experiments/experiments-ports.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { ImportsModule } from './modules/imports/imports.module.js';
import { IngestModule } from './modules/ingest/ingest.module.js';
import { MetricsModule } from './modules/metrics/metrics.module.js';
import { ReviewModule } from './modules/review/review.module.js';
import { RunsModule } from './modules/runs/runs.module.js';
import { RunsPortsModule } from './modules/runs/runs-ports.module.js';
import { SamplesModule } from './modules/samples/samples.module.js';
import { TargetsModule } from './modules/targets/targets.module.js';
import { WebhooksModule } from './modules/webhooks/webhooks.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger, opts: { authDisabled?: boolean } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        InfraModule.forRoot(config, logger),
        // first: its global guard and principal are what every other module's routes see
        AuthModule.forRoot({ disabled: opts.authDisabled === true }),
        AuditModule,
        HealthModule,
        TargetsModule,
        ExperimentsModule,
        AgentsModule,
        SamplesModule,
        EvalsModule,
        RunsModule,
        // global: bind the ports that targets, experiments and evals declare to the adapters of the modules above them
        ExperimentsPortsModule,
        RunsPortsModule,
        IngestModule,
        ReviewModule,
        CompareModule,
        ImportsModule,
        CiModule,
        WebhooksModule,
        MetricsModule,
      ],
    };
  }
}

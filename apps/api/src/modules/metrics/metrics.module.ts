import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { RunsModule } from '../runs/runs.module.js';
import { OpsMetricsCollector } from './ops-metrics.collector.js';

/**
 * Our own Prometheus metrics that are read when scraped (runs by status, queue depths). The registry and the
 * event-driven instruments are `ApiMetrics` (infra); they are served on the separate metrics listener (`startApi`),
 * never on the API's router. Owns no table: runs are counted through `RunRecordsService`.
 */
@Module({
  imports: [RunsModule, AgentsModule],
  providers: [OpsMetricsCollector],
})
export class MetricsModule {}

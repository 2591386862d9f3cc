import { Inject, Injectable } from '@nestjs/common';
import type { LoadPointSummary, LoadPointTelemetry } from '@inferbench/contracts';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { computeRunHints, mergeShardTelemetry, parseStoredTelemetry } from './run-telemetry.js';
import { RunTelemetryRepository } from './run-telemetry.repository.js';

/**
 * Stores what agents measured next to the server: each point's merged shard telemetry when it is
 * finalized, and the run's bottleneck hints when it ends. Telemetry explains results and must never
 * break them: both methods log and swallow their errors.
 */
@Injectable()
export class RunTelemetryService {
  constructor(
    @Inject(RunTelemetryRepository) private readonly repo: RunTelemetryRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Merge the shards' telemetry (as recorded in the point's shard state) into `LoadPoint.telemetry`
   * ({@link mergeShardTelemetry}); called once every shard has finished, before the point's final status.
   */
  async storePointTelemetry(
    loadPointId: string,
    shards: ReadonlyMap<number, { telemetry?: LoadPointTelemetry | undefined }>,
    summary: LoadPointSummary | null,
  ): Promise<void> {
    try {
      const byIndex: (LoadPointTelemetry | undefined)[] = [];
      for (const [index, state] of [...shards.entries()].sort((a, b) => a[0] - b[0])) {
        byIndex[index] = parseStoredTelemetry(state.telemetry) ?? undefined;
      }
      const merged = mergeShardTelemetry(byIndex, summary?.tokens.output);
      if (merged) await this.repo.setPointTelemetry(loadPointId, merged);
    } catch (err) {
      this.logger.error({ err, loadPointId }, 'could not store load-point telemetry');
    }
  }

  /** Compute and store `Run.hints` from the run's completed points ({@link computeRunHints}). */
  async storeRunHints(runId: string): Promise<void> {
    try {
      const rows = await this.repo.findHintPoints(runId);
      const hints = computeRunHints(
        rows.map((p) => ({
          variantLabel: p.variantLabel,
          status: p.status,
          level: p.level,
          // an aggregates-only imported summary has none of the figures hints read
          summary: p.summary === null || 'aggregatesOnly' in p.summary ? null : p.summary,
          telemetry: p.telemetry,
        })),
      );
      await this.repo.setRunHints(runId, hints);
    } catch (err) {
      this.logger.error({ err, runId }, 'could not compute bottleneck hints');
    }
  }
}

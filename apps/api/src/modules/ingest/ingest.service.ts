import { Inject, Injectable } from '@nestjs/common';
import type {
  AgentEvent,
  LoadPointFinishedEvent,
  LoadPointSummary,
  ProgressEvent,
  SampleBatchEvent,
} from '@inferbench/contracts';
import { LoadPointAccumulator } from '@inferbench/metrics';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { RunEventsPublisher } from '../runs/run-events.publisher.js';
import { RunLifecycleService, type PointSamplesPort, type ShardPart } from '../runs/run-lifecycle.service.js';
import type { RunSpec } from '../runs/run-spec.js';
import { SamplesRepository } from './samples.repository.js';

type Handlers = { [K in AgentEvent['type']]: (event: Extract<AgentEvent, { type: K }>) => Promise<void> };

/**
 * Handles agent events from the ingest queue (already parsed with AgentEventSchema). Sample batches are
 * stored exactly once per (loadPoint, shard, batchSeq); `finished` records the shard's end; after either,
 * the point is finalized once every shard has finished and every announced batch is stored.
 */
@Injectable()
export class IngestService implements PointSamplesPort {
  /** every event type has a handler: a missing one is a compile error */
  private readonly handlers: Handlers = {
    'loadpoint.started': (e) => this.lifecycle.pointStarted(e.runId, e.loadPointId),
    'sample.batch': async (e) => void (await this.storeBatch(e)),
    'loadpoint.progress': (e) => this.relayProgress(e),
    'loadpoint.finished': (e) => this.shardFinished(e),
  };

  constructor(
    @Inject(SamplesRepository) private readonly samples: SamplesRepository,
    @Inject(RunLifecycleService) private readonly lifecycle: RunLifecycleService,
    @Inject(RunEventsPublisher) private readonly events: RunEventsPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    // lets the sweeper finalize a point whose lost shard it ended
    this.lifecycle.registerSamplesPort(this);
  }

  async handle(event: AgentEvent): Promise<void> {
    // the hot path: the batch's transaction itself checks that the point exists in that run
    if (event.type === 'sample.batch') return void (await this.storeBatch(event));
    const runId = await this.lifecycle.findPointRun(event.loadPointId);
    if (runId === null || runId !== event.runId) {
      this.logger.warn(
        { type: event.type, loadPointId: event.loadPointId, runId: event.runId },
        'dropping an event for an unknown load point',
      );
      return;
    }
    await (this.handlers[event.type] as (e: AgentEvent) => Promise<void>)(event);
  }

  /**
   * Store one batch in one transaction: claim its id in the ledger; only when the claim is new, COPY the samples
   * in and count them. A batch delivered twice is stored once.
   * @returns whether the batch was new
   */
  async storeBatch(e: SampleBatchEvent): Promise<boolean> {
    const key = {
      loadPointId: e.loadPointId,
      shardIndex: e.shardIndex,
      attempt: e.attempt ?? 0,
      batchSeq: e.batchSeq,
    };
    const result = await this.samples.storeBatchCopy(key, e.runId, e.samples);
    if (result.status === 'unknown-point') {
      this.logger.warn(
        { type: e.type, loadPointId: e.loadPointId, runId: e.runId },
        'dropping an event for an unknown load point',
      );
      return false;
    }
    this.lifecycle.touch(e.loadPointId);
    if (result.status === 'duplicate') {
      this.logger.debug(
        { loadPointId: e.loadPointId, shard: e.shardIndex, batchSeq: e.batchSeq },
        'duplicate sample batch ignored',
      );
      return false;
    }
    // batches may arrive after the shard's finished event
    if (result.mayFinalize) await this.lifecycle.tryFinalizePoint(e.loadPointId, this);
    return true;
  }

  private async relayProgress(e: ProgressEvent): Promise<void> {
    this.lifecycle.touch(e.loadPointId);
    await this.events.progress(e);
  }

  private async shardFinished(e: LoadPointFinishedEvent): Promise<void> {
    await this.lifecycle.recordShardFinished(e.loadPointId, e.shardIndex, {
      status: e.status,
      batchCount: e.batchCount,
      ...(e.reason !== undefined ? { reason: e.reason } : {}),
      warnings: e.warnings,
      ...(e.telemetry ? { telemetry: e.telemetry } : {}),
      attempt: e.attempt ?? 0,
      agentId: e.agentId,
      ...(e.accumulator !== undefined ? { accumulator: e.accumulator } : {}),
      ...(e.shardHealth !== undefined ? { shardHealth: e.shardHealth } : {}),
      ...(e.tokenizer !== undefined ? { tokenizer: e.tokenizer } : {}),
    });
    await this.lifecycle.tryFinalizePoint(e.loadPointId, this);
  }

  batchCounts(loadPointId: string): Promise<Map<string, number>> {
    return this.samples.batchCounts(loadPointId);
  }

  errorMessage(loadPointId: string, errorClass: string, shards: ShardPart[]): Promise<string | null> {
    return this.samples.firstErrorMessage(loadPointId, errorClass, shards);
  }

  /**
   * The point's summary from its stored samples (the same metrics code the agent and CLI use), and the
   * encoded accumulator, stored so distributions and cross-run statistics never rescan samples.
   */
  async summarize(
    loadPointId: string,
    opts: { slo?: RunSpec['slo']; warnings: string[]; shards: ShardPart[] },
  ): Promise<{ summary: LoadPointSummary; histograms: string }> {
    const sloOpt = opts.slo ? { slo: opts.slo } : {};
    const acc = new LoadPointAccumulator(sloOpt);
    for (const part of opts.shards) {
      if (part.accumulator !== undefined) {
        try {
          // merge() checks compatibility before it changes anything, so a refused part leaves `acc` intact
          acc.merge(LoadPointAccumulator.decode(part.accumulator));
          continue;
        } catch (err) {
          // corrupt, or built with another SLO: the stored samples are the source of truth
          this.logger.warn(
            { err, loadPointId, shard: part.index },
            'shard accumulator unusable; summarizing its stored samples',
          );
        }
      }
      acc.merge(
        new LoadPointAccumulator(sloOpt).addAll(
          await this.samples.loadShard(loadPointId, part.index, part.attempt),
        ),
      );
    }
    const summary = acc.summary({ ...sloOpt, warnings: opts.warnings, includeTimeSeries: true });
    return { summary, histograms: acc.encode() };
  }
}

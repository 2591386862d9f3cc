import { Inject, Injectable } from '@nestjs/common';
import {
  decodeSampleBatchColumns,
  isCompactSampleBatch,
  SampleBatchFormatError,
  type AgentWireEvent,
  type EvalFinishedEvent,
  type EvalProgressEvent,
  type EvalRecordsEvent,
  type LoadPointFinishedEvent,
  type ProgressEvent,
  type RequestSample,
  type SampleBatchWire,
  type SampleColumns,
} from '@inferbench/contracts';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { EvalsService } from '../evals/evals.service.js';
import { RunEventsPublisher } from '../runs/run-events.publisher.js';
import { RunRecordsService } from '../runs/run-records.service.js';
import { RecordAgentReport } from '../runs/use-cases/record-agent-report.js';
import { SamplesService } from '../samples/samples.service.js';

type Handlers = {
  [K in AgentWireEvent['type']]: (event: Extract<AgentWireEvent, { type: K }>) => Promise<void>;
};

/**
 * Handles agent events from the ingest queue (already parsed with AgentEventSchema). Sample batches are stored by the
 * samples module exactly once per (loadPoint, shard, attempt, batchSeq); everything about the run goes to the runs
 * module's `RecordAgentReport` (a one-way call: runs never calls ingest), which finalizes the point once every shard
 * has finished and every announced batch is stored.
 */
@Injectable()
export class IngestService {
  /** every event type has a handler: a missing one is a compile error */
  private readonly handlers: Handlers = {
    'loadpoint.started': (e) => this.reports.started(e.runId, e.loadPointId),
    'sample.batch': async (e) => void (await this.storeBatch(e)),
    'loadpoint.progress': (e) => this.relayProgress(e),
    'loadpoint.finished': (e) => this.shardFinished(e),
    'eval.started': (e) => this.reports.started(e.runId, e.workItemId),
    'eval.records': async (e) => void (await this.storeEvalRecords(e)),
    'eval.progress': (e) => this.evalProgress(e),
    'eval.finished': (e) => this.evalFinished(e),
  };

  constructor(
    @Inject(SamplesService) private readonly samples: SamplesService,
    @Inject(RunRecordsService) private readonly runs: RunRecordsService,
    @Inject(RecordAgentReport) private readonly reports: RecordAgentReport,
    @Inject(RunEventsPublisher) private readonly events: RunEventsPublisher,
    @Inject(EvalsService) private readonly evals: EvalsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(event: AgentWireEvent): Promise<void> {
    // the hot path: the batch's transaction itself checks that the point exists in that run
    if (event.type === 'sample.batch') return void (await this.storeBatch(event));
    // eval events name their work item (a LoadPoint row of kind eval)
    const pointId = 'loadPointId' in event ? event.loadPointId : event.workItemId;
    const runId = await this.runs.findPointRunId(pointId);
    if (runId === null || runId !== event.runId) {
      this.logger.warn(
        { type: event.type, loadPointId: pointId, runId: event.runId },
        'dropping an event for an unknown load point',
      );
      return;
    }
    await (this.handlers[event.type] as (e: AgentWireEvent) => Promise<void>)(event);
  }

  /**
   * Store one batch in one transaction: claim its id in the ledger; only when the claim is new, COPY the samples in
   * and count them on the point (the runs module's update, inside the same transaction). A batch delivered twice is
   * stored once. A columnar-v2 batch is decoded into columns and written into the COPY from them (no per-sample
   * objects); one whose payload does not decode, or holds a value the sample schema refuses, is dropped like an invalid
   * json-v1 batch.
   * @returns whether the batch was new
   */
  async storeBatch(e: SampleBatchWire): Promise<boolean> {
    const key = {
      loadPointId: e.loadPointId,
      shardIndex: e.shardIndex,
      attempt: e.attempt ?? 0,
      batchSeq: e.batchSeq,
    };
    let rows: readonly RequestSample[] | SampleColumns;
    if (isCompactSampleBatch(e)) {
      try {
        rows = decodeSampleBatchColumns(e);
      } catch (err) {
        if (!(err instanceof SampleBatchFormatError)) throw err;
        this.logger.error(
          { loadPointId: e.loadPointId, shard: e.shardIndex, batchSeq: e.batchSeq, err: err.message },
          'dropping a sample batch whose columnar-v2 payload is invalid',
        );
        return false;
      }
    } else rows = e.samples;
    const result = await this.samples.storeBatch(key, rows, (sql, n) =>
      this.runs.countStoredSamples(sql, e.loadPointId, e.runId, n),
    );
    if (result.status === 'unknown-point') {
      this.logger.warn(
        { type: e.type, loadPointId: e.loadPointId, runId: e.runId },
        'dropping an event for an unknown load point',
      );
      return false;
    }
    this.reports.heard(e.loadPointId);
    if (result.status === 'duplicate') {
      this.logger.debug(
        { loadPointId: e.loadPointId, shard: e.shardIndex, batchSeq: e.batchSeq },
        'duplicate sample batch ignored',
      );
      return false;
    }
    // batches may arrive after the shard's finished event
    if (result.mayFinalize) await this.reports.resultsStored(e.loadPointId);
    return true;
  }

  /**
   * Store one eval record batch once per (workItem, attempt, batchIndex) (the evals module's ledger, records keyed
   * by item); a new batch may be the last one the work item waited for.
   * @returns whether the batch was new
   */
  async storeEvalRecords(e: EvalRecordsEvent): Promise<boolean> {
    const result = await this.evals.storeBatch(e);
    if (result === 'unknown') {
      this.logger.warn(
        { type: e.type, workItemId: e.workItemId, runId: e.runId },
        'dropping eval records for an unknown work item',
      );
      return false;
    }
    this.reports.heard(e.workItemId);
    if (result === 'duplicate') {
      this.logger.debug(
        { workItemId: e.workItemId, batchIndex: e.batchIndex },
        'duplicate eval batch ignored',
      );
      return false;
    }
    await this.reports.resultsStored(e.workItemId);
    return true;
  }

  private async evalProgress(e: EvalProgressEvent): Promise<void> {
    this.reports.heard(e.workItemId);
    await this.evals.setProgress(e.workItemId, { done: e.done, total: e.total });
  }

  /** The task outcomes go to the evals module first, then the work item's end to runs (which may finalize it). */
  private async evalFinished(e: EvalFinishedEvent): Promise<void> {
    await this.evals.recordOutcomes(e.workItemId, e.tasks);
    await this.reports.shardFinished(e.workItemId, 0, {
      status: e.status,
      batchCount: e.batchCount,
      ...(e.reason !== undefined ? { reason: e.reason } : {}),
      warnings: [],
      attempt: e.attempt,
      agentId: e.agentId,
      ...(e.accumulator !== undefined ? { accumulator: e.accumulator } : {}),
    });
  }

  private async relayProgress(e: ProgressEvent): Promise<void> {
    this.reports.heard(e.loadPointId);
    await this.events.progress(e);
  }

  private async shardFinished(e: LoadPointFinishedEvent): Promise<void> {
    await this.reports.shardFinished(e.loadPointId, e.shardIndex, {
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
  }
}

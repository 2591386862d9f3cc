import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '@inferbench/db';
import {
  EvalRawSampleSchema,
  EvalSuiteSchema,
  EvalSuiteScoreSchema,
  EvalTaskOutcomeSchema,
  EvalTaskSummarySchema,
  parseStoredOr,
  type EvalParseStatus,
  type EvalPrompt,
  type EvalRawSample,
  type EvalRecordWire,
  type EvalSuite,
  type EvalSuiteScore,
  type EvalTaskOutcome,
  type EvalTaskSummary,
} from '@inferbench/contracts';
import { z } from 'zod';
import { asJson } from '../../common/json.js';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';

const OutcomesSchema = z.array(EvalTaskOutcomeSchema);
const ProgressSchema = z.object({ done: z.number().int(), total: z.number().int() });
const TaskSummariesSchema = z.array(EvalTaskSummarySchema);
const RawSamplesSchema = z.array(EvalRawSampleSchema);
const ItemKeySchema = z.object({
  choices: z.array(z.string()).optional(),
  answerIndex: z.number().int().min(0).optional(),
  answer: z.string().optional(),
  references: z.array(z.string()).optional(),
});
const PromptSchema = z.union([z.string(), z.array(z.object({ role: z.string(), content: z.string() }))]);

/** An EvalWorkItem row with its JSON columns parsed. */
export interface EvalWorkItemRow {
  id: string;
  runId: string;
  variantLabel: string;
  mode: 'standalone' | 'alongside-load';
  companionId: string | null;
  suite: EvalSuite | null;
  outcomes: EvalTaskOutcome[];
  progress: { done: number; total: number } | null;
  scoreVersion: number;
}

/** An EvalRecord row with its JSON columns parsed. */
export interface EvalRecordRow {
  workItemId: string;
  attempt: number;
  scoreVersion: number;
  taskId: string;
  itemId: string;
  runId: string;
  variantLabel: string;
  parseStatus: EvalParseStatus;
  correct: boolean;
  score: number;
  scores: Record<string, number>;
  extracted: string | null;
  reference: string | null;
  references: string[];
  promptHash: string;
  templateHash: string;
  prompt: EvalPrompt | null;
  content: string | null;
  reasoning: string | null;
  samples: EvalRawSample[] | null;
  item: z.infer<typeof ItemKeySchema> | null;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  latencyMs: number;
  error: string | null;
  cacheKey: string | null;
}

export interface EvalScoreRow {
  workItemId: string;
  scoreVersion: number;
  tasks: EvalTaskSummary[];
  suite: EvalSuiteScore | null;
}

type RawRecord = Prisma.EvalRecordGetPayload<object>;

function toRecordRow(r: RawRecord): EvalRecordRow {
  return {
    ...r,
    parseStatus: (['ok', 'no_answer', 'invalid'].includes(r.parseStatus)
      ? r.parseStatus
      : 'invalid') as EvalParseStatus,
    scores: parseStoredOr(z.record(z.string(), z.number()), r.scores, {}),
    references: parseStoredOr(z.array(z.string()), r.references, []),
    prompt: parseStoredOr(PromptSchema, r.prompt, null),
    samples: parseStoredOr(RawSamplesSchema, r.samples, null),
    item: parseStoredOr(ItemKeySchema, r.item, null),
  };
}

function toWorkItemRow(r: Prisma.EvalWorkItemGetPayload<object>): EvalWorkItemRow {
  return {
    id: r.id,
    runId: r.runId,
    variantLabel: r.variantLabel,
    mode: r.mode === 'alongside-load' ? 'alongside-load' : 'standalone',
    companionId: r.companionId,
    suite: parseStoredOr(EvalSuiteSchema, r.suite, null),
    outcomes: parseStoredOr(OutcomesSchema, r.outcomes, []),
    progress: parseStoredOr(ProgressSchema, r.progress, null),
    scoreVersion: r.scoreVersion,
  };
}

/** What the item filter of the records page means in SQL terms. */
export type RecordStatusFilter = 'correct' | 'wrong' | 'unparseable';

/** The row written for one scored item (measured or re-scored). */
export function recordData(
  base: { workItemId: string; attempt: number; scoreVersion: number; runId: string; variantLabel: string },
  r: EvalRecordWire,
  opts: { keepSamples: boolean },
): Prisma.EvalRecordCreateManyInput {
  return {
    ...base,
    taskId: r.taskId,
    itemId: r.itemId,
    parseStatus: r.parseStatus,
    correct: r.correct,
    score: Number.isFinite(r.score) ? r.score : 0,
    scores: asJson(r.scores),
    extracted: r.extracted,
    reference: r.reference,
    references: asJson(r.references),
    promptHash: r.promptHash,
    templateHash: r.templateHash,
    ...(r.prompt !== undefined ? { prompt: asJson(r.prompt) } : {}),
    content: r.response.content,
    reasoning: r.response.reasoning,
    ...(opts.keepSamples ? { samples: asJson(r.samples) } : {}),
    ...(r.key !== undefined ? { item: asJson(r.key) } : {}),
    inputTokens: r.tokens.input,
    outputTokens: r.tokens.output,
    reasoningTokens: r.tokens.reasoning,
    latencyMs: r.latencyMs,
    error: r.error ?? null,
    cacheKey: r.cacheKey ?? null,
  };
}

/** The only code that touches EvalWorkItem, EvalRecord, EvalBatch and EvalScore. */
@Injectable()
export class EvalsRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  /** Create the eval part of a work item once (a repeated dispatch keeps the first). */
  async ensureWorkItem(
    data: {
      id: string;
      runId: string;
      variantLabel: string;
      mode: string;
      companionId: string | null;
      suite: EvalSuite;
    },
    db: Db = this.prisma.client,
  ): Promise<void> {
    await db.evalWorkItem.upsert({
      where: { id: data.id },
      create: { ...data, suite: asJson(data.suite) },
      update: {},
    });
  }

  async findWorkItem(id: string, db: Db = this.prisma.client): Promise<EvalWorkItemRow | null> {
    const r = await db.evalWorkItem.findUnique({ where: { id } });
    return r ? toWorkItemRow(r) : null;
  }

  async findWorkItemsOfRun(runId: string, db: Db = this.prisma.client): Promise<EvalWorkItemRow[]> {
    const rows = await db.evalWorkItem.findMany({ where: { runId }, orderBy: { createdAt: 'asc' } });
    return rows.map(toWorkItemRow);
  }

  async setOutcomes(id: string, outcomes: EvalTaskOutcome[], db: Db = this.prisma.client): Promise<void> {
    await db.evalWorkItem.updateMany({ where: { id }, data: { outcomes: asJson(outcomes) } });
  }

  async setProgress(
    id: string,
    progress: { done: number; total: number },
    db: Db = this.prisma.client,
  ): Promise<void> {
    await db.evalWorkItem.updateMany({ where: { id }, data: { progress: asJson(progress) } });
  }

  /**
   * Store one record batch in one transaction: claim (workItem, attempt, batchIndex) in the ledger; only a new claim
   * writes the records (each (workItem, attempt, version 0, task, item) once: ON CONFLICT DO NOTHING).
   */
  async storeBatch(
    key: { workItemId: string; runId: string; attempt: number; batchIndex: number },
    records: readonly EvalRecordWire[],
  ): Promise<'stored' | 'duplicate' | 'unknown'> {
    return this.prisma.transaction(async (tx) => {
      const item = await tx.evalWorkItem.findUnique({
        where: { id: key.workItemId },
        select: { runId: true, variantLabel: true },
      });
      if (!item || item.runId !== key.runId) return 'unknown';
      const claimed = await tx.$executeRaw`
        INSERT INTO "EvalBatch" ("workItemId", "attempt", "batchIndex", "recordCount")
        VALUES (${key.workItemId}, ${key.attempt}, ${key.batchIndex}, ${records.length})
        ON CONFLICT DO NOTHING`;
      if (claimed !== 1) return 'duplicate';
      const base = {
        workItemId: key.workItemId,
        attempt: key.attempt,
        scoreVersion: 0,
        runId: key.runId,
        variantLabel: item.variantLabel,
      };
      if (records.length)
        await tx.evalRecord.createMany({
          data: records.map((r) => recordData(base, r, { keepSamples: true })),
          skipDuplicates: true,
        });
      return 'stored';
    });
  }

  async batchCount(workItemId: string, attempt: number, db: Db = this.prisma.client): Promise<number> {
    return db.evalBatch.count({ where: { workItemId, attempt } });
  }

  async findRecords(
    where: { workItemId: string; attempt?: number; scoreVersion: number; taskIds?: readonly string[] },
    db: Db = this.prisma.client,
  ): Promise<EvalRecordRow[]> {
    const rows = await db.evalRecord.findMany({
      where: {
        workItemId: where.workItemId,
        scoreVersion: where.scoreVersion,
        ...(where.attempt !== undefined ? { attempt: where.attempt } : {}),
        ...(where.taskIds ? { taskId: { in: [...where.taskIds] } } : {}),
      },
      orderBy: [{ taskId: 'asc' }, { itemId: 'asc' }],
    });
    return rows.map(toRecordRow);
  }

  async pageRecords(
    filter: {
      runId: string;
      scoreVersion: number;
      /** work item → the attempt that counts */
      attempts: ReadonlyMap<string, number>;
      taskId?: string | undefined;
      variantLabel?: string | undefined;
      status?: RecordStatusFilter | undefined;
      skip: number;
      take: number;
    },
    db: Db = this.prisma.client,
  ): Promise<{ rows: EvalRecordRow[]; total: number }> {
    const where: Prisma.EvalRecordWhereInput = {
      runId: filter.runId,
      scoreVersion: filter.scoreVersion,
      OR: [...filter.attempts].map(([workItemId, attempt]) => ({ workItemId, attempt })),
      ...(filter.taskId ? { taskId: filter.taskId } : {}),
      ...(filter.variantLabel ? { variantLabel: filter.variantLabel } : {}),
      ...(filter.status === 'correct'
        ? { correct: true }
        : filter.status === 'wrong'
          ? { correct: false, parseStatus: 'ok' }
          : filter.status === 'unparseable'
            ? { parseStatus: { in: ['no_answer', 'invalid'] } }
            : {}),
    };
    if (filter.attempts.size === 0) return { rows: [], total: 0 };
    const [rows, total] = await Promise.all([
      db.evalRecord.findMany({
        where,
        orderBy: [{ variantLabel: 'asc' }, { taskId: 'asc' }, { itemId: 'asc' }],
        skip: filter.skip,
        take: filter.take,
      }),
      db.evalRecord.count({ where }),
    ]);
    return { rows: rows.map(toRecordRow), total };
  }

  async writeScore(
    data: {
      workItemId: string;
      runId: string;
      scoreVersion: number;
      tasks: EvalTaskSummary[];
      suite: EvalSuiteScore;
      config: unknown;
    },
    db: Db = this.prisma.client,
  ): Promise<void> {
    await db.evalScore.upsert({
      where: { workItemId_scoreVersion: { workItemId: data.workItemId, scoreVersion: data.scoreVersion } },
      create: {
        workItemId: data.workItemId,
        runId: data.runId,
        scoreVersion: data.scoreVersion,
        tasks: asJson(data.tasks),
        suite: asJson(data.suite),
        ...(data.config !== undefined && data.config !== null ? { config: asJson(data.config) } : {}),
      },
      update: { tasks: asJson(data.tasks), suite: asJson(data.suite) },
    });
  }

  async findScores(runId: string, db: Db = this.prisma.client): Promise<EvalScoreRow[]> {
    const rows = await db.evalScore.findMany({
      where: { runId },
      orderBy: [{ scoreVersion: 'asc' }],
    });
    return rows.map((r) => ({
      workItemId: r.workItemId,
      scoreVersion: r.scoreVersion,
      tasks: parseStoredOr(TaskSummariesSchema, r.tasks, []),
      suite: parseStoredOr(EvalSuiteScoreSchema, r.suite, null),
    }));
  }

  /** Write a re-scored version of some records (no raw samples: they stay on version 0) and bump the item's version. */
  async writeRescored(
    workItemId: string,
    scoreVersion: number,
    rows: Prisma.EvalRecordCreateManyInput[],
    db: Db = this.prisma.client,
  ): Promise<void> {
    for (let i = 0; i < rows.length; i += 1000)
      await db.evalRecord.createMany({ data: rows.slice(i, i + 1000), skipDuplicates: true });
    await db.evalWorkItem.updateMany({
      where: { id: workItemId, scoreVersion: { lt: scoreVersion } },
      data: { scoreVersion },
    });
  }

  /** The highest score version stored for a run (-1 when none). */
  async maxScoreVersion(runId: string, db: Db = this.prisma.client): Promise<number> {
    const r = await db.evalScore.aggregate({ where: { runId }, _max: { scoreVersion: true } });
    return r._max.scoreVersion ?? -1;
  }
}

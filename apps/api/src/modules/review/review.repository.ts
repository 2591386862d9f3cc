import { Inject, Injectable } from '@nestjs/common';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';

const commentSelect = {
  id: true,
  experimentId: true,
  runId: true,
  author: true,
  body: true,
  createdAt: true,
} as const;

/** A stored comment row. */
export interface CommentRow {
  id: string;
  experimentId: string | null;
  runId: string | null;
  author: string;
  body: string;
  createdAt: Date;
}

/** What a comment hangs on: exactly one of a run or an experiment. */
export type CommentSubject = { runId: string } | { experimentId: string };

/**
 * The only code that touches the Comment table; also the narrow reads and the tag write of Run that
 * team review needs (run tags are review data; the runs module never writes them).
 */
@Injectable()
export class ReviewRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  async listComments(subject: CommentSubject, db: Db = this.prisma.client): Promise<CommentRow[]> {
    return db.comment.findMany({
      where: subject,
      select: commentSelect,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  createComment(
    subject: CommentSubject,
    data: { author: string; body: string },
    db: Db = this.prisma.client,
  ): Promise<CommentRow> {
    return db.comment.create({ data: { ...subject, ...data }, select: commentSelect });
  }

  /** The run's experiment, tags and that experiment's baseline; null when the run does not exist. */
  async findRunReview(
    runId: string,
    db: Db = this.prisma.client,
  ): Promise<{ experimentId: string; tags: string[]; baselineRunId: string | null } | null> {
    const r = await db.run.findUnique({
      where: { id: runId },
      select: { experimentId: true, tags: true, experiment: { select: { baselineRunId: true } } },
    });
    return r
      ? { experimentId: r.experimentId, tags: r.tags, baselineRunId: r.experiment.baselineRunId }
      : null;
  }

  async experimentExists(id: string, db: Db = this.prisma.client): Promise<boolean> {
    return (await db.experiment.count({ where: { id } })) > 0;
  }

  async setRunTags(runId: string, tags: string[], db: Db = this.prisma.client): Promise<void> {
    await db.run.update({ where: { id: runId }, data: { tags } });
  }
}

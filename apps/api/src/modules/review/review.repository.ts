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
 * The only code that touches the Comment table. Run tags and baselines are read and written through the runs and
 * experiments services (their tables' owners).
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
    data: { author: string; authorId: string | null; body: string },
    db: Db = this.prisma.client,
  ): Promise<CommentRow> {
    return db.comment.create({ data: { ...subject, ...data }, select: commentSelect });
  }
}

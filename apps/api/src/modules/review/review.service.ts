import { Inject, Injectable } from '@nestjs/common';
import type {
  Comment,
  CommentList,
  CreateCommentRequest,
  RunReview,
  UpdateRunRequest,
} from '@inferbench/contracts';
import { AppError } from '../../common/errors/app-error.js';
import { toComment } from './review.mapper.js';
import { ReviewRepository, type CommentSubject } from './review.repository.js';

/** Team review use cases: comments on runs and experiments, run tags. */
@Injectable()
export class ReviewService {
  constructor(@Inject(ReviewRepository) private readonly repo: ReviewRepository) {}

  async listComments(subject: CommentSubject): Promise<CommentList> {
    await this.assertSubject(subject);
    const items = (await this.repo.listComments(subject)).map(toComment);
    return { items, total: items.length };
  }

  async addComment(subject: CommentSubject, body: CreateCommentRequest): Promise<Comment> {
    await this.assertSubject(subject);
    return toComment(await this.repo.createComment(subject, { author: body.author, body: body.body }));
  }

  async getRunReview(runId: string): Promise<RunReview> {
    const r = await this.repo.findRunReview(runId);
    if (!r) throw AppError.notFound('run', runId);
    return { runId, experimentId: r.experimentId, tags: r.tags, isBaseline: r.baselineRunId === runId };
  }

  async updateRun(runId: string, body: UpdateRunRequest): Promise<RunReview> {
    if (!(await this.repo.findRunReview(runId))) throw AppError.notFound('run', runId);
    await this.repo.setRunTags(runId, body.tags);
    return this.getRunReview(runId);
  }

  private async assertSubject(subject: CommentSubject): Promise<void> {
    if ('runId' in subject) {
      if (!(await this.repo.findRunReview(subject.runId))) throw AppError.notFound('run', subject.runId);
    } else if (!(await this.repo.experimentExists(subject.experimentId))) {
      throw AppError.notFound('experiment', subject.experimentId);
    }
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type {
  Comment,
  CommentList,
  CreateCommentRequest,
  RunReview,
  UpdateRunRequest,
} from '@inferbench/contracts';
import { AppError } from '../../common/errors/app-error.js';
import { ExperimentsService } from '../experiments/experiments.service.js';
import { RunRecordsService } from '../runs/run-records.service.js';
import { toComment } from './review.mapper.js';
import { ReviewRepository, type CommentSubject } from './review.repository.js';

/** Team review use cases: comments on runs and experiments, run tags. */
@Injectable()
export class ReviewService {
  constructor(
    @Inject(ReviewRepository) private readonly repo: ReviewRepository,
    @Inject(RunRecordsService) private readonly runs: RunRecordsService,
    @Inject(ExperimentsService) private readonly experiments: ExperimentsService,
  ) {}

  async listComments(subject: CommentSubject): Promise<CommentList> {
    await this.assertSubject(subject);
    const items = (await this.repo.listComments(subject)).map(toComment);
    return { items, total: items.length };
  }

  /** `author`: the signed-in caller (an `author` in the body is ignored: comments record the real user). */
  async addComment(
    subject: CommentSubject,
    body: CreateCommentRequest,
    author: { id: string; name: string },
  ): Promise<Comment> {
    await this.assertSubject(subject);
    return toComment(
      await this.repo.createComment(subject, { author: author.name, authorId: author.id, body: body.body }),
    );
  }

  async getRunReview(runId: string): Promise<RunReview> {
    const r = await this.runs.findRunTags(runId);
    if (!r) throw AppError.notFound('run', runId);
    const baselineRunId = await this.experiments.getBaselineRunId(r.experimentId);
    return { runId, experimentId: r.experimentId, tags: r.tags, isBaseline: baselineRunId === runId };
  }

  async updateRun(runId: string, body: UpdateRunRequest): Promise<RunReview> {
    if (!(await this.runs.findRunTags(runId))) throw AppError.notFound('run', runId);
    await this.runs.setRunTags(runId, body.tags);
    return this.getRunReview(runId);
  }

  private async assertSubject(subject: CommentSubject): Promise<void> {
    if ('runId' in subject) {
      if (!(await this.runs.findRunTags(subject.runId))) throw AppError.notFound('run', subject.runId);
    } else {
      await this.experiments.getRow(subject.experimentId); // 404 when missing
    }
  }
}

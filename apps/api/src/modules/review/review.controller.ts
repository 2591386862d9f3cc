import { Body, Controller, Get, Inject, Param, Patch, Post } from '@nestjs/common';
import {
  CommentListSchema,
  CommentSchema,
  CreateCommentRequestSchema,
  IdSchema,
  RunReviewSchema,
  UpdateRunRequestSchema,
  type CreateCommentRequest,
  type UpdateRunRequest,
} from '@inferbench/contracts';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { ReviewService } from './review.service.js';

@ApiTags('review')
@Controller()
export class ReviewController {
  constructor(@Inject(ReviewService) private readonly review: ReviewService) {}

  @Get('runs/:id/comments')
  @ApiContract({ summary: "A run's comments, oldest first", params: ['id'], response: CommentListSchema })
  runComments(@Param('id', { schema: IdSchema }) id: string) {
    return this.review.listComments({ runId: id });
  }

  @Post('runs/:id/comments')
  @ApiContract({
    summary: 'Comment on a run',
    params: ['id'],
    body: CreateCommentRequestSchema,
    response: CommentSchema,
    status: 201,
  })
  addRunComment(
    @Param('id', { schema: IdSchema }) id: string,
    @Body({ schema: CreateCommentRequestSchema }) body: CreateCommentRequest,
  ) {
    return this.review.addComment({ runId: id }, body);
  }

  @Get('experiments/:id/comments')
  @ApiContract({
    summary: "An experiment's comments, oldest first",
    params: ['id'],
    response: CommentListSchema,
  })
  experimentComments(@Param('id', { schema: IdSchema }) id: string) {
    return this.review.listComments({ experimentId: id });
  }

  @Post('experiments/:id/comments')
  @ApiContract({
    summary: 'Comment on an experiment',
    params: ['id'],
    body: CreateCommentRequestSchema,
    response: CommentSchema,
    status: 201,
  })
  addExperimentComment(
    @Param('id', { schema: IdSchema }) id: string,
    @Body({ schema: CreateCommentRequestSchema }) body: CreateCommentRequest,
  ) {
    return this.review.addComment({ experimentId: id }, body);
  }

  @Get('runs/:id/review')
  @ApiContract({
    summary: "A run's review state: tags and whether it is its experiment's baseline",
    params: ['id'],
    response: RunReviewSchema,
  })
  runReview(@Param('id', { schema: IdSchema }) id: string) {
    return this.review.getRunReview(id);
  }

  @Patch('runs/:id')
  @ApiContract({
    summary: "Replace a run's tags",
    params: ['id'],
    body: UpdateRunRequestSchema,
    response: RunReviewSchema,
  })
  updateRun(
    @Param('id', { schema: IdSchema }) id: string,
    @Body({ schema: UpdateRunRequestSchema }) body: UpdateRunRequest,
  ) {
    return this.review.updateRun(id, body);
  }
}

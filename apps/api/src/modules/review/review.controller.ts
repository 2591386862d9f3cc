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
import { CurrentPrincipal } from '../../common/auth/decorators.js';
import type { Principal } from '../../common/auth/principal.js';
import { AppError } from '../../common/errors/app-error.js';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { ReviewService } from './review.service.js';

/** The comment's author: the signed-in user's e-mail or the token's name (never a typed-in name). */
function author(p: Principal | undefined): { id: string; name: string } {
  if (!p || p.kind === 'agent') throw AppError.unauthorized();
  return { id: p.id, name: p.name };
}

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
    @CurrentPrincipal() who: Principal | undefined,
  ) {
    return this.review.addComment({ runId: id }, body, author(who));
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
    @CurrentPrincipal() who: Principal | undefined,
  ) {
    return this.review.addComment({ experimentId: id }, body, author(who));
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

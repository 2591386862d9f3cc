import { Body, Controller, Get, Inject, Param, Post, Query } from '@nestjs/common';
import {
  EvalCompareQuerySchema,
  EvalComparisonSchema,
  EvalItemPageSchema,
  EvalItemsQuerySchema,
  EvalRescoreRequestSchema,
  EvalRescoreResultSchema,
  IdSchema,
  RunEvalsQuerySchema,
  RunEvalsSchema,
  type EvalCompareQuery,
  type EvalItemsQuery,
  type EvalRescoreRequest,
  type RunEvalsQuery,
} from '@inferbench/contracts';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { EvalsService } from './evals.service.js';

@ApiTags('evals')
@Controller()
export class EvalsController {
  constructor(@Inject(EvalsService) private readonly evals: EvalsService) {}

  @Get('runs/:id/evals')
  @ApiContract({
    summary:
      "A run's accuracy evals: per variant × task scores (Wilson interval, bootstrap SE), suite scores",
    params: ['id'],
    query: RunEvalsQuerySchema,
    response: RunEvalsSchema,
  })
  get(
    @Param('id', { schema: IdSchema }) id: string,
    @Query({ schema: RunEvalsQuerySchema }) q: RunEvalsQuery,
  ) {
    return this.evals.getRunEvals(id, q.scoreVersion);
  }

  @Get('runs/:id/evals/items')
  @ApiContract({
    summary: "One page of a run's eval item records (filter by task, variant, correct | wrong | unparseable)",
    params: ['id'],
    query: EvalItemsQuerySchema,
    response: EvalItemPageSchema,
  })
  items(
    @Param('id', { schema: IdSchema }) id: string,
    @Query({ schema: EvalItemsQuerySchema }) q: EvalItemsQuery,
  ) {
    return this.evals.items(id, q);
  }

  @Post('runs/:id/evals/rescore')
  @ApiContract({
    summary:
      'Score the stored eval responses again (optionally with a changed extraction/metric): a new score version; no request reaches the target',
    params: ['id'],
    body: EvalRescoreRequestSchema,
    response: EvalRescoreResultSchema,
    status: 200,
    errors: [409],
  })
  rescore(
    @Param('id', { schema: IdSchema }) id: string,
    @Body({ schema: EvalRescoreRequestSchema }) body: EvalRescoreRequest,
  ) {
    return this.evals.rescore(id, body);
  }

  @Get('evals/compare')
  @ApiContract({
    summary:
      'Paired comparison of two (run, variant) evals: per task McNemar p, interval, flips, items needed for a 2/5-point drop, version-hash mismatch',
    query: EvalCompareQuerySchema,
    response: EvalComparisonSchema,
  })
  compare(@Query({ schema: EvalCompareQuerySchema }) q: EvalCompareQuery) {
    return this.evals.compare(q);
  }
}

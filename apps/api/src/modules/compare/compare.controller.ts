import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import {
  CompareQuerySchema,
  CompareResultSchema,
  DistributionQuerySchema,
  DistributionSchema,
  IdSchema,
  SamplesPageQuerySchema,
  SamplesPageSchema,
  type CompareQuery,
  type DistributionQuery,
  type SamplesPageQuery,
} from '@inferbench/contracts';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { CompareService } from './compare.service.js';

@ApiTags('compare')
@Controller()
export class CompareController {
  constructor(@Inject(CompareService) private readonly compare: CompareService) {}

  @Get('compare')
  @ApiContract({
    summary:
      'Compare runs (`runs=a,b`) or variants (`runs=a:variantId,b:variantId`): stats, 95 % CIs of p50/p99, deltas beyond noise, CDFs',
    query: CompareQuerySchema,
    response: CompareResultSchema,
  })
  get(@Query({ schema: CompareQuerySchema }) query: CompareQuery) {
    return this.compare.compare(query.runs, query.points);
  }

  @Get('load-points/:id/distribution')
  @ApiContract({
    summary: 'CDF of one figure of a finalized load point, from its stored histogram (never raw samples)',
    params: ['id'],
    query: DistributionQuerySchema,
    response: DistributionSchema,
  })
  distribution(
    @Param('id', { schema: IdSchema }) id: string,
    @Query({ schema: DistributionQuerySchema }) query: DistributionQuery,
  ) {
    return this.compare.distribution(id, query.figure, query.points);
  }

  @Get('load-points/:id/samples/page')
  @ApiContract({
    summary: "One page of a load point's raw samples with per-request figures (for the samples table)",
    params: ['id'],
    query: SamplesPageQuerySchema,
    response: SamplesPageSchema,
  })
  samplesPage(
    @Param('id', { schema: IdSchema }) id: string,
    @Query({ schema: SamplesPageQuerySchema }) query: SamplesPageQuery,
  ) {
    return this.compare.samplesPage(id, query.limit, query.offset);
  }
}

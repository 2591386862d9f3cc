import { Body, Controller, Inject, Param, Post } from '@nestjs/common';
import {
  EvaluateRunRequestSchema,
  IdSchema,
  RunEvaluationSchema,
  type EvaluateRunRequest,
} from '@inferbench/contracts';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { CiService } from './ci.service.js';

@ApiTags('ci')
@Controller()
export class CiController {
  constructor(@Inject(CiService) private readonly ci: CiService) {}

  @Post('runs/:id/evaluate')
  @ApiContract({
    summary:
      'Judge a run against k6-style thresholds per load point and, optionally, the baseline regression gate; the verdicts are stored with the run',
    params: ['id'],
    body: EvaluateRunRequestSchema,
    response: RunEvaluationSchema,
    status: 200,
  })
  evaluate(
    @Param('id', { schema: IdSchema }) id: string,
    @Body({ schema: EvaluateRunRequestSchema }) body: EvaluateRunRequest,
  ) {
    return this.ci.evaluate(id, body);
  }
}

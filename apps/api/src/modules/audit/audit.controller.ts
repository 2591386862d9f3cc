import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { AuditListSchema, AuditQuerySchema, IdSchema } from '@inferbench/contracts';
import type { z } from 'zod';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { AuditService } from './audit.service.js';

@ApiTags('audit')
@Controller()
export class AuditController {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}

  @Get('experiments/:id/audit')
  @ApiContract({
    summary: 'Who started, cancelled, changed or deleted what in an experiment and its runs, newest first',
    params: ['id'],
    query: AuditQuerySchema,
    response: AuditListSchema,
  })
  list(
    @Param('id', { schema: IdSchema }) id: string,
    @Query({ schema: AuditQuerySchema }) q: z.infer<typeof AuditQuerySchema>,
  ) {
    return this.audit.listForExperiment(id, q.limit);
  }
}

import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { IdSchema, PageQuerySchema, WebhookDeliveryListSchema, type PageQuery } from '@inferbench/contracts';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { WebhooksService } from './webhooks.service.js';

@ApiTags('webhooks')
@Controller()
export class WebhooksController {
  constructor(@Inject(WebhooksService) private readonly webhooks: WebhooksService) {}

  @Get('experiments/:id/webhook-deliveries')
  @ApiContract({
    summary: "The experiment's webhook deliveries, newest first: status, attempts, last HTTP status or error",
    params: ['id'],
    query: PageQuerySchema,
    response: WebhookDeliveryListSchema,
  })
  list(@Param('id', { schema: IdSchema }) id: string, @Query({ schema: PageQuerySchema }) q: PageQuery) {
    return this.webhooks.list(id, q.limit, q.offset);
  }
}

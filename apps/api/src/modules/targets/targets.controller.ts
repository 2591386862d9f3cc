import { Body, Controller, Delete, Get, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import {
  CreateTargetRequestSchema,
  IdSchema,
  PageQuerySchema,
  TargetListSchema,
  TargetSchema,
  UpdateTargetRequestSchema,
  type CreateTargetRequest,
  type PageQuery,
  type UpdateTargetRequest,
} from '@inferbench/contracts';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { TargetsService } from './targets.service.js';

@ApiTags('targets')
@Controller('targets')
export class TargetsController {
  constructor(@Inject(TargetsService) private readonly targets: TargetsService) {}

  @Get()
  @ApiContract({ summary: 'List targets', query: PageQuerySchema, response: TargetListSchema })
  list(@Query({ schema: PageQuerySchema }) query: PageQuery) {
    return this.targets.listTargets(query);
  }

  @Get(':id')
  @ApiContract({ summary: 'Get a target', params: ['id'], response: TargetSchema })
  get(@Param('id', { schema: IdSchema }) id: string) {
    return this.targets.getTarget(id);
  }

  @Post()
  @ApiContract({
    summary: 'Create a target',
    body: CreateTargetRequestSchema,
    response: TargetSchema,
    status: 201,
    errors: [409],
  })
  create(@Body({ schema: CreateTargetRequestSchema }) body: CreateTargetRequest) {
    return this.targets.createTarget(body);
  }

  @Patch(':id')
  @ApiContract({
    summary: 'Update a target',
    params: ['id'],
    body: UpdateTargetRequestSchema,
    response: TargetSchema,
    errors: [409],
  })
  update(
    @Param('id', { schema: IdSchema }) id: string,
    @Body({ schema: UpdateTargetRequestSchema }) body: UpdateTargetRequest,
  ) {
    return this.targets.updateTarget(id, body);
  }

  @Delete(':id')
  @ApiContract({
    summary: 'Delete a target (409 while variants use it)',
    params: ['id'],
    status: 204,
    errors: [409],
  })
  async remove(@Param('id', { schema: IdSchema }) id: string): Promise<void> {
    await this.targets.deleteTarget(id);
  }
}

import { Body, Controller, Get, Headers, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  IdSchema,
  RunListQuerySchema,
  RunListSchema,
  RunSchema,
  StartRunRequestSchema,
  type RunListQuery,
  type StartRunRequest,
} from '@inferbench/contracts';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { RunStreamService } from './run-stream.service.js';
import { RunsService } from './runs.service.js';

@ApiTags('runs')
@Controller()
export class RunsController {
  constructor(
    @Inject(RunsService) private readonly runs: RunsService,
    @Inject(RunStreamService) private readonly stream: RunStreamService,
  ) {}

  @Post('experiments/:id/runs')
  @ApiContract({
    summary: 'Start a run of an experiment (freezes its spec, enqueues its load points)',
    params: ['id'],
    body: StartRunRequestSchema,
    response: RunSchema,
    status: 201,
    errors: [409],
  })
  start(
    @Param('id', { schema: IdSchema }) id: string,
    @Body({ schema: StartRunRequestSchema }) body: StartRunRequest,
    @Headers('idempotency-key') idempotencyKey?: string,
  ) {
    // the body field wins over the header; a blank or over-long header is ignored like an absent one
    const headerKey = idempotencyKey?.trim();
    const key = body.idempotencyKey ?? (headerKey && headerKey.length <= 200 ? headerKey : undefined);
    return this.runs.startRun(id, key === undefined ? body : { ...body, idempotencyKey: key });
  }

  @Get('runs')
  @ApiContract({ summary: 'List runs, newest first', query: RunListQuerySchema, response: RunListSchema })
  list(@Query({ schema: RunListQuerySchema }) query: RunListQuery) {
    return this.runs.listRuns(query);
  }

  @Get('runs/:id')
  @ApiContract({
    summary: 'Get a run with its load points and summaries',
    params: ['id'],
    response: RunSchema,
  })
  get(@Param('id', { schema: IdSchema }) id: string) {
    return this.runs.getRun(id);
  }

  @Post('runs/:id/cancel')
  @ApiContract({
    summary: 'Cancel a run (409 when it already ended)',
    params: ['id'],
    response: RunSchema,
    status: 200,
    errors: [409],
  })
  cancel(@Param('id', { schema: IdSchema }) id: string) {
    return this.runs.cancelRun(id);
  }

  @Get('runs/:id/events')
  @ApiContract({
    summary:
      'Live run events (Server-Sent Events: run.status, loadpoint.status, loadpoint.progress); ends when the run ends',
    params: ['id'],
    produces: [{ contentType: 'text/event-stream', description: 'one RunStreamEvent JSON per `data:` line' }],
  })
  async events(@Param('id', { schema: IdSchema }) id: string, @Res() reply: FastifyReply): Promise<void> {
    await this.stream.stream(id, reply);
  }
}

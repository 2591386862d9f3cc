import { Readable } from 'node:stream';
import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { IdSchema } from '@inferbench/contracts';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { SamplesService } from '../samples/samples.service.js';
import { RunsService } from './runs.service.js';

const SamplesQuerySchema = z.object({ format: z.enum(['jsonl', 'csv']).default('jsonl') });

@ApiTags('samples')
@Controller('load-points')
export class LoadPointSamplesController {
  constructor(
    @Inject(SamplesService) private readonly samples: SamplesService,
    @Inject(RunsService) private readonly runs: RunsService,
  ) {}

  @Get(':id/samples')
  @ApiContract({
    summary: "Download a load point's raw request samples (streamed)",
    params: ['id'],
    query: SamplesQuerySchema,
    produces: [
      {
        contentType: 'application/x-ndjson',
        description: 'format=jsonl: one RequestSample (plus shardIndex) per line',
      },
      { contentType: 'text/csv', description: 'format=csv: one row per request, chunk gaps joined with ";"' },
    ],
  })
  async download(
    @Param('id', { schema: IdSchema }) id: string,
    @Query({ schema: SamplesQuerySchema }) query: z.infer<typeof SamplesQuerySchema>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.runs.assertPointExists(id);
    const lines = query.format === 'csv' ? this.samples.csvLines(id) : this.samples.jsonlLines(id);
    await reply
      .header(
        'content-type',
        query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      )
      .header('content-disposition', `attachment; filename="samples-${id}.${query.format}"`)
      .send(Readable.from(lines));
  }
}

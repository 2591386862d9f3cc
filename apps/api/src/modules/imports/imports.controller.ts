import { Body, Controller, Get, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  CreateImportRequestSchema,
  IdSchema,
  RunExportQuerySchema,
  RunSchema,
  type CreateImportRequest,
  type RunExportQuery,
} from '@inferbench/contracts';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { ImportsService, type Download } from './imports.service.js';

async function sendDownload(
  reply: FastifyReply,
  d: Download,
  extra: Record<string, string> = {},
): Promise<void> {
  // the name is the caller's own file name: keep it ASCII-safe in the plain parameter, exact in filename*
  const ascii = d.fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  let r = reply
    .header('content-type', d.contentType)
    .header(
      'content-disposition',
      `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(d.fileName)}`,
    );
  for (const [k, v] of Object.entries(extra)) r = r.header(k, v);
  await r.send(typeof d.body === 'string' ? d.body : Buffer.from(d.body));
}

@ApiTags('imports')
@Controller()
export class ImportsController {
  constructor(@Inject(ImportsService) private readonly imports: ImportsService) {}

  @Post('imports')
  @ApiContract({
    summary:
      "Import another tool's result file (vLLM, GuideLLM, AIPerf, inference-perf, k6) as a completed run of an experiment",
    body: CreateImportRequestSchema,
    response: RunSchema,
    status: 201,
    errors: [400, 404, 409],
  })
  create(@Body({ schema: CreateImportRequestSchema }) body: CreateImportRequest) {
    return this.imports.importFile(body);
  }

  @Get('runs/:id/import-file')
  @ApiContract({
    summary: 'Download the original file of an imported run, byte for byte (409 for a measured run)',
    params: ['id'],
    produces: [{ contentType: 'application/octet-stream', description: 'the file as uploaded' }],
    errors: [404, 409],
  })
  async importFile(@Param('id', { schema: IdSchema }) id: string, @Res() reply: FastifyReply): Promise<void> {
    const file = await this.imports.getImportFile(id);
    await sendDownload(reply, file, { 'x-content-sha256': file.sha256 });
  }

  @Get('runs/:id/export')
  @ApiContract({
    summary:
      'Export a run: format=vllm (vLLM result JSON, JSON lines for several points) or csv (one summary row per point); point=<ordinal> for one point',
    params: ['id'],
    query: RunExportQuerySchema,
    produces: [
      { contentType: 'application/json', description: 'format=vllm, one point' },
      {
        contentType: 'application/x-ndjson',
        description: 'format=vllm, several points: one result per line',
      },
      { contentType: 'text/csv', description: 'format=csv' },
    ],
    errors: [404, 409],
  })
  async export(
    @Param('id', { schema: IdSchema }) id: string,
    @Query({ schema: RunExportQuerySchema }) query: RunExportQuery,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await sendDownload(reply, await this.imports.exportRun(id, query));
  }

  @Get('experiments/:id/k6-script')
  @ApiContract({
    summary: "The experiment's load plan, variants and SLO as a runnable k6 script (xk6-sse)",
    params: ['id'],
    produces: [{ contentType: 'text/javascript', description: 'an ES module for `k6 run`' }],
    errors: [404, 409],
  })
  async k6Script(@Param('id', { schema: IdSchema }) id: string, @Res() reply: FastifyReply): Promise<void> {
    await sendDownload(reply, await this.imports.k6Script(id));
  }
}

import { Body, Controller, Delete, Get, Inject, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  CloneExperimentRequestSchema,
  ExperimentHistoryQuerySchema,
  ExperimentHistorySchema,
  SetBaselineRequestSchema,
  type CloneExperimentRequest,
  type ExperimentHistoryQuery,
  type SetBaselineRequest,
  CreateExperimentRequestSchema,
  ExperimentListQuerySchema,
  ExperimentListSchema,
  ExperimentSchema,
  IdSchema,
  UpdateExperimentRequestSchema,
  type CreateExperimentRequest,
  type ExperimentListQuery,
  type UpdateExperimentRequest,
} from '@inferbench/contracts';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { ExperimentsService } from './experiments.service.js';

@ApiTags('experiments')
@Controller('experiments')
export class ExperimentsController {
  constructor(@Inject(ExperimentsService) private readonly experiments: ExperimentsService) {}

  @Get()
  @ApiContract({
    summary: 'List experiments (search `q` in name/description, filter by `tag`)',
    query: ExperimentListQuerySchema,
    response: ExperimentListSchema,
  })
  list(@Query({ schema: ExperimentListQuerySchema }) query: ExperimentListQuery) {
    return this.experiments.listExperiments(query);
  }

  @Get(':id')
  @ApiContract({
    summary: 'Get an experiment with its variants and recent runs',
    params: ['id'],
    response: ExperimentSchema,
  })
  get(@Param('id', { schema: IdSchema }) id: string) {
    return this.experiments.getExperiment(id);
  }

  @Post()
  @ApiContract({
    summary: 'Create an experiment with its variants',
    body: CreateExperimentRequestSchema,
    response: ExperimentSchema,
    status: 201,
    errors: [409],
  })
  create(@Body({ schema: CreateExperimentRequestSchema }) body: CreateExperimentRequest) {
    return this.experiments.createExperiment(body);
  }

  @Patch(':id')
  @ApiContract({
    summary: 'Update an experiment; `variants` replaces the list',
    params: ['id'],
    body: UpdateExperimentRequestSchema,
    response: ExperimentSchema,
    errors: [409],
  })
  update(
    @Param('id', { schema: IdSchema }) id: string,
    @Body({ schema: UpdateExperimentRequestSchema }) body: UpdateExperimentRequest,
  ) {
    return this.experiments.updateExperiment(id, body);
  }

  @Post(':id/archive')
  @ApiContract({
    summary: 'Archive an experiment (hidden from the list unless `archived=true`)',
    params: ['id'],
    response: ExperimentSchema,
    status: 200,
  })
  archive(@Param('id', { schema: IdSchema }) id: string) {
    return this.experiments.archiveExperiment(id);
  }

  @Post(':id/unarchive')
  @ApiContract({
    summary: 'Bring an archived experiment back to the list',
    params: ['id'],
    response: ExperimentSchema,
    status: 200,
  })
  unarchive(@Param('id', { schema: IdSchema }) id: string) {
    return this.experiments.unarchiveExperiment(id);
  }

  @Post(':id/clone')
  @ApiContract({
    summary: 'Copy an experiment (spec and variants; no runs, comments or baseline)',
    params: ['id'],
    body: CloneExperimentRequestSchema,
    response: ExperimentSchema,
    status: 201,
  })
  clone(
    @Param('id', { schema: IdSchema }) id: string,
    @Body({ schema: CloneExperimentRequestSchema }) body: CloneExperimentRequest,
  ) {
    return this.experiments.cloneExperiment(id, body);
  }

  @Put(':id/baseline')
  @ApiContract({
    summary: 'Set or clear (`runId: null`) the baseline run of an experiment',
    params: ['id'],
    body: SetBaselineRequestSchema,
    response: ExperimentSchema,
  })
  setBaseline(
    @Param('id', { schema: IdSchema }) id: string,
    @Body({ schema: SetBaselineRequestSchema }) body: SetBaselineRequest,
  ) {
    return this.experiments.setBaseline(id, body.runId);
  }

  @Get(':id/history')
  @ApiContract({
    summary: "An experiment's runs over time with key figures per variant × level (from stored summaries)",
    params: ['id'],
    query: ExperimentHistoryQuerySchema,
    response: ExperimentHistorySchema,
  })
  history(
    @Param('id', { schema: IdSchema }) id: string,
    @Query({ schema: ExperimentHistoryQuerySchema }) query: ExperimentHistoryQuery,
  ) {
    return this.experiments.getHistory(id, query.limit);
  }

  @Delete(':id')
  @ApiContract({
    summary: 'Delete an experiment and its runs (409 while a run is active)',
    params: ['id'],
    status: 204,
    errors: [409],
  })
  async remove(@Param('id', { schema: IdSchema }) id: string): Promise<void> {
    await this.experiments.deleteExperiment(id);
  }
}

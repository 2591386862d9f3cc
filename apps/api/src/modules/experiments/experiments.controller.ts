import { Body, Controller, Delete, Get, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import {
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
  @ApiContract({ summary: 'List experiments (search `q` in name/description, filter by `tag`)', query: ExperimentListQuerySchema, response: ExperimentListSchema })
  list(@Query({ schema: ExperimentListQuerySchema }) query: ExperimentListQuery) {
    return this.experiments.listExperiments(query);
  }

  @Get(':id')
  @ApiContract({ summary: 'Get an experiment with its variants and recent runs', params: ['id'], response: ExperimentSchema })
  get(@Param('id', { schema: IdSchema }) id: string) {
    return this.experiments.getExperiment(id);
  }

  @Post()
  @ApiContract({ summary: 'Create an experiment with its variants', body: CreateExperimentRequestSchema, response: ExperimentSchema, status: 201, errors: [409] })
  create(@Body({ schema: CreateExperimentRequestSchema }) body: CreateExperimentRequest) {
    return this.experiments.createExperiment(body);
  }

  @Patch(':id')
  @ApiContract({ summary: 'Update an experiment; `variants` replaces the list', params: ['id'], body: UpdateExperimentRequestSchema, response: ExperimentSchema, errors: [409] })
  update(@Param('id', { schema: IdSchema }) id: string, @Body({ schema: UpdateExperimentRequestSchema }) body: UpdateExperimentRequest) {
    return this.experiments.updateExperiment(id, body);
  }

  @Delete(':id')
  @ApiContract({ summary: 'Delete an experiment and its runs (409 while a run is active)', params: ['id'], status: 204, errors: [409] })
  async remove(@Param('id', { schema: IdSchema }) id: string): Promise<void> {
    await this.experiments.deleteExperiment(id);
  }
}

import { Controller, Get, Inject, Param } from '@nestjs/common';
import { IdSchema, isTerminalRunStatus, TargetSecretSchema, type TargetSecret } from '@inferbench/contracts';
import { CurrentPrincipal, RequireScope } from '../../common/auth/decorators.js';
import type { Principal } from '../../common/auth/principal.js';
import { AppError } from '../../common/errors/app-error.js';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { TargetsService } from '../targets/targets.service.js';
import { variantOf } from './run-chains.js';
import { RunsRepository } from './runs.repository.js';

/**
 * The one route agents call over HTTP: the decrypted API key of the target of a load point they run. Jobs in Redis
 * only say `apiKeyFromApi`; the key is handed out here to an agent credential of the target's pool, while the point
 * is not finished, and never logged.
 */
@ApiTags('agents')
@Controller()
export class AgentSecretsController {
  constructor(
    @Inject(RunsRepository) private readonly runs: RunsRepository,
    @Inject(TargetsService) private readonly targets: TargetsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get('agents/load-points/:id/secret')
  @RequireScope('agent')
  @ApiContract({
    summary: "The target API key for a load point an agent runs (agent credential of the target's pool only)",
    params: ['id'],
    response: TargetSecretSchema,
    errors: [401, 403, 409],
  })
  async secret(
    @Param('id', { schema: IdSchema }) id: string,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<TargetSecret> {
    if (principal?.kind !== 'agent')
      throw AppError.forbidden('only an agent credential may read job secrets');
    const point = await this.runs.findPoint(id);
    if (!point) throw AppError.notFound('load point', id);
    const run = await this.runs.findRunSpec(point.runId);
    if (!run) throw AppError.notFound('load point', id);
    const target = variantOf(run.spec, point).target;
    if (target.pool !== principal.pool)
      throw AppError.forbidden(`load point ${id} runs in pool '${target.pool}', not '${principal.pool}'`);
    if (isTerminalRunStatus(point.status) || isTerminalRunStatus(run.status))
      throw AppError.conflict(`load point ${id} is ${point.status}: its secret is no longer handed out`);
    const apiKey = await this.targets.getApiKey(target.id);
    if (apiKey === null) throw AppError.conflict(`target '${target.name}' no longer exists`);
    this.logger.info(
      { loadPointId: id, credentialId: principal.credentialId },
      'target secret handed to an agent',
    );
    return { apiKey: apiKey ?? null };
  }
}

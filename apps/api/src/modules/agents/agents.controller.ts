import { Controller, Get, Inject } from '@nestjs/common';
import { AgentListSchema } from '@inferbench/contracts';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { AgentsService } from './agents.service.js';

@ApiTags('agents')
@Controller('agents')
export class AgentsController {
  constructor(@Inject(AgentsService) private readonly agents: AgentsService) {}

  @Get()
  @ApiContract({
    summary: 'Every agent ever seen, with state idle | busy | offline',
    response: AgentListSchema,
  })
  list() {
    return this.agents.listAgents();
  }
}

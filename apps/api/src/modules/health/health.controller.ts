import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Public } from '../../common/auth/decorators.js';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { PrismaService } from '../../infra/prisma/prisma.service.js';
import { RedisService } from '../../infra/redis/redis.service.js';

const HealthSchema = z.object({ status: z.literal('ok') });
const ReadySchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({ postgres: z.boolean(), redis: z.boolean() }),
});

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(RedisService) private readonly redis: RedisService,
  ) {}

  /** Liveness: the process serves HTTP. */
  @Get('health')
  @Public()
  @ApiContract({ summary: 'Liveness', response: HealthSchema })
  health() {
    return { status: 'ok' as const };
  }

  /** Readiness: PostgreSQL and Redis answer; 503 otherwise. */
  @Get('ready')
  @Public()
  @ApiContract({
    summary: 'Readiness (PostgreSQL and Redis); 503 when a dependency is down',
    docResponse: ReadySchema,
    errors: [503],
  })
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const [postgres, redis] = await Promise.all([this.prisma.isHealthy(), this.redis.isHealthy()]);
    const ok = postgres && redis;
    const body = ReadySchema.parse({ status: ok ? 'ok' : 'unavailable', checks: { postgres, redis } });
    await reply.status(ok ? 200 : 503).send(body);
  }
}

import { Global, Module, type DynamicModule } from '@nestjs/common';
import { CONFIG, type AppConfig } from '../config.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { LOGGER, type Logger } from '../common/logging/logger.js';
import { ApiMetrics } from './metrics/api-metrics.js';
import { PrismaService } from './prisma/prisma.service.js';
import { EvalQueueProducer } from './queue/eval-queue.producer.js';
import { LoadQueueProducer } from './queue/load-queue.producer.js';
import { RedisService } from './redis/redis.service.js';

/** Process-wide providers: config, logger, secrets, our own metrics, PostgreSQL, Redis and the load-queue producer. */
@Global()
@Module({})
export class InfraModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: InfraModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: SecretBox, useValue: new SecretBox(config.secrets.key) },
        { provide: ApiMetrics, useValue: new ApiMetrics(config.metrics.enabled) },
        PrismaService,
        RedisService,
        LoadQueueProducer,
        EvalQueueProducer,
      ],
      exports: [
        CONFIG,
        LOGGER,
        SecretBox,
        ApiMetrics,
        PrismaService,
        RedisService,
        LoadQueueProducer,
        EvalQueueProducer,
      ],
    };
  }
}

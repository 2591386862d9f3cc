import { Global, Module, type DynamicModule } from '@nestjs/common';
import { CONFIG, type AppConfig } from '../config.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { LOGGER, type Logger } from '../common/logging/logger.js';
import { PrismaService } from './prisma/prisma.service.js';
import { LoadQueueProducer } from './queue/load-queue.producer.js';
import { RedisService } from './redis/redis.service.js';

/** Process-wide providers: config, logger, secrets, PostgreSQL, Redis and the load-queue producer. */
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
        PrismaService,
        RedisService,
        LoadQueueProducer,
      ],
      exports: [CONFIG, LOGGER, SecretBox, PrismaService, RedisService, LoadQueueProducer],
    };
  }
}

import 'reflect-metadata';
import { StandardSchemaSerializerInterceptor } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config.js';
import { AllExceptionsFilter, mapError } from './common/filters/all-exceptions.filter.js';
import { createValidationPipe } from './common/http/validation.js';
import { createLogger, LOGGER, PinoNestLogger, type Logger } from './common/logging/logger.js';
import { ApiMetrics } from './infra/metrics/api-metrics.js';
import { installHttpMetrics, startApiMetricsListener } from './infra/metrics/metrics-http.js';
import { installAuthHttp } from './modules/auth/auth-http.js';
import { AuthService } from './modules/auth/auth.service.js';

export interface CreateAppOptions {
  /** use this pino logger instead of creating one from `config.logLevel` */
  logger?: Logger;
  /**
   * Benchmarks only (bench/auth-overhead.ts): let every request through without a credential, to measure what
   * the auth check costs. Not reachable from the environment.
   */
  unsafeDisableAuth?: boolean;
}

/**
 * Build the API application (Nest on Fastify) for `config`: routes, validation, error envelope, response
 * serialization, and the OpenAPI document at `/docs` (UI) and `/docs/json`. Not listening yet: call
 * `app.listen(port, host)` (or {@link startApi}). Background work (ingest worker, sweeper, agent scan)
 * starts when the app initializes and stops on `app.close()`.
 */
export async function createApp(
  config: AppConfig,
  opts: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  if (config.secrets.isDevelopmentKey) {
    logger.warn(
      '!!! SECRET_KEY is not set: target API keys are encrypted with a fixed DEVELOPMENT key that anyone with ' +
        'the source can read. Set SECRET_KEY to 64 hex characters (openssl rand -hex 32) in any real deployment. !!!',
    );
  }
  const adapter = new FastifyAdapter({
    // BODY_LIMIT_MB (default 64: experiments with inline traces and imports of detailed result files are big)
    bodyLimit: config.limits.bodyBytes,
    // a URL Fastify's router cannot decode (e.g. `/runs/%FF`) never reaches Nest: answer it in the envelope too
    frameworkErrors: (err: Error, request: FastifyRequest, reply: FastifyReply) => {
      const { status, envelope } = mapError(err, logger, request.id);
      void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(envelope);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logger, { authDisabled: opts.unsafeDisableAuth === true }),
    adapter,
    {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
    },
  );
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter(logger));
  app.useGlobalInterceptors(new StandardSchemaSerializerInterceptor(app.get(Reflector)));
  installHttpMetrics(app.getHttpAdapter().getInstance(), app.get(ApiMetrics));
  await installAuthHttp(app.getHttpAdapter().getInstance(), app.get(AuthService), config, logger, {
    disabled: opts.unsafeDisableAuth === true,
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('inferbench API')
      .setDescription('Experiments, targets, runs, agents and live run events of inferbench.')
      .setVersion('0.1.0')
      .setOpenAPIVersion('3.1.0')
      // API tokens (issue 12): `Authorization: Bearer ib_…`; the dashboard's session cookie works too
      .addBearerAuth()
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json', yamlDocumentUrl: 'docs/yaml' });
  return app;
}

export interface StartedApi {
  app: NestFastifyApplication;
  /** e.g. http://127.0.0.1:4000 */
  url: string;
  /** the separate Prometheus listener, e.g. http://127.0.0.1:9464/metrics; undefined when it is off or did not start */
  metricsUrl?: string;
  close(): Promise<void>;
}

/** Create the app and listen on `config.http` (port 0 picks a free port); used by main.ts and tests. */
export async function startApi(config: AppConfig, opts: CreateAppOptions = {}): Promise<StartedApi> {
  const app = await createApp(config, opts);
  await app.listen(config.http.port, config.http.host);
  const addr = app.getHttpServer().address();
  const port = typeof addr === 'object' && addr ? addr.port : config.http.port;
  const metrics = await startApiMetricsListener(app.get(ApiMetrics), config, app.get<Logger>(LOGGER));
  return {
    app,
    url: `http://${config.http.host}:${port}`,
    ...(metrics ? { metricsUrl: metrics.url } : {}),
    close: async () => {
      await metrics?.close();
      await app.close();
    },
  };
}

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
import { createLogger, PinoNestLogger, type Logger } from './common/logging/logger.js';

export interface CreateAppOptions {
  /** use this pino logger instead of creating one from `config.logLevel` */
  logger?: Logger;
}

/** Largest accepted request body (experiments with inline traces can be big). */
const BODY_LIMIT_BYTES = 64 * 1024 * 1024;

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
    bodyLimit: BODY_LIMIT_BYTES,
    // a URL Fastify's router cannot decode (e.g. `/runs/%FF`) never reaches Nest: answer it in the envelope too
    frameworkErrors: (err: Error, request: FastifyRequest, reply: FastifyReply) => {
      const { status, envelope } = mapError(err, logger, request.id);
      void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(envelope);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter(logger));
  app.useGlobalInterceptors(new StandardSchemaSerializerInterceptor(app.get(Reflector)));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('inferbench API')
      .setDescription('Experiments, targets, runs, agents and live run events of inferbench.')
      .setVersion('0.1.0')
      .setOpenAPIVersion('3.1.0')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json', yamlDocumentUrl: 'docs/yaml' });
  return app;
}

export interface StartedApi {
  app: NestFastifyApplication;
  /** e.g. http://127.0.0.1:4000 */
  url: string;
  close(): Promise<void>;
}

/** Create the app and listen on `config.http` (port 0 picks a free port); used by main.ts and tests. */
export async function startApi(config: AppConfig, opts: CreateAppOptions = {}): Promise<StartedApi> {
  const app = await createApp(config, opts);
  await app.listen(config.http.port, config.http.host);
  const addr = app.getHttpServer().address();
  const port = typeof addr === 'object' && addr ? addr.port : config.http.port;
  return { app, url: `http://${config.http.host}:${port}`, close: () => app.close() };
}
